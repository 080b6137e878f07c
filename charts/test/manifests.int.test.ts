// Offline checks of the rest of the packaging: the dev infrastructure of k8s/ (assembled the way
// kustomize does for what these kustomizations use, then validated by kubeconform), the Dapr
// components of every local profile (components/*/*.yaml) against the Dapr CRD schemas, and the
// services' Dockerfiles and .dockerignore (static rules: no Docker engine here).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { webPaths } from '../../services/gateway/src/web-build.js';
import { chainOf, dockerfileProblems, parseDockerfile } from './dockerfile-rules.js';
import { kubeconform, type K8sObject, packagingTools, parseYamlDocs, removeTemps, render, ROOT, toYaml } from './packaging.js';

// ---- a small kustomize: resources (files, directories), namespace, secretGenerator literals,
// ---- inline JSON6902 patches with a kind/name target. Anything else is refused.
interface Kustomization {
  namespace?: string;
  resources?: string[];
  secretGenerator?: Array<{ name: string; literals: string[] }>;
  generatorOptions?: { disableNameSuffixHash?: boolean; labels?: Record<string, string> };
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean }>;
  patches?: Array<{ target: { kind: string; name: string }; patch: string }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}
const KNOWN = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'secretGenerator', 'generatorOptions', 'labels', 'patches', 'images']);

type Json = Record<string, unknown> | unknown[];
function jsonPatch(doc: Json, ops: Array<{ op: string; path: string; value?: unknown }>): void {
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let parent: Json = doc;
    for (const p of parts) {
      const next: unknown = Array.isArray(parent) ? parent[Number(p)] : parent[p];
      if (next === undefined || next === null || typeof next !== 'object') throw new Error(`patch ${op.op} ${op.path}: no such path`);
      parent = next as Json;
    }
    if (op.op === 'remove') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (!(last in parent)) throw new Error(`patch remove ${op.path}: no such field`);
      else delete parent[last];
    } else if (op.op === 'add' || op.op === 'replace') {
      if (Array.isArray(parent)) {
        if (last === '-') parent.push(op.value);
        else parent.splice(Number(last), op.op === 'replace' ? 1 : 0, op.value);
      } else {
        if (op.op === 'replace' && !(last in parent)) throw new Error(`patch replace ${op.path}: no such field`);
        parent[last] = op.value;
      }
    } else throw new Error(`patch op ${op.op} is not supported here`);
  }
}

function kustomize(dir: string): K8sObject[] {
  const k = parseYamlDocs(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0] as unknown as Kustomization & Record<string, unknown>;
  for (const key of Object.keys(k)) if (!KNOWN.has(key)) throw new Error(`${dir}/kustomization.yaml: ${key} is not handled by this check`);
  const objs: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const p = path.join(dir, r);
    if (!existsSync(p)) throw new Error(`${dir}/kustomization.yaml: resource ${r} does not exist`);
    objs.push(...(statSync(p).isDirectory() ? kustomize(p) : parseYamlDocs(readFileSync(p, 'utf8'))));
  }
  for (const g of k.secretGenerator ?? []) {
    if (!k.generatorOptions?.disableNameSuffixHash) throw new Error('secretGenerator without disableNameSuffixHash: names would change');
    const data = Object.fromEntries(
      g.literals.map((l) => {
        const i = l.indexOf('=');
        return [l.slice(0, i), Buffer.from(l.slice(i + 1)).toString('base64')];
      }),
    );
    objs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: g.name, labels: { ...k.generatorOptions.labels } }, type: 'Opaque', data });
  }
  for (const l of k.labels ?? []) for (const o of objs) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
  for (const p of k.patches ?? []) {
    const targets = objs.filter((o) => o.kind === p.target.kind && o.metadata.name === p.target.name);
    if (targets.length !== 1) throw new Error(`${dir}: patch target ${p.target.kind}/${p.target.name} matches ${targets.length} objects`);
    jsonPatch(targets[0] as unknown as Json, parseYamlDocs(p.patch)[0] as unknown as Array<{ op: string; path: string; value?: unknown }>);
  }
  // images: kustomize's image transformer, on containers (name = the image without its tag).
  for (const img of k.images ?? []) {
    let used = 0;
    for (const o of objs as Workload[]) {
      for (const c of o.spec?.template?.spec.containers ?? []) {
        const at = c.image.lastIndexOf(':');
        const [name, tag] = at > c.image.lastIndexOf('/') ? [c.image.slice(0, at), c.image.slice(at + 1)] : [c.image, ''];
        if (name !== img.name) continue;
        c.image = `${img.newName ?? name}:${img.newTag ?? tag}`;
        used++;
      }
    }
    if (used === 0) throw new Error(`${dir}: image ${img.name} is used by no container`);
  }
  if (k.namespace) for (const o of objs) if (o.kind !== 'Namespace') o.metadata.namespace = k.namespace;
  return objs;
}

type Workload = K8sObject & {
  spec: {
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
    template: {
      spec: {
        containers: Array<{ image: string; env?: Array<{ valueFrom?: { secretKeyRef?: { name: string; key: string } } }>; volumeMounts?: Array<{ name: string }> }>;
        volumes?: Array<{ name: string; emptyDir?: object }>;
      };
    };
  };
};

const secretsUsed = (objs: K8sObject[]) => {
  const refs: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const ref = o.secretKeyRef as { name?: string; key?: string } | undefined;
      if (ref?.name && ref.key) refs.push(`${ref.name}:${ref.key}`);
      Object.values(o).forEach(walk);
    }
  };
  objs.forEach(walk);
  return refs;
};
const secretsMade = (objs: K8sObject[]) =>
  objs.filter((o) => o.kind === 'Secret').flatMap((s) => Object.keys((s as unknown as { data: Record<string, string> }).data).map((k) => `${s.metadata.name}:${k}`));

beforeAll(() => {
  packagingTools();
});
afterAll(removeTemps);

describe('k8s/: dev infrastructure', () => {
  const bases = ['redis', 'mongodb', 'rabbitmq'];

  test.each(bases)('k8s/%s: a StatefulSet with a PVC and a Service, valid for Kubernetes', (b) => {
    const objs = kustomize(path.join(ROOT, 'k8s', b));
    expect(objs.map((o) => o.kind).sort()).toEqual(['Service', 'StatefulSet']);
    const sts = objs.find((o) => o.kind === 'StatefulSet') as Workload;
    expect(sts.spec.volumeClaimTemplates?.map((v) => v.metadata.name)).toEqual(['data']);
    expect(sts.spec.template.spec.containers[0]!.image).toMatch(/^[a-z]+:[0-9][\w.-]*$/); // pinned tag, not latest
    const r = kubeconform(toYaml(objs));
    expect(r.resources.filter((x) => x.status !== 'statusValid')).toEqual([]);
    expect(r.status).toBe(0);
  });

  test.each(['dev', 'dev-rabbitmq'])('k8s/overlays/%s: assembled, emptyDir storage, valid for Kubernetes', (o) => {
    const objs = kustomize(path.join(ROOT, 'k8s/overlays', o));
    const workloads = objs.filter((x) => x.kind === 'StatefulSet') as Workload[];
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(o === 'dev' ? ['mongodb', 'redis'] : ['mongodb', 'rabbitmq', 'redis']);
    for (const w of workloads) {
      expect(w.metadata.namespace).toBe('bank-dev');
      expect(w.spec.volumeClaimTemplates).toBeUndefined();
      expect(w.spec.template.spec.volumes?.find((v) => v.name === 'data')?.emptyDir).toEqual({});
    }
    // Every secret the infrastructure reads is generated by the overlay.
    expect(secretsMade(objs)).toEqual(expect.arrayContaining(secretsUsed(objs)));
    const r = kubeconform(toYaml(objs));
    expect(r.resources.filter((x) => x.status !== 'statusValid')).toEqual([]);
    expect(r.resources).toHaveLength(objs.length);
    expect(r.status).toBe(0);
  });

  test('the dev overlay makes every Secret the chart references with values-dev.yaml (both brokers)', () => {
    for (const [overlay, kind] of [
      ['dev', 'redis'],
      ['dev-rabbitmq', 'rabbitmq'],
    ] as const) {
      const made = secretsMade(kustomize(path.join(ROOT, 'k8s/overlays', overlay)));
      const chart = render(['values-dev.yaml'], [`pubsub.kind=${kind}`]);
      const used = secretsUsed(chart);
      // The Dapr tokens are referenced by annotation (Dapr's fixed key "token").
      for (const d of chart.filter((x) => x.kind === 'Deployment') as Array<K8sObject & { spec: { template: { metadata: { annotations: Record<string, string> } } } }>) {
        used.push(`${d.spec.template.metadata.annotations['dapr.io/api-token-secret']}:token`, `${d.spec.template.metadata.annotations['dapr.io/app-token-secret']}:token`);
      }
      expect(used.length).toBeGreaterThan(3);
      expect(made).toEqual(expect.arrayContaining(used));
    }
  });

  test('k8s/ferretdb: FerretDB on a PostgreSQL StatefulSet with a PVC, both with a Service, valid for Kubernetes', () => {
    const objs = kustomize(path.join(ROOT, 'k8s/ferretdb'));
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/ferretdb',
      'Service/ferretdb',
      'Service/ferretdb-postgres',
      'StatefulSet/ferretdb-postgres',
    ]);
    const pg = objs.find((o) => o.kind === 'StatefulSet') as Workload;
    expect(pg.spec.volumeClaimTemplates?.map((v) => v.metadata.name)).toEqual(['data']);
    // The password is read from a Secret the user creates; FerretDB's URL carries none.
    expect(secretsUsed(objs).sort()).toEqual(['bank-cqrs-ferretdb-postgres:password', 'bank-cqrs-ferretdb-postgres:username']);
    const r = kubeconform(toYaml(objs));
    expect(r.resources.filter((x) => x.status !== 'statusValid')).toEqual([]);
    expect(r.status).toBe(0);
  });

  test('k8s/overlays/local-cluster: the bases in bank-infra on PVCs, only their images changed to locally built ones, no Secret generated', () => {
    const objs = kustomize(path.join(ROOT, 'k8s/overlays/local-cluster'));
    const workloads = objs.filter((x) => x.kind === 'StatefulSet' || x.kind === 'Deployment') as Workload[];
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['ferretdb', 'ferretdb-postgres', 'rabbitmq', 'redis']);
    for (const w of workloads) {
      expect(w.metadata.namespace).toBe('bank-infra');
      expect(w.spec.template.spec.containers[0]!.image).toMatch(/^bank-cqrs\.local\/[a-z-]+:[0-9][\w.-]*$/);
      if (w.kind === 'StatefulSet') expect(w.spec.volumeClaimTemplates?.map((v) => v.metadata.name)).toEqual(['data']);
    }
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
    const r = kubeconform(toYaml(objs));
    expect(r.resources.filter((x) => x.status !== 'statusValid')).toEqual([]);
    expect(r.status).toBe(0);
  });

  test('the checks refuse broken infrastructure', () => {
    const objs = kustomize(path.join(ROOT, 'k8s/redis'));
    const sts = JSON.parse(JSON.stringify(objs.find((o) => o.kind === 'StatefulSet'))) as Workload & { spec: Record<string, unknown> };
    sts.spec.volumeClaimTemplate = sts.spec.volumeClaimTemplates;
    delete sts.spec.volumeClaimTemplates;
    const r = kubeconform(toYaml([sts]));
    expect(r.status).not.toBe(0);
    expect(r.resources[0]?.msg).toMatch(/volumeClaimTemplate/);
    expect(() => jsonPatch({ spec: {} }, [{ op: 'remove', path: '/spec/volumeClaimTemplates' }])).toThrow(/no such field/);
  });
});

describe('components/*/*.yaml: every local profile is valid for the Dapr CRDs', () => {
  const files = readdirSync(path.join(ROOT, 'components'))
    .filter((d) => statSync(path.join(ROOT, 'components', d)).isDirectory())
    .flatMap((d) =>
      readdirSync(path.join(ROOT, 'components', d))
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => `components/${d}/${f}`),
    );

  test('there are components to check (the redis profile at least)', () => {
    expect(files).toEqual(expect.arrayContaining(['components/redis/statestore.yaml', 'components/redis/pubsub.yaml']));
  });

  test.each(files)('%s', (f) => {
    const text = readFileSync(path.join(ROOT, f), 'utf8');
    const objs = parseYamlDocs(text);
    expect(objs.length).toBeGreaterThan(0);
    const r = kubeconform(text);
    expect(r.resources.filter((x) => x.status !== 'statusValid')).toEqual([]);
    expect(r.resources).toHaveLength(objs.length);
    expect(r.status).toBe(0);
  });

  test('a component with a misspelt field is refused', () => {
    const c = parseYamlDocs(readFileSync(path.join(ROOT, 'components/redis/statestore.yaml'), 'utf8'))[0] as K8sObject & { spec: Record<string, unknown> };
    c.spec.metdata = c.spec.metadata;
    delete c.spec.metadata;
    const r = kubeconform(toYaml([c]));
    expect(r.status).not.toBe(0);
    expect(r.resources[0]?.status).toBe('statusInvalid');
  });
});

describe('the services Dockerfile (static: no Docker engine here)', () => {
  const services = ['account-command', 'account-query', 'gateway'];
  const dockerfile = readFileSync(path.join(ROOT, 'services', 'Dockerfile'), 'utf8');
  /** The Dockerfile as `docker build --build-arg SERVICE=<svc>` reads it. */
  const read = (svc: string) => dockerfile.replaceAll('${SERVICE}', svc).replaceAll('$SERVICE', svc);
  const copiedFromContext = (svc: string) =>
    parseDockerfile(read(svc))
      .stages.flatMap((s) => s.lines)
      .filter((l) => l.instr === 'COPY' && !l.args.startsWith('--from'))
      .flatMap((l) => l.args.split(/\s+/).slice(0, -1));

  test('it is the only Dockerfile of the services, and SERVICE defaults to one of them', () => {
    for (const svc of readdirSync(path.join(ROOT, 'services'))) expect([svc, existsSync(path.join(ROOT, 'services', svc, 'Dockerfile'))]).toEqual([svc, false]);
    expect(services).toContain(parseDockerfile(dockerfile).args.SERVICE);
  });

  test.each(services)('with SERVICE=%s it follows every rule', (svc) => {
    expect(dockerfileProblems(read(svc))).toEqual([]);
  });

  test.each(services)('with SERVICE=%s its npm ci sees every workspace, it runs the service main, it has the dev stage', (svc) => {
    const { stages } = parseDockerfile(read(svc));
    const copied = stages
      .flatMap((s) => s.lines)
      .filter((l) => l.instr === 'COPY')
      .map((l) => l.args);
    const workspaces = readdirSync(path.join(ROOT, 'services')).filter((d) => existsSync(path.join(ROOT, 'services', d, 'package.json')));
    for (const w of workspaces) expect(copied).toContain(`services/${w}/package.json services/${w}/`);
    expect(stages.flatMap((s) => s.lines).find((l) => l.instr === 'RUN' && /npm ci/.test(l.args))?.args).toContain(`--workspace=@bank/${svc}`);
    // tsx runs the sources in production: it must be a runtime dependency of the service.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'services', svc, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies.tsx).toBeDefined();
    expect(existsSync(path.join(ROOT, 'services', svc, 'src/main.ts'))).toBe(true);
    expect(stages.map((s) => s.name)).toEqual(['deps', 'web', 'app', 'dev', 'runtime']);
    // The image runs this service's main, from this service's folder.
    const app = stages.find((s) => s.name === 'app')!;
    expect(app.lines.filter((l) => l.instr === 'WORKDIR').pop()?.args).toBe(`/app/services/${svc}`);
    // Every COPY source from the build context exists.
    for (const src of copiedFromContext(svc)) expect([src, existsSync(path.join(ROOT, src))]).toEqual([src, true]);
  });

  test('the gateway image gets the dashboard Vite built, and nothing else of that build; the others get nothing of it', () => {
    const { stages } = parseDockerfile(read('gateway'));
    const stage = (name: string) => stages.find((s) => s.name === name)!;
    const dist = path.relative(ROOT, webPaths(ROOT).dist);
    expect(dist).toBe('services/gateway/dist-web');
    // Where Vite writes (web/vite.config.ts outDir) is where web-build.ts and the service look.
    const vite = readFileSync(path.join(ROOT, 'services/gateway/web/vite.config.ts'), 'utf8');
    expect(path.resolve(webPaths(ROOT).web, /outDir:\s*'([^']+)'/.exec(vite)?.[1] ?? '')).toBe(webPaths(ROOT).dist);
    expect(readFileSync(path.join(ROOT, 'services/gateway/src/main.ts'), 'utf8')).toContain("path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist-web')");
    // The build stage: dev dependencies (vite, at the root), the dashboard's sources, the root's
    // script, for the gateway only; what it built is moved to /out (empty for the others).
    const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
    expect(root.scripts['build:web']).toBe('vite build services/gateway/web');
    expect(root.devDependencies.vite).toBeDefined();
    const web = stage('web');
    const build = web.lines[web.lines.length - 1]!;
    expect(build.instr).toBe('RUN');
    expect(build.args.replace(/\s+/g, ' ')).toMatch(
      /mkdir \/out && if \[ "gateway" = gateway \]; then npm ci --include=dev\b.*--include-workspace-root\b.*&& npm run build:web && mv services\/gateway\/dist-web \/out\/; fi$/,
    );
    expect(read('account-query')).toContain('if [ "account-query" = gateway ]');
    expect(web.lines.filter((l) => l.instr === 'COPY').map((l) => l.args)).toEqual(
      expect.arrayContaining(['services/gateway/web/ services/gateway/web/', expect.stringMatching(/\btsconfig\.base\.json\b/)]),
    );
    // The runtime (and the dev image) inherit app, which copies exactly /out of web into the
    // service's folder: the gateway's dist-web lands where src/main.ts serves it (../dist-web
    // from the entrypoint's folder).
    for (const target of ['runtime', 'dev']) expect(chainOf(stages, stage(target)).map((s) => s.name)).toEqual(['app', target]);
    const app = stage('app');
    const fromWeb = app.lines.filter((l) => l.instr === 'COPY' && /--from=web\b/.test(l.args));
    expect(fromWeb.map((l) => l.args)).toEqual(['--from=web /out/ services/gateway/']);
    let workdir = '/';
    let copiedTo = '';
    for (const l of app.lines) {
      if (l.instr === 'WORKDIR') workdir = path.posix.resolve(workdir, l.args);
      if (l === fromWeb[0]) copiedTo = path.posix.resolve(workdir, 'services/gateway', 'dist-web');
    }
    const entry = JSON.parse(app.lines.find((l) => l.instr === 'ENTRYPOINT')!.args) as string[];
    expect(copiedTo).toBe(path.posix.resolve(workdir, path.posix.dirname(entry[entry.length - 1]!), '..', 'dist-web'));
    // Nothing points the service elsewhere.
    expect(stages.flatMap((s) => s.lines).filter((l) => l.instr === 'ENV' && /STATIC_DIR/.test(l.args))).toEqual([]);
  });

  test.each([
    ['a latest base image', (t: string) => t.replace('ARG NODE_IMAGE=node:20.20.2-bookworm-slim', 'ARG NODE_IMAGE=node:latest'), /latest/],
    ['an untagged base image', (t: string) => t.replace('ARG NODE_IMAGE=node:20.20.2-bookworm-slim', 'ARG NODE_IMAGE=node'), /untagged/],
    ['root', (t: string) => t.replace('USER 1000:1000\nEXPOSE', 'USER root\nEXPOSE'), /not numeric/],
    ['no USER', (t: string) => t.replace(/^USER .*$/gm, ''), /no USER/],
    ['dev dependencies', (t: string) => t.replace('npm ci --omit=dev', 'npm ci'), /--omit=dev/],
    ['npm install', (t: string) => t.replace('npm ci --omit=dev', 'npm install --omit=dev'), /npm ci/],
    ['no lock file', (t: string) => t.replace('COPY package.json package-lock.json ./', 'COPY package.json ./'), /package-lock/],
    ['npm as PID 1', (t: string) => t.replace('ENTRYPOINT ["node", "--import", "tsx", "src/main.ts"]', 'ENTRYPOINT ["npm", "start"]'), /PID 1/],
    ['a shell as PID 1', (t: string) => t.replace('ENTRYPOINT ["node", "--import", "tsx", "src/main.ts"]', 'ENTRYPOINT node --import tsx src/main.ts'), /exec form/],
    ['a baked-in secret', (t: string) => t.replace('ENV NODE_ENV=production APP_PORT', 'ENV DAPR_API_TOKEN=abc NODE_ENV=production APP_PORT'), /secret/],
    ['a syntax directive (a frontend pulled from a registry)', (t: string) => `# syntax=docker/dockerfile:1\n${t}`, /syntax=docker\/dockerfile:1: BuildKit would pull/],
  ])('the rules catch %s', (_what, mutate, message) => {
    const original = read('account-command');
    const broken = mutate(original);
    expect(broken).not.toBe(original);
    expect(dockerfileProblems(broken).join('\n')).toMatch(message);
  });

  test.each([
    ['the build stage copied whole', (t: string) => t.replace('COPY --from=web /out/ services/gateway/', 'COPY --from=web /app ./'), /copies the dev dependencies/],
    [
      'a workspace folder of the build stage copied (its node_modules)',
      (t: string) => t.replace('COPY --from=web /out/ ', 'COPY --from=web /app/services/gateway/ '),
      /copies the dev dependencies/,
    ],
    [
      'node_modules of the build stage copied',
      (t: string) => t.replace('COPY --from=web /out/ services/gateway/', 'COPY --from=web /app/node_modules/vite node_modules/vite'),
      /copies the dev dependencies/,
    ],
    ['a runtime made from the build stage', (t: string) => t.replace('FROM app AS runtime', 'FROM web AS runtime'), /dev dependencies into the image that runs/],
  ])('the rules catch dev dependencies of the dashboard build in the image: %s', (_what, mutate, message) => {
    const original = read('gateway');
    const broken = mutate(original);
    expect(broken).not.toBe(original);
    expect(dockerfileProblems(broken).join('\n')).toMatch(message);
  });

  test('.dockerignore keeps node_modules, git, env files, tests, packaging and local builds out of the context', () => {
    const rules = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(rules).toEqual(expect.arrayContaining(['**/node_modules', '.git', '.env', '**/.env', '**/*.test.ts', 'charts', 'k8s', 'tools']));
    // Docker's matching, for the patterns used here (no exceptions): a path is left out when it or
    // a folder above it matches a rule.
    expect(rules.filter((r) => r.startsWith('!'))).toEqual([]);
    const pattern = (rule: string) =>
      new RegExp(
        `^${rule
          .split('/')
          .map((seg) =>
            seg === '**'
              ? '\0'
              : seg
                  .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                  .replace(/\*/g, '[^/]*')
                  .replace(/\?/g, '[^/]'),
          )
          .join('/')
          .replace(/\0\//g, '(?:.*/)?')
          .replace(/\0/g, '.*')}$`,
      );
    const ignoredBy = (file: string) => {
      const parts = file.replace(/\/$/, '').split('/');
      return rules.filter((r) => parts.some((_, i) => pattern(r).test(parts.slice(0, i + 1).join('/'))));
    };
    expect(ignoredBy('services/account-query/node_modules/x')).toEqual(['**/node_modules']);
    expect(ignoredBy('services/contracts/src/money/money.unit.test.ts')).toEqual(['**/*.test.ts']);
    // The test kit stays out of every image.
    for (const svc of readdirSync(path.join(ROOT, 'services'))) {
      if (existsSync(path.join(ROOT, 'services', svc, 'src', 'testing'))) expect(ignoredBy(`services/${svc}/src/testing/x.ts`)).toEqual(['services/*/src/testing']);
    }
    expect(ignoredBy('services/testkit/src/system.ts')).toEqual(['services/testkit/src']);
    expect(ignoredBy('services/devkit/src/dapr.ts')).toEqual(['services/devkit/src']);
    expect(ignoredBy('services/system-tests/src/clients.ts')).toEqual(['services/system-tests']);
    // Nothing the Dockerfiles COPY from the context is ignored, nor any input of the dashboard's build...
    const needed = services.flatMap(copiedFromContext);
    const walk = (dir: string): string[] =>
      readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
    for (const file of [...new Set(needed), ...walk(path.relative(ROOT, webPaths(ROOT).web))]) expect([file, ignoredBy(file)]).toEqual([file, []]);
    // ...and a dashboard built on the developer's machine never replaces the one built in the image.
    expect(ignoredBy(`${path.relative(ROOT, webPaths(ROOT).dist)}/index.html`)).toEqual(['services/gateway/dist-web']);
  });
});
