// The cluster suite's kit: kubectl and helm of the project (scripts/cluster/lib.sh builds them,
// into the tools cache that `scripts/tools.sh --print-env` names) pointed at the local cluster's admin kubeconfig, and
// port-forwards that survive the pods they forward to.
//
// The suite reaches the cluster only through `kubectl port-forward --address 127.0.0.1`. A
// port-forward to a Service picks ONE pod and dies with it; the fault tests delete pods on
// purpose. So portForward() serves a fixed 127.0.0.1 port of its own (a small TCP proxy) and, behind
// it, a kubectl port-forward to one Running, not-terminating pod of the Service, which it replaces
// when that process exits or its pod starts terminating (as kube-proxy drops a terminating
// endpoint). Connections opened while there is no forward wait for the next one, up to a bound.
// Every kubectl it starts is killed by close() (and on process exit, as a last resort).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { toolsCacheBin } from '@bank/testkit';

export const KUBECTL = process.env.KUBECTL ?? path.join(toolsCacheBin(), 'kubectl');
export const HELM = process.env.HELM ?? path.join(toolsCacheBin(), 'helm');
export const KUBECONFIG = process.env.BANK_KUBECONFIG ?? path.join(process.env.BANK_CLUSTER_STATE ?? '/var/lib/bank-cqrs-cluster', 'admin.kubeconfig');

/** The release as scripts/cluster/deploy.sh installs it. */
export const RELEASE = 'bank-cqrs';
export const NS = 'bank';
export const INFRA_NS = 'bank-infra';
export const DAPR_NS = 'dapr-system';
/** Kubernetes names of the release's Services and Deployments (charts/bank-cqrs/_helpers.tpl "bank-cqrs.svcName"). */
export const SVC = { command: `${RELEASE}-command`, query: `${RELEASE}-query`, gateway: `${RELEASE}-gateway`, hydra: `${RELEASE}-hydra` } as const;
export const PORT = { command: 3001, query: 3002, gateway: 3000, hydraPublic: 4444 } as const;
export const APP_ID = { command: 'account-command', query: 'account-query', gateway: 'gateway' } as const;

// ---------------------------------------------------------------------------------------------
// kubectl / helm

export interface RunOptions {
  timeoutMs?: number;
  /** Resolve with the output even when the command exits non-zero. */
  allowFailure?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      if (err && !options.allowFailure) {
        const why = (err as { killed?: boolean }).killed ? `killed after ${options.timeoutMs ?? 60_000} ms` : `exit ${String((err as NodeJS.ErrnoException).code)}`;
        reject(new Error(`${path.basename(bin)} ${args.join(' ')}: ${why}\n${String(stderr).slice(-4000)}`));
        return;
      }
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** kubectl --kubeconfig <admin> ARGS; resolves with stdout, rejects with stderr on failure. */
export async function kubectl(args: string[], options: RunOptions = {}): Promise<string> {
  return (await run(KUBECTL, ['--kubeconfig', KUBECONFIG, ...args], options)).stdout;
}

export function kubectlRaw(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run(KUBECTL, ['--kubeconfig', KUBECONFIG, ...args], { ...options, allowFailure: true });
}

/** kubectl ARGS -o json, parsed. */
export async function kubectlJson<T = K8sList>(args: string[], options: RunOptions = {}): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'], options)) as T;
}

export async function helm(args: string[], options: RunOptions = {}): Promise<string> {
  return (await run(HELM, ['--kubeconfig', KUBECONFIG, ...args], { timeoutMs: 900_000, ...options })).stdout;
}

/** Runs a command in a pod's container: kubectl exec -n NS POD -c CONTAINER -- ARGV. */
export function exec(namespace: string, pod: string, container: string, argv: string[], options: RunOptions = {}): Promise<RunResult> {
  return kubectlRaw(['exec', '-n', namespace, pod, '-c', container, '--', ...argv], { timeoutMs: 60_000, ...options });
}

// ---------------------------------------------------------------------------------------------
// Objects (only the fields the suite reads)

export interface K8sMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  uid?: string;
  ownerReferences?: Array<{ kind: string; name: string }>;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  restartPolicy?: string;
}

export interface Pod {
  metadata: K8sMeta;
  spec: { containers: Container[]; initContainers?: Container[]; nodeName?: string };
  status: {
    phase: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ name: string; ready: boolean; restartCount: number; state?: Record<string, unknown> }>;
    initContainerStatuses?: Array<{ name: string; ready: boolean; restartCount: number }>;
  };
}

export interface K8sList<T = { metadata: K8sMeta }> {
  items: T[];
}

export const isReady = (p: Pod): boolean => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const isTerminating = (p: Pod): boolean => Boolean(p.metadata.deletionTimestamp);

export async function pods(namespace: string, selector?: string): Promise<Pod[]> {
  return (await kubectlJson<K8sList<Pod>>(['get', 'pods', '-n', namespace, ...(selector ? ['-l', selector] : [])])).items;
}

/** Pods of one of the release's services (by the chart's component label). */
export function appPods(appId: string): Promise<Pod[]> {
  return pods(NS, `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=${appId}`);
}

/**
 * What stands between the namespaces and "everything Ready": each Deployment or StatefulSet short
 * of ready or updated replicas, each pod terminating or not Ready (with its containers that are
 * not, daprd or the service, and their restarts). Empty when all is Ready.
 */
export async function readinessProblems(namespaces: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const ns of namespaces) {
    const workloads = await kubectlJson<
      K8sList<{
        kind: string;
        metadata: K8sMeta;
        spec: { replicas?: number };
        status: { readyReplicas?: number; updatedReplicas?: number; replicas?: number; availableReplicas?: number };
      }>
    >(['get', 'deployments,statefulsets', '-n', ns]).catch((e: Error) => {
      problems.push(e.message);
      return { items: [] };
    });
    for (const w of workloads.items) {
      const want = w.spec.replicas ?? 1;
      const s = w.status;
      if ((s.readyReplicas ?? 0) < want || (s.updatedReplicas ?? 0) < want || (s.replicas ?? 0) !== want)
        problems.push(`${ns}/${w.kind}/${w.metadata.name}: ${s.readyReplicas ?? 0}/${want} ready, ${s.updatedReplicas ?? 0} updated, ${s.replicas ?? 0} in all`);
    }
    const all = await pods(ns).catch(() => [] as Pod[]);
    for (const p of all) {
      if (p.status.phase === 'Succeeded') continue;
      if (isTerminating(p)) problems.push(`${ns}/${p.metadata.name}: terminating`);
      else if (!isReady(p)) {
        const waiting = (p.status.containerStatuses ?? []).filter((c) => !c.ready).map((c) => `${c.name} (${c.restartCount} restarts)`);
        problems.push(`${ns}/${p.metadata.name}: ${p.status.phase}, not ready${waiting.length ? `: ${waiting.join(', ')}` : ''}`);
      }
    }
  }
  return problems;
}

/** Waits until every Deployment and StatefulSet of the namespaces has all its replicas ready and updated, and no pod of theirs is terminating. */
export async function waitAllReady(namespaces: string[], timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  let last = '';
  for (;;) {
    const problems = await readinessProblems(namespaces);
    if (problems.length === 0) return Date.now() - t0;
    last = problems.join('; ');
    if (Date.now() - t0 > timeoutMs) throw new Error(`not everything Ready after ${timeoutMs} ms: ${last}`);
    await sleep(2000);
  }
}

/** Deletes a pod without waiting (its controller starts a new one); returns its name. */
export async function deletePod(namespace: string, name: string): Promise<string> {
  await kubectl(['delete', 'pod', '-n', namespace, name, '--wait=false']);
  return name;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Port-forwards

export interface PortForward {
  /** http://127.0.0.1:<local port>, stable for the forward's lifetime. */
  readonly url: string;
  readonly localPort: number;
  /** The pod currently behind the forward. */
  readonly pod: string | undefined;
  /** How many times a kubectl port-forward was (re)started. */
  readonly starts: number;
  close(): Promise<void>;
}

export interface PortForwardOptions {
  /** Path answered by the target once it is up (any HTTP status counts): how a new forward is checked. */
  probePath?: string;
  /** How long a new forward may take to answer. */
  readyTimeoutMs?: number;
  /** How long a client connection waits while there is no forward. */
  connectWaitMs?: number;
  /** How often the pod behind the forward is checked. */
  watchIntervalMs?: number;
  /** Resolve even when no forward could be made yet (it keeps trying). */
  lazy?: boolean;
  /** The 127.0.0.1 port to serve on (an address the release was deployed with); any free one by default. */
  localPort?: number;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

interface Upstream {
  proc: ChildProcess;
  port: number;
  pod: string;
}

interface Target {
  /** Pods that may serve, best first, with the container port to forward to. */
  candidates(): Promise<Array<{ pod: Pod; port: number }>>;
}

function serviceTarget(namespace: string, name: string, remotePort: number): Target {
  let svc: { spec: { selector?: Record<string, string>; ports: Array<{ port: number; targetPort?: number | string }> } } | undefined;
  return {
    async candidates() {
      svc ??= await kubectlJson<NonNullable<typeof svc>>(['get', 'service', '-n', namespace, name]);
      const spec = svc.spec;
      const sp = spec.ports.find((p) => p.port === remotePort);
      if (!sp) throw new Error(`service ${namespace}/${name} has no port ${remotePort}`);
      const selector = Object.entries(spec.selector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const all = await pods(namespace, selector);
      const port = (p: Pod): number | undefined => {
        const tp = sp.targetPort ?? sp.port;
        if (typeof tp === 'number') return tp;
        for (const c of p.spec.containers) for (const cp of c.ports ?? []) if (cp.name === tp) return cp.containerPort;
        return Number(tp) || undefined;
      };
      // Ready pods first (as the Service would route), then Running ones (a dependency of all
      // replicas may be down: the forward still reaches one, which answers 503).
      return all
        .filter((p) => p.status.phase === 'Running' && !isTerminating(p) && port(p) !== undefined)
        .sort((a, b) => Number(isReady(b)) - Number(isReady(a)))
        .map((pod) => ({ pod, port: port(pod)! }));
    },
  };
}

function podTarget(namespace: string, name: string, remotePort: number): Target {
  return {
    async candidates() {
      const p = await kubectlJson<Pod>(['get', 'pod', '-n', namespace, name]);
      return p.status.phase === 'Running' && !isTerminating(p) ? [{ pod: p, port: remotePort }] : [];
    },
  };
}

/** Starts `kubectl port-forward --address 127.0.0.1 pod/NAME :PORT`; resolves with the local port it chose. */
function spawnForward(namespace: string, pod: string, port: number, timeoutMs: number): Promise<Upstream> {
  const proc = spawn(KUBECTL, ['--kubeconfig', KUBECONFIG, 'port-forward', '--address', '127.0.0.1', '-n', namespace, `pod/${pod}`, `:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`kubectl port-forward ${namespace}/${pod}:${port} printed no port within ${timeoutMs} ms: ${err.slice(-500)}`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(e);
    };
    proc.stdout!.on('data', (b: Buffer) => {
      // After the first line kubectl prints "Handling connection for N" per connection: only the start matters.
      if (out.length > 4096) return;
      out += b.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[1]), pod });
      }
    });
    proc.stderr!.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-4000);
    });
    proc.once('exit', (code, signal) => fail(new Error(`kubectl port-forward ${namespace}/${pod}:${port} exited (${code ?? signal}) before forwarding: ${err.slice(-500)}`)));
    proc.once('error', fail);
  });
}

/** Resolves once something answers HTTP on the port (any status), or rejects at the deadline. */
async function answers(port: number, probePath: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${probePath}`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > until) throw new Error(`no answer on ${probePath} through the forward within ${timeoutMs} ms (${last})`);
    await sleep(250);
  }
}

/**
 * A port-forward to `svc/NAME` (one of its pods, replaced when it goes) or `pod/NAME`, behind a
 * fixed 127.0.0.1 port. Resolves once a request through it is answered.
 */
export async function portForward(namespace: string, target: string, remotePort: number, options: PortForwardOptions = {}): Promise<PortForward> {
  const [kind, name] = target.split('/') as [string, string | undefined];
  if (!name || !['svc', 'service', 'pod'].includes(kind)) throw new Error(`portForward: target must be svc/NAME or pod/NAME, got ${target}`);
  const tgt = kind === 'pod' ? podTarget(namespace, name, remotePort) : serviceTarget(namespace, name, remotePort);
  const probePath = options.probePath ?? '/healthz';
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const connectWaitMs = options.connectWaitMs ?? 20_000;
  const watchIntervalMs = options.watchIntervalMs ?? 2000;

  let current: Upstream | undefined;
  let lastError = '';
  let closed = false;
  let starts = 0;
  let waiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const retiring = new Set<ChildProcess>();

  const setCurrent = (u: Upstream | undefined) => {
    current = u;
    if (u) {
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    }
  };

  /** Retires a forward: in-flight connections through it get a few seconds, then it is killed. */
  const retire = (u: Upstream, graceMs: number) => {
    if (current === u) setCurrent(undefined);
    retiring.add(u.proc);
    const t = setTimeout(() => u.proc.kill('SIGKILL'), graceMs);
    u.proc.once('exit', () => {
      clearTimeout(t);
      retiring.delete(u.proc);
    });
  };

  let establishing: Promise<void> | undefined;
  const establish = (): Promise<void> =>
    (establishing ??= (async () => {
      let delay = 250;
      while (!closed) {
        try {
          const [best] = await tgt.candidates();
          if (!best) throw new Error(`no running pod for ${target}`);
          const up = await spawnForward(namespace, best.pod.metadata.name, best.port, readyTimeoutMs);
          starts++;
          try {
            await answers(up.port, probePath, readyTimeoutMs);
          } catch (e) {
            up.proc.kill('SIGKILL');
            throw e;
          }
          if (closed) {
            up.proc.kill('SIGKILL');
            return;
          }
          up.proc.once('exit', () => {
            // The forward died (its pod went, or the API server dropped it): make a new one.
            if (current === up) {
              setCurrent(undefined);
              if (!closed) void establish();
            }
          });
          const old = current;
          setCurrent(up);
          if (old) retire(old, 10_000);
          return;
        } catch (e) {
          if (closed) return;
          lastError = (e as Error).message;
          await sleep(delay);
          delay = Math.min(delay * 2, 3000);
        }
      }
    })().finally(() => {
      establishing = undefined;
    }));

  // The watch: a terminating (or vanished) pod behind the forward is replaced before kubectl
  // notices, as a Service stops routing to a terminating endpoint.
  let watching = false;
  const watch = setInterval(() => {
    if (watching || closed || !current || establishing) return;
    watching = true;
    const up = current;
    void kubectlJson<Pod>(['get', 'pod', '-n', namespace, up.pod], { timeoutMs: 10_000 })
      .then(
        (p) => isTerminating(p) || p.status.phase !== 'Running',
        (e: Error) => /NotFound|not found/.test(e.message),
      )
      .then((gone) => {
        if (gone && current === up && !closed) {
          retire(up, 10_000);
          void establish();
        }
      })
      .finally(() => {
        watching = false;
      });
  }, watchIntervalMs);
  watch.unref();

  const waitForUpstream = (): Promise<Upstream | undefined> => {
    if (current) return Promise.resolve(current);
    if (!establishing && !closed) void establish();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        waiters = waiters.filter((w) => w !== done);
        resolve(undefined);
      }, connectWaitMs);
      const done = () => {
        clearTimeout(t);
        resolve(current);
      };
      waiters.push(done);
    });
  };

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    void waitForUpstream().then((up) => {
      if (!up || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: '127.0.0.1', port: up.port });
      sockets.add(upstream);
      upstream.once('close', () => {
        sockets.delete(upstream);
        client.destroy();
      });
      upstream.on('error', () => upstream.destroy());
      client.once('close', () => upstream.destroy());
      upstream.once('connect', () => {
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.localPort ?? 0, '127.0.0.1', () => resolve());
  });
  const localPort = (server.address() as AddressInfo).port;

  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(watch);
    const procs = [...(current ? [current.proc] : []), ...retiring];
    current = undefined;
    waiters.forEach((w) => w());
    waiters = [];
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((r) => {
            if (p.exitCode !== null || p.signalCode !== null) return r();
            p.once('exit', () => r());
            p.kill('SIGKILL');
          }),
      ),
    );
    if (establishing) await establishing.catch(() => undefined);
  };

  const first = establish();
  if (!options.lazy) {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(readyTimeoutMs * 3, 60_000))));
    const outcome = await Promise.race([first.then(() => 'ok' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout' || !current) {
      await close();
      throw new Error(`port-forward to ${namespace}/${target}:${remotePort} could not be established: ${lastError}`);
    }
  }

  return {
    url: `http://127.0.0.1:${localPort}`,
    localPort,
    get pod() {
      return current?.pod;
    },
    get starts() {
      return starts;
    },
    close,
  };
}

/** Forwards to the release's three Services, closed together. */
export interface ReleaseForwards {
  command: PortForward;
  query: PortForward;
  gateway: PortForward;
  close(): Promise<void>;
}

export async function forwardRelease(options: PortForwardOptions = {}): Promise<ReleaseForwards> {
  const opened: PortForward[] = [];
  try {
    const command = await portForward(NS, `svc/${SVC.command}`, PORT.command, options);
    opened.push(command);
    const query = await portForward(NS, `svc/${SVC.query}`, PORT.query, options);
    opened.push(query);
    const gateway = await portForward(NS, `svc/${SVC.gateway}`, PORT.gateway, options);
    opened.push(gateway);
    return { command, query, gateway, close: async () => void (await Promise.all(opened.map((f) => f.close()))) };
  } catch (e) {
    await Promise.all(opened.map((f) => f.close()));
    throw e;
  }
}

/** The cluster answers (the admin kubeconfig exists and the API server is reachable). */
export async function clusterReachable(): Promise<boolean> {
  const r = await kubectlRaw(['get', '--raw', '/readyz'], { timeoutMs: 15_000 });
  return r.code === 0 && r.stdout.trim() === 'ok';
}

/** Fails a suite at once, saying what to do, when there is no cluster to test. */
export async function requireCluster(): Promise<void> {
  if (!(await clusterReachable())) throw new Error('the local cluster does not answer: run npm run cluster:up first (then npm run test:cluster)');
}

/**
 * The set-up the fault, upgrade and swap suites share, registered in the calling test file: the
 * cluster answers, everything (release, infrastructure, Dapr) is Ready, and the release is
 * forwarded to 127.0.0.1 until the file ends. Returns the forwards, for use inside the tests.
 */
export function useForwardedRelease(): () => ReleaseForwards {
  let forwards: ReleaseForwards | undefined;
  beforeAll(async () => {
    await requireCluster();
    await waitAllReady([NS, INFRA_NS, DAPR_NS], 300_000);
    forwards = await forwardRelease();
  });
  afterAll(async () => {
    await forwards?.close();
  });
  return () => {
    if (!forwards) throw new Error('the release is not forwarded (the set-up failed)');
    return forwards;
  };
}

// ---------------------------------------------------------------------------------------------
// A pod's own Dapr sidecar, called from inside the pod

const SIDECAR_CALL = `
const [url, method, withToken] = process.argv.slice(1);
const headers = withToken === 'token' ? { 'dapr-api-token': process.env.DAPR_API_TOKEN ?? '' } : {};
fetch(url, { method, headers, signal: AbortSignal.timeout(10000) })
  .then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })))
  .catch((e) => console.log(JSON.stringify({ status: 0, body: String(e) })));
`;

export interface SidecarAnswer<T = unknown> {
  status: number;
  body: T;
  text: string;
}

/**
 * Runs `script` (plain JavaScript for the container's node) in the app container of `pod`, where
 * http://127.0.0.1:3500 is the pod's own daprd and DAPR_API_TOKEN its token; the script prints
 * one JSON line last, which is returned parsed.
 */
export async function inAppContainer<T>(pod: Pod, script: string, args: string[] = []): Promise<T> {
  const app = pod.spec.containers.find((c) => c.name !== 'daprd')!;
  const r = await exec(pod.metadata.namespace ?? NS, pod.metadata.name, app.name, ['node', '-e', script, ...args]);
  if (r.code !== 0) throw new Error(`kubectl exec ${pod.metadata.name}: exit ${r.code}: ${r.stderr.slice(-1000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

/**
 * Calls http://127.0.0.1:3500<path> from the app container of `pod` (kubectl exec, the container's
 * node): the pod's own daprd, with the DAPR_API_TOKEN of that container unless `token` is false.
 */
export async function sidecarCall<T = unknown>(pod: Pod, path: string, options: { method?: string; token?: boolean } = {}): Promise<SidecarAnswer<T>> {
  const { status, body } = await inAppContainer<{ status: number; body: string }>(pod, SIDECAR_CALL, [
    `http://127.0.0.1:3500${path}`,
    options.method ?? 'GET',
    options.token === false ? 'none' : 'token',
  ]);
  let parsed: unknown = body;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    /* not JSON */
  }
  return { status, body: parsed as T, text: body };
}

export interface DaprMetadata {
  id: string;
  components?: Array<{ name: string; type: string; version?: string }>;
  subscriptions?: Array<{ pubsubname: string; topic: string }>;
}
