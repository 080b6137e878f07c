// The release on the local cluster is what the chart and README declare: every pod Ready, a Dapr
// sidecar injected into each application pod by Dapr's injector (the chart's Deployments declare
// none), the Dapr components loaded by the sidecars they are scoped to and by no other, mTLS on,
// and the infrastructure's data on Bound volumes of the default StorageClass.
import { randomUUID } from 'node:crypto';
import {
  APP_ID,
  requireCluster,
  DAPR_NS,
  INFRA_NS,
  isReady,
  kubectlJson,
  kubectl,
  NS,
  appPods,
  inAppContainer,
  pods,
  portForward,
  sidecarCall,
  SVC,
  type Container,
  type DaprMetadata,
  type K8sList,
  type K8sMeta,
  type Pod,
} from './kube.js';

const APPS = [
  { key: 'command', appId: APP_ID.command, deployment: SVC.command },
  { key: 'query', appId: APP_ID.query, deployment: SVC.query },
  { key: 'gateway', appId: APP_ID.gateway, deployment: SVC.gateway },
] as const;

/** The daprd container of a pod: a container, or a native sidecar (an init container that keeps running). */
const daprdOf = (p: Pod): Container | undefined => [...p.spec.containers, ...(p.spec.initContainers ?? [])].find((c) => c.name === 'daprd');

/** The value of `--flag value` (or presence of `--flag`) in a container's args. */
const arg = (c: Container, flag: string): string | true | undefined => {
  const args = c.args ?? [];
  const i = args.indexOf(flag);
  if (i < 0) return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  const next = args[i + 1];
  return next === undefined || next.startsWith('--') ? true : next;
};

beforeAll(async () => {
  await requireCluster();
});

describe('the release as deployed', () => {
  it('has every pod Ready in bank, bank-infra and dapr-system, with the expected replicas', async () => {
    const notReady: string[] = [];
    for (const ns of [NS, INFRA_NS, DAPR_NS]) {
      const all = (await pods(ns)).filter((p) => p.status.phase !== 'Succeeded');
      expect(all.length).toBeGreaterThan(0);
      for (const p of all) {
        if (p.metadata.deletionTimestamp || !isReady(p)) notReady.push(`${ns}/${p.metadata.name} (${p.status.phase}${p.metadata.deletionTimestamp ? ', terminating' : ''})`);
      }
    }
    expect(notReady).toEqual([]);
    // Two replicas of each service (values.yaml), all Ready.
    for (const a of APPS) expect((await appPods(a.appId)).filter(isReady)).toHaveLength(2);
    // The infrastructure and Dapr's control plane.
    const infra = await kubectlJson<K8sList<{ metadata: K8sMeta; status: { readyReplicas?: number } }>>(['get', 'statefulsets,deployments', '-n', INFRA_NS]);
    expect(infra.items.map((w) => w.metadata.name).sort()).toEqual(expect.arrayContaining(['ferretdb', 'ferretdb-postgres', 'rabbitmq', 'redis']));
    for (const w of infra.items) expect({ workload: w.metadata.name, ready: w.status.readyReplicas ?? 0 }).toEqual({ workload: w.metadata.name, ready: 1 });
    const control = (await pods(DAPR_NS)).map((p) => p.metadata.labels?.app ?? p.metadata.name);
    for (const part of ['dapr-operator', 'dapr-sentry', 'dapr-sidecar-injector']) {
      expect(control.some((n) => n.startsWith(part))).toBe(true);
    }
    // No scheduler and no placement: the system uses no actors, workflows or jobs (up.sh).
    expect(control.filter((n) => n.startsWith('dapr-scheduler') || n.startsWith('dapr-placement'))).toEqual([]);
  });

  it("gives each application pod a daprd sidecar from Dapr's injector, which the Deployment does not declare", async () => {
    const webhooks = await kubectlJson<K8sList<{ metadata: K8sMeta; webhooks: Array<{ timeoutSeconds?: number }> }>>(['get', 'mutatingwebhookconfigurations']);
    const injector = webhooks.items.find((w) => w.metadata.name === 'dapr-sidecar-injector');
    // The longest wait the API server allows before it creates a pod without its sidecar (up.sh).
    expect(injector?.webhooks.map((w) => w.timeoutSeconds)).toEqual([30]);
    for (const a of APPS) {
      // Given the chart's Deployment: one container, the service; no daprd.
      const d = await kubectlJson<{ spec: { template: { metadata: K8sMeta; spec: { containers: Container[]; initContainers?: Container[] } } } }>([
        'get',
        'deployment',
        '-n',
        NS,
        a.deployment,
      ]);
      const declared = [...d.spec.template.spec.containers, ...(d.spec.template.spec.initContainers ?? [])].map((c) => c.name);
      expect(declared).toEqual([a.appId]);
      expect(d.spec.template.metadata.annotations).toMatchObject({ 'dapr.io/enabled': 'true', 'dapr.io/app-id': a.appId });
      // Then each running pod has it, configured for this app, Ready.
      const running = await appPods(a.appId);
      expect(running.length).toBeGreaterThanOrEqual(2);
      for (const p of running) {
        const daprd = daprdOf(p);
        expect(daprd).toBeDefined();
        expect(daprd!.image).toMatch(/daprd:1\.18\./);
        expect(arg(daprd!, '--app-id')).toBe(a.appId);
        expect(arg(daprd!, '--config')).toBe('bank-cqrs-dapr');
        expect(arg(daprd!, '--mode')).toBe('kubernetes');
        // Dapr installed without scheduler and placement (up.sh): the sidecar is pointed at neither.
        expect(arg(daprd!, '--scheduler-host-address')).toBeUndefined();
        expect(arg(daprd!, '--placement-host-address')).toBeUndefined();
        const status = [...(p.status.containerStatuses ?? []), ...(p.status.initContainerStatuses ?? [])].find((s) => s.name === 'daprd');
        expect({ pod: p.metadata.name, ready: status?.ready }).toEqual({ pod: p.metadata.name, ready: true });
      }
    }
  });

  it('loads each Dapr component only in the sidecars it is scoped to: the event store is account-command’s alone', async () => {
    const [command] = (await appPods(APP_ID.command)).filter(isReady);
    const [query] = (await appPods(APP_ID.query)).filter(isReady);
    const [gateway] = (await appPods(APP_ID.gateway)).filter(isReady);
    const names = async (p: Pod) => {
      const m = await sidecarCall<DaprMetadata>(p, '/v1.0/metadata');
      expect(m.status).toBe(200);
      return new Map((m.body.components ?? []).map((c) => [c.name, c.type]));
    };
    // The components each sidecar loaded (its metadata API).
    const cmd = await names(command!);
    expect([cmd.get('statestore'), cmd.get('pubsub'), cmd.get('outbox')]).toEqual(['state.redis', 'pubsub.redis', 'pubsub.redis']);
    const qry = await names(query!);
    expect(qry.get('pubsub')).toBe('pubsub.redis');
    expect([qry.has('statestore'), qry.has('outbox')]).toEqual([false, false]);
    const gw = await names(gateway!);
    expect([gw.has('statestore'), gw.has('pubsub'), gw.has('outbox')]).toEqual([false, false, false]);
    // account-query subscribes to the event topic through its sidecar.
    const qm = await sidecarCall<DaprMetadata>(query!, '/v1.0/metadata');
    expect(qm.body.subscriptions?.map((s) => `${s.pubsubname}/${s.topic}`)).toContain('pubsub/account-events');

    // When account-query's sidecar is asked for the event store, it refuses: it has none.
    const key = `cluster-test-${randomUUID()}`;
    const refused = await sidecarCall<{ errorCode?: string }>(query!, `/v1.0/state/statestore/${key}`);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.errorCode).toMatch(/^ERR_STATE_STORE_NOT_(FOUND|CONFIGURED)$/);
    // The gateway's neither.
    const gwRefused = await sidecarCall<{ errorCode?: string }>(gateway!, `/v1.0/state/statestore/${key}`);
    expect(gwRefused.body.errorCode).toMatch(/^ERR_STATE_STORE_NOT_(FOUND|CONFIGURED)$/);
    // account-command's answers (an unknown key: 204, no content).
    const allowed = await sidecarCall(command!, `/v1.0/state/statestore/${key}`);
    expect(allowed.status).toBe(204);
    console.log(
      `scopes: account-command's sidecar loaded ${JSON.stringify([...cmd])}; account-query's ${JSON.stringify([...qry])}; the gateway's ${JSON.stringify([...gw])}; account-query asking for the event store: ${refused.status} ${refused.body.errorCode}; account-command: ${allowed.status}`,
    );
    // And no sidecar answers without the app's API token.
    for (const p of [command!, query!, gateway!]) expect((await sidecarCall(p, '/v1.0/metadata', { token: false })).status).toBe(401);
  });

  it('answers a lost optimistic-concurrency race on the event store at once, and repeated races never stop the store (no sidecar retry, no breaker)', async () => {
    // Why: daprd counts a transaction's ETag mismatch as a failure. Under the Resiliency's store
    // retries each lost race waited out the backoff twice, and a circuit breaker on the store
    // opened after two races in a row: every store call of that pod then failed for 30 s (503s in
    // a rolling upgrade under load).
    const [command] = (await appPods(APP_ID.command)).filter(isReady);
    const key = `cluster-race-probe-${randomUUID()}`;
    // Given a key at some version, when six transactions with a stale ETag race at once...
    const report = await inAppContainer<{ saved: number; races: Array<{ status: number; ms: number; text: string }>; read: { status: number; text: string } }>(
      command!,
      `
const [key] = process.argv.slice(1);
const headers = { 'dapr-api-token': process.env.DAPR_API_TOKEN ?? '', 'content-type': 'application/json' };
const call = async (path, init = {}) => {
  const t0 = Date.now();
  const r = await fetch('http://127.0.0.1:3500' + path, { ...init, headers, signal: AbortSignal.timeout(60000) });
  return { status: r.status, ms: Date.now() - t0, text: await r.text() };
};
(async () => {
  const saved = (await call('/v1.0/state/statestore', { method: 'POST', body: JSON.stringify([{ key, value: { n: 1 } }]) })).status;
  const op = { operation: 'upsert', request: { key, value: { n: 2 }, etag: '987654' } };
  const race = () => call('/v1.0/state/statestore/transaction', { method: 'POST', body: JSON.stringify({ operations: [op] }) });
  const races = await Promise.all([race(), race(), race(), race(), race(), race()]);
  const read = await call('/v1.0/state/statestore/' + key);
  await call('/v1.0/state/statestore/' + key, { method: 'DELETE' });
  console.log(JSON.stringify({ saved, races, read }));
})().catch((e) => console.log(JSON.stringify({ error: String(e) })));
`,
      [key],
    );
    console.log(`six lost races at once on the event store: ${report.races.map((r) => `${r.status} in ${r.ms} ms`).join(', ')}; then a read: ${report.read.status}`);
    expect(report).not.toHaveProperty('error');
    expect(report.saved).toBe(204);
    // ...then each is refused as the lost race it is (nothing written; Redis's script says only
    // that the key was not set), never by an open circuit breaker...
    for (const race of report.races) {
      const answer = JSON.parse(race.text) as { errorCode?: string; message?: string };
      expect({ status: race.status, errorCode: answer.errorCode, breaker: /circuit breaker/i.test(answer.message ?? '') }).toEqual({
        status: 500,
        errorCode: 'ERR_STATE_TRANSACTION',
        breaker: false,
      });
    }
    // ...and the store still answers that pod: the value written first, unchanged.
    expect([report.read.status, JSON.parse(report.read.text)]).toEqual([200, { n: 1 }]);
  });

  it("runs with mTLS: the control plane's Configuration enables it, sentry is Ready and signed every sidecar's certificate", async () => {
    // Given Dapr's own Configuration (installed by its Helm chart with global.mtls.enabled=true).
    const conf = await kubectlJson<{ spec: { mtls?: { enabled?: boolean; workloadCertTTL?: string } } }>(['get', 'configurations.dapr.io', '-n', DAPR_NS, 'daprsystem']);
    expect(conf.spec.mtls?.enabled).toBe(true);
    // The sentry (the certificate authority) is Ready.
    const sentry = (await pods(DAPR_NS, 'app=dapr-sentry')).filter(isReady);
    expect(sentry).toHaveLength(1);
    // Every injected sidecar runs with --enable-mtls and the sentry's address and trust anchors.
    let sidecars = 0;
    for (const a of APPS) {
      for (const p of await appPods(a.appId)) {
        const daprd = daprdOf(p)!;
        expect(arg(daprd, '--enable-mtls')).toBe(true);
        expect(String(arg(daprd, '--sentry-address'))).toMatch(/^dapr-sentry\.dapr-system\.svc/);
        expect((daprd.env ?? []).find((e) => e.name === 'DAPR_TRUST_ANCHORS')?.value).toMatch(/BEGIN CERTIFICATE/);
        sidecars++;
      }
    }
    // Then the sentry did sign certificates: at least one per running sidecar since it started
    // (read from its metrics, through a port-forward to the sentry pod).
    const fwd = await portForward(DAPR_NS, `pod/${sentry[0]!.metadata.name}`, 9090, { probePath: '/metrics' });
    try {
      const text = await (await fetch(`${fwd.url}/metrics`)).text();
      const signed = text
        .split('\n')
        .filter((l) => l.startsWith('dapr_sentry_cert_sign_success_total'))
        .reduce((n, l) => n + Number(l.split(/\s+/).pop()), 0);
      expect(signed).toBeGreaterThanOrEqual(sidecars);
      console.log(`mTLS: sentry signed ${signed} certificates since it started; ${sidecars} sidecars run with --enable-mtls`);
    } finally {
      await fwd.close();
    }
    // And no sidecar started without it (daprd warns "mTLS is disabled" when it skips the certificate).
    for (const a of APPS) {
      for (const p of (await appPods(a.appId)).filter(isReady)) {
        const log = await kubectl(['logs', '-n', NS, p.metadata.name, '-c', 'daprd', '--tail=-1']);
        expect(log).not.toMatch(/mTLS is disabled/);
        expect(log.length).toBeGreaterThan(0);
      }
    }
  });

  it("keeps the infrastructure's data on PersistentVolumeClaims Bound to the default StorageClass", async () => {
    const classes = await kubectlJson<K8sList<{ metadata: K8sMeta }>>(['get', 'storageclass']);
    const defaults = classes.items.filter((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true').map((c) => c.metadata.name);
    expect(defaults).toHaveLength(1);
    const claims = await kubectlJson<K8sList<{ metadata: K8sMeta; spec: { storageClassName?: string; volumeName?: string }; status: { phase: string } }>>([
      'get',
      'pvc',
      '-n',
      INFRA_NS,
    ]);
    for (const owner of ['redis', 'rabbitmq', 'ferretdb-postgres']) {
      // A StatefulSet's claim: <template>-<statefulset>-<ordinal>.
      const mine = claims.items.filter((c) => new RegExp(`-${owner}-\\d+$`).test(c.metadata.name));
      expect({ owner, claims: mine.length }).toEqual({ owner, claims: 1 });
    }
    for (const c of claims.items) {
      expect({ claim: c.metadata.name, phase: c.status.phase, storageClass: c.spec.storageClassName }).toEqual({
        claim: c.metadata.name,
        phase: 'Bound',
        storageClass: defaults[0],
      });
      const pv = await kubectlJson<{ status: { phase: string }; spec: { storageClassName?: string } }>(['get', 'pv', c.spec.volumeName!]);
      expect([pv.status.phase, pv.spec.storageClassName]).toEqual(['Bound', defaults[0]]);
    }
  });
});
