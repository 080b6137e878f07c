// Helpers for the offline checks of the Kubernetes packaging (charts/, k8s/, Tiltfile,
// Dockerfiles): the tools built by scripts/tools.sh, schemas made locally, YAML parsing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync as mkdtempRaw, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

// Temporary directories made by these checks; each suite removes them in afterAll.
const temps: string[] = [];
export function mkdtempSync(prefix: string): string {
  const d = mkdtempRaw(prefix);
  temps.push(d);
  return d;
}
export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'charts/bank-cqrs/Chart.yaml'))) return d;
    if (path.dirname(d) === d) throw new Error(`no repository root above ${dir}`);
  }
}
export const ROOT = findRoot(process.cwd());
export const CHART = path.join(ROOT, 'charts/bank-cqrs');
export const PROFILES = ['redis', 'postgres-rabbitmq', 'kafka', 'jetstream', 'dev'] as const;

/** The versions scripts/go-tool.sh pins for the scripts, read from it. */
const PINS = readFileSync(path.join(ROOT, 'scripts/go-tool.sh'), 'utf8');
/** Kubernetes version the chart is linted, rendered and validated for. */
export const KUBE_VERSION = /^KUBE_VERSION=(\S+)$/m.exec(PINS)?.[1] ?? '';
const DAPR_VERSION = /^DAPR_VERSION=(\S+)$/m.exec(PINS)?.[1] ?? '';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
};

export interface Tools {
  bin: string;
  helm: string;
  kubeconform: string;
  tiltfileCheck: string;
  /** kubeconform -schema-location templates: the Kubernetes schemas, then the Dapr CRD schemas. */
  schemaLocations: string[];
}

let tools: Tools | undefined;

/** Builds (first time) helm, kubeconform, the Kubernetes schemas and tiltfile-check; makes the Dapr schemas. */
export function packagingTools(): Tools {
  if (tools) return tools;
  const script = path.join(ROOT, 'scripts/tools.sh');
  execFileSync('bash', [script, 'helm', 'kubeconform', 'k8s-schemas', 'tiltfile-check'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const bin = /TOOLS_BIN=(.*)/.exec(execFileSync('bash', [script, '--print-env'], { encoding: 'utf8' }))?.[1]?.trim();
  if (!bin) throw new Error('scripts/tools.sh --print-env printed no TOOLS_BIN');
  const k8sSchemas = path.join(path.dirname(bin), 'k8s-schemas/current');
  if (!existsSync(path.join(k8sSchemas, 'deployment-apps-v1.json'))) throw new Error(`no Kubernetes schemas in ${k8sSchemas}`);
  const daprSchemas = makeDaprSchemas(k8sSchemas);
  tools = {
    bin,
    helm: path.join(bin, 'helm'),
    kubeconform: path.join(bin, 'kubeconform'),
    tiltfileCheck: path.join(bin, 'tiltfile-check'),
    schemaLocations: [`${k8sSchemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, `${daprSchemas}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`],
  };
  return tools;
}

export function daprCrdDir(): string {
  const modcache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim();
  const dir = path.join(modcache, `github.com/dapr/dapr@v${DAPR_VERSION}/charts/dapr/crds`);
  if (!existsSync(dir)) {
    // The module is in the cache once daprd was built; fetch it from the Go module proxy otherwise.
    execFileSync('go', ['mod', 'download', `github.com/dapr/dapr@v${DAPR_VERSION}`], { cwd: os.tmpdir(), stdio: 'inherit', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  }
  return dir;
}

type Schema = Record<string, unknown>;

/**
 * Dapr's CRDs (openAPIV3Schema of the pinned Dapr module) as kubeconform schemas, strict like the
 * Kubernetes ones: objects with declared properties refuse other fields unless the CRD keeps
 * unknown fields; metadata is checked as Kubernetes ObjectMeta; apiVersion and kind are pinned.
 */
export function crdToSchemas(
  crd: { spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> } },
  objectMeta: Schema,
): Map<string, Schema> {
  const strict = (node: Schema): Schema => {
    if (node['x-kubernetes-int-or-string']) return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
    const s: Schema = {};
    for (const k of ['type', 'format', 'enum', 'required', 'minimum', 'maximum', 'pattern', 'minItems', 'maxItems', 'minLength', 'maxLength']) {
      if (node[k] !== undefined) s[k] = node[k];
    }
    if (node.nullable && typeof s.type === 'string') s.type = [s.type, 'null'];
    if (node.items) s.items = strict(node.items as Schema);
    for (const k of ['allOf', 'anyOf', 'oneOf']) if (node[k]) s[k] = (node[k] as Schema[]).map(strict);
    if (node.properties) {
      s.properties = Object.fromEntries(Object.entries(node.properties as Record<string, Schema>).map(([k, v]) => [k, strict(v)]));
    }
    if (typeof node.additionalProperties === 'object') s.additionalProperties = strict(node.additionalProperties as Schema);
    else if (typeof node.additionalProperties === 'boolean') s.additionalProperties = node.additionalProperties;
    else if (node.properties && !node['x-kubernetes-preserve-unknown-fields']) s.additionalProperties = false;
    return s;
  };
  const out = new Map<string, Schema>();
  for (const v of crd.spec.versions) {
    const s = strict(v.schema.openAPIV3Schema);
    const props = s.properties as Record<string, Schema>;
    props.apiVersion = { type: 'string', enum: [`${crd.spec.group}/${v.name}`] };
    props.kind = { type: 'string', enum: [crd.spec.names.kind] };
    props.metadata = objectMeta;
    s.required = [...new Set([...((s.required as string[]) ?? []), 'apiVersion', 'kind', 'metadata'])];
    out.set(`${crd.spec.group}/${crd.spec.names.kind.toLowerCase()}_${v.name}.json`, s);
  }
  return out;
}

function makeDaprSchemas(k8sSchemas: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dapr-schemas-'));
  const deployment = JSON.parse(readFileSync(path.join(k8sSchemas, 'deployment-apps-v1.json'), 'utf8')) as { properties: { metadata: Schema } };
  const objectMeta = { ...deployment.properties.metadata, type: 'object' };
  const crds = daprCrdDir();
  for (const f of readdirSync(crds).filter((f) => f.endsWith('.yaml'))) {
    for (const crd of parseYamlDocs(readFileSync(path.join(crds, f), 'utf8'))) {
      for (const [file, schema] of crdToSchemas(crd as unknown as Parameters<typeof crdToSchemas>[0], objectMeta)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), JSON.stringify(schema));
      }
    }
  }
  return dir;
}

export function parseYamlDocs(text: string): K8sObject[] {
  return parseAllDocuments(text, { uniqueKeys: true })
    .map((d) => {
      if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join('; '));
      return d.toJS() as K8sObject | null;
    })
    .filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, input: opts.input, encoding: 'utf8', env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `helm template` of the chart with the given values files (relative to the chart) and --set. */
export function helmTemplate(values: string[], set: string[] = [], chart = CHART): Run {
  const t = packagingTools();
  const args = ['template', 'bank-cqrs', chart, '--namespace', 'bank', '--kube-version', KUBE_VERSION];
  for (const v of values) args.push('--values', path.resolve(chart, v));
  for (const s of set) args.push('--set', s);
  return run(t.helm, args);
}

export function render(values: string[], set: string[] = []): K8sObject[] {
  const r = helmTemplate(values, set);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseYamlDocs(r.stdout);
}

export interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped' | 'statusEmpty';
  msg: string;
}

/** kubeconform, strict, offline: every object must have a schema (no -ignore-missing-schemas). */
export function kubeconform(yamlText: string): { status: number; resources: KubeconformResource[]; stderr: string } {
  const t = packagingTools();
  const args = ['-strict', '-summary', '-output', 'json', '-verbose', '-kubernetes-version', KUBE_VERSION];
  for (const l of t.schemaLocations) args.push('-schema-location', l);
  args.push('-');
  const r = run(t.kubeconform, args, { input: yamlText });
  let resources: KubeconformResource[] = [];
  try {
    resources = (JSON.parse(r.stdout) as { resources?: KubeconformResource[] }).resources ?? [];
  } catch {
    throw new Error(`kubeconform printed no JSON (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, resources, stderr: r.stderr };
}

export function toYaml(objects: unknown[]): string {
  // JSON is YAML; one document per object.
  return objects.map((o) => `---\n${JSON.stringify(o)}\n`).join('');
}

/** Copy of the chart in a temporary directory, for checks that break it on purpose. */
export function chartCopy(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bank-cqrs-chart-'));
  execFileSync('cp', ['-r', CHART, dir]);
  return path.join(dir, 'bank-cqrs');
}
