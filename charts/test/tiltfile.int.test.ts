// The Tiltfile, evaluated without a cluster, Docker or tilt: tools/go/tilt/tiltfile-check runs it
// in go.starlark.net (Tilt's interpreter) with Tilt's builtins, runs helm() through the real helm,
// reads the kustomize() trees, and applies Tilt's consistency rules (workloads named by
// k8s_resource exist, object selectors match, resource_deps exist, images are used). tilt itself
// cannot be built from the Go module proxy here (see tools/go/tilt/README.md), so this stands in
// for `tilt alpha tiltfile-result`.
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, packagingTools, removeTemps, ROOT, run } from './packaging.js';

interface Manifest {
  name: string;
  workload?: string;
  objects: string[];
  images?: string[];
  portForwards?: string[];
  resourceDeps?: string[];
  labels?: string[];
}
interface TiltResult {
  manifests: Manifest[];
  images: Array<{
    ref: string;
    dockerfile: string;
    target: string;
    buildArgs?: Record<string, string>;
    network?: string;
    liveUpdate: Array<{ step: string; local_path?: string; remote_path?: string; files?: string[] }>;
  }>;
  helm: Array<{ chart: string; namespace: string; values: string[]; set: string[] }>;
  kustomize: string[];
  context: string;
  allowedContexts: string[];
  registry: string;
  warnings: string[];
  logs: string[];
}

/** A PATH whose kubectl is a stub answering as a cluster would (or no kubectl at all). */
function pathWithKubectl(kind: 'none' | 'no-dapr' | 'dapr'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-kubectl-'));
  // Only what the Tiltfile's shell needs; never the real kubectl of the machine, if any.
  for (const tool of ['sh', 'echo']) {
    const found = run('sh', ['-c', `command -v ${tool}`]).stdout.trim();
    if (found.startsWith('/')) symlinkSync(found, path.join(dir, tool));
  }
  if (kind !== 'none') {
    const script = `#!/bin/sh\ncase "$*" in\n  version*) exit 0 ;;\n  "get crd components.dapr.io"*) ${kind === 'dapr' ? 'echo customresourcedefinition.apiextensions.k8s.io/components.dapr.io; exit 0' : 'echo \'Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "components.dapr.io" not found\' >&2; exit 1'} ;;\nesac\nexit 3\n`;
    writeFileSync(path.join(dir, 'kubectl'), script);
    chmodSync(path.join(dir, 'kubectl'), 0o755);
  }
  return dir;
}

function tiltfile(args: string[] = [], opts: { kubectl?: 'none' | 'no-dapr' | 'dapr'; env?: Record<string, string>; file?: string; context?: string } = {}) {
  const t = packagingTools();
  const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: pathWithKubectl(opts.kubectl ?? 'none'), ...opts.env };
  // A Tiltfile elsewhere (a broken copy) is evaluated as if it were the repository's.
  const context = opts.context ? ['-context', opts.context] : [];
  const r = run(t.tiltfileCheck, ['-f', opts.file ?? path.join(ROOT, 'Tiltfile'), '-dir', ROOT, '-helm', t.helm, ...context, '--', ...args], { env });
  return { ...r, result: r.status === 0 ? (JSON.parse(r.stdout) as TiltResult) : undefined };
}

const manifest = (r: TiltResult, name: string) => {
  const m = r.manifests.find((x) => x.name === name);
  if (!m) throw new Error(`no resource ${name} among ${r.manifests.map((x) => x.name).join(', ')}`);
  return m;
};

afterAll(removeTemps);

describe('Tiltfile (offline evaluation)', () => {
  test('default profile: the three services built, deployed through the chart, port-forwarded', () => {
    const r = tiltfile();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const res = r.result!;
    // Nothing left over: every object belongs to a named resource.
    expect(res.manifests.map((m) => m.name).sort()).toEqual(['account-command', 'account-query', 'dapr-config', 'dev-secrets', 'gateway', 'mongodb', 'redis']);
    const cmd = manifest(res, 'account-command');
    const qry = manifest(res, 'account-query');
    const gw = manifest(res, 'gateway');
    expect(cmd.portForwards).toEqual(['3001:3001']);
    expect(qry.portForwards).toEqual(['3002:3002']);
    expect(gw.portForwards).toEqual(['3000:3000']);
    expect(cmd.images).toEqual(['bank-cqrs/account-command:dev']);
    expect(qry.images).toEqual(['bank-cqrs/account-query:dev']);
    expect(gw.images).toEqual(['bank-cqrs/gateway:dev']);
    expect(gw.labels).toEqual(['app']);
    expect(gw.resourceDeps).toEqual(expect.arrayContaining(['dapr-config', 'account-command', 'account-query']));
    expect(cmd.labels).toEqual(['app']);
    expect(manifest(res, 'redis').labels).toEqual(['infra']);
    expect(cmd.resourceDeps).toEqual(expect.arrayContaining(['dapr-config', 'redis']));
    expect(qry.resourceDeps).toEqual(expect.arrayContaining(['dapr-config', 'mongodb', 'account-command']));
    expect(manifest(res, 'dapr-config').objects).toEqual(
      expect.arrayContaining(['Component/statestore', 'Component/pubsub', 'Component/outbox', 'Configuration/bank-cqrs-dapr', 'Resiliency/bank-cqrs']),
    );
    // Images: the services Dockerfile's dev stage for each service, sources synced, dependencies rebuild.
    expect(res.images.map((i) => i.ref).sort()).toEqual(['bank-cqrs/account-command', 'bank-cqrs/account-query', 'bank-cqrs/gateway']);
    for (const img of res.images) {
      const svc = img.ref.replace('bank-cqrs/', '');
      expect(img.dockerfile).toBe('services/Dockerfile');
      expect(img.buildArgs).toEqual({ SERVICE: svc });
      expect(img.target).toBe('dev');
      expect(img.liveUpdate[0]).toMatchObject({ step: 'fall_back_on', files: expect.arrayContaining(['package-lock.json']) });
      expect(img.liveUpdate).toEqual(
        expect.arrayContaining([
          { step: 'sync', local_path: `services/${svc}/src`, remote_path: `/app/services/${svc}/src` },
          { step: 'sync', local_path: 'services/contracts/src', remote_path: '/app/services/contracts/src' },
          { step: 'sync', local_path: 'services/platform/src', remote_path: '/app/services/platform/src' },
        ]),
      );
    }
    // The dashboard is built into the gateway's image: a change to it rebuilds that image.
    expect(res.images.find((i) => i.ref === 'bank-cqrs/gateway')!.liveUpdate[0]!.files).toContain('services/gateway/web');
    expect(res.warnings.filter((w) => /Image not used/.test(w))).toEqual([]);
    // The chart with the dev values, the Redis broker; the dev infrastructure without RabbitMQ.
    expect(res.helm).toEqual([
      { chart: 'charts/bank-cqrs', name: 'bank-cqrs', namespace: 'bank-dev', values: ['charts/bank-cqrs/values-dev.yaml'], set: ['pubsub.kind=redis', 'tests.enabled=false'] },
    ]);
    expect(res.kustomize).toEqual(['k8s/overlays/dev']);
    // No kubectl here: the Dapr check says it cannot check, and evaluation goes on.
    expect(res.warnings.join('\n')).toMatch(/could not ask the cluster whether Dapr is installed/);
  });

  test('--profile=rabbitmq switches the broker: chart value, RabbitMQ infrastructure, dependencies', () => {
    const r = tiltfile(['--profile=rabbitmq']);
    expect(r.stderr).toBe('');
    const res = r.result!;
    expect(res.helm[0]!.set).toContain('pubsub.kind=rabbitmq');
    expect(res.kustomize).toEqual(['k8s/overlays/dev-rabbitmq']);
    expect(manifest(res, 'rabbitmq').labels).toEqual(['infra']);
    expect(manifest(res, 'account-command').resourceDeps).toContain('rabbitmq');
    expect(manifest(res, 'account-query').resourceDeps).toContain('rabbitmq');
    expect(manifest(res, 'account-command').portForwards).toEqual(['3001:3001']);
  });

  test("elsewhere no registry is named: the images stay with the cluster's own runtime", () => {
    const res = tiltfile().result!;
    expect([res.registry, res.allowedContexts]).toEqual(['', []]);
    expect(res.images.map((i) => i.network ?? '')).toEqual(['', '', '']);
  });

  test.each([
    ['redis', 'k8s/overlays/dev-local-cluster'],
    ['rabbitmq', 'k8s/overlays/dev-local-cluster-rabbitmq'],
  ])('on the local cluster (context bank-local), --profile=%s: images pushed to its registry on 127.0.0.1:5000, FerretDB for the read models', (profile, overlay) => {
    const r = tiltfile([`--profile=${profile}`], { context: 'bank-local' });
    expect(r.stderr).toBe('');
    const res = r.result!;
    expect([res.context, res.allowedContexts, res.registry]).toEqual(['bank-local', ['bank-local'], '127.0.0.1:5000']);
    // Its Docker engine has no bridge: builds use the host's network.
    expect(res.images.map((i) => [i.ref, i.network])).toEqual(res.images.map((i) => [i.ref, 'host']));
    expect(res.kustomize).toEqual([overlay]);
    expect(manifest(res, 'ferretdb').labels).toEqual(['infra']);
    expect(manifest(res, 'ferretdb-postgres').labels).toEqual(['infra']);
    expect(res.manifests.map((m) => m.name)).not.toContain('mongodb');
    expect(manifest(res, 'account-query').resourceDeps).toEqual(expect.arrayContaining(['ferretdb', 'account-command']));
    expect(manifest(res, 'dev-secrets').objects).toContain('Secret/bank-cqrs-ferretdb-postgres');
    expect(res.warnings.filter((w) => /Image not used/.test(w))).toEqual([]);
  });

  test('an unknown profile stops with a message naming the choices', () => {
    const r = tiltfile(['--profile=kafkaa']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/unknown --profile=kafkaa: use one of rabbitmq, redis/);
  });

  test('a cluster without Dapr: fail() explains how to install it', () => {
    const r = tiltfile([], { kubectl: 'no-dapr' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Dapr is not installed in cluster .*the CRD components\.dapr\.io is missing/);
    expect(r.stderr).toMatch(/helm upgrade --install dapr dapr\/dapr --version 1\.18\.2/);
  });

  test('a cluster with Dapr: no warning; the check can be skipped', () => {
    const ok = tiltfile([], { kubectl: 'dapr' });
    expect(ok.status).toBe(0);
    expect(ok.result!.warnings).toEqual([]);
    const skipped = tiltfile(['--skip-dapr-check'], { kubectl: 'no-dapr' });
    expect(skipped.status).toBe(0);
    expect(skipped.result!.logs.join('\n')).toMatch(/Dapr check skipped/);
    const byEnv = tiltfile([], { kubectl: 'no-dapr', env: { BANK_TILT_SKIP_DAPR_CHECK: '1' } });
    expect(byEnv.status).toBe(0);
  });

  test('the check refuses a broken Tiltfile (a resource naming no workload, a misspelt dependency)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tiltfile-'));
    const original = readFileSync(path.join(ROOT, 'Tiltfile'), 'utf8');
    const broken = {
      workload: original.replace("RELEASE + '-command',", "RELEASE + '-comand',"),
      dependency: original.replace("resource_deps=['dev-secrets'],", "resource_deps=['dev-secret'],"),
    };
    for (const [name, text] of Object.entries(broken)) {
      expect(text).not.toBe(original);
      writeFileSync(path.join(dir, name), text);
    }
    const r1 = tiltfile([], { file: path.join(dir, 'workload') });
    expect(r1.status).not.toBe(0);
    expect(r1.stderr).toMatch(/k8s_resource\("bank-cqrs-comand"\): no workload of that name/);
    const r2 = tiltfile([], { file: path.join(dir, 'dependency') });
    expect(r2.status).not.toBe(0);
    expect(r2.stderr).toMatch(/resource_deps names "dev-secret", which does not exist/);
  });
});
