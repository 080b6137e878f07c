// The Helm chart charts/bank-cqrs, checked offline: helm lint --strict with every profile,
// values.schema.json refusing bad values, every rendered object valid for Kubernetes (kubeconform,
// strict, schemas made from the k8s.io/kubernetes OpenAPI document) and for Dapr (the CRD schemas
// of the pinned Dapr module), and assertions on what the deployment depends on.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadGatewayConfig } from '../../services/gateway/src/config.js';
import {
  CHART,
  chartCopy,
  helmTemplate,
  KUBE_VERSION,
  kubeconform,
  type K8sObject,
  packagingTools,
  parseYamlDocs,
  PROFILES,
  removeTemps,
  render,
  run,
  toYaml,
} from './packaging.js';

type Container = {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
};
type PodSpec = {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  volumes?: Array<{ name: string; emptyDir?: object }>;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
};
type Deployment = K8sObject & {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> }; spec: PodSpec };
  };
};
type MetadataItem = { name: string; value?: unknown; secretKeyRef?: { name: string; key: string } };
type Component = K8sObject & { spec: { type: string; version: string; metadata: MetadataItem[] }; scopes?: string[]; auth?: { secretStore: string } };

const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const one = <T extends K8sObject>(objs: K8sObject[], kind: string, name: string): T => {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${found.length} among ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found[0] as T;
};
const deployments = (objs: K8sObject[]) => byKind(objs, 'Deployment') as Deployment[];
const appId = (d: Deployment) => d.spec.template.metadata.annotations['dapr.io/app-id'];
const valuesFile = (p: string) => `values-${p}.yaml`;
// The services' Dapr app ids and ports (the gateway's: services/gateway/src/config.ts).
const PORTS: Record<string, number> = { 'account-command': 3001, 'account-query': 3002, gateway: 3000 };
type NetworkPolicy = K8sObject & {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: Array<{
      ports: Array<{ port: number }>;
      from: Array<{ podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: { matchLabels: Record<string, string> } }>;
    }>;
  };
};
/** Rendered objects, valid for Kubernetes and Dapr (kubeconform, strict). */
const expectValid = (objs: K8sObject[]) => {
  const r = kubeconform(toYaml(objs));
  expect(r.resources.filter((x) => x.status !== 'statusValid')).toEqual([]);
  expect(r.status).toBe(0);
};
/** Whether a NetworkPolicy lets a pod with these labels (same namespace) reach this port. */
const admits = (np: NetworkPolicy, port: number, labels: Record<string, string>) =>
  np.spec.ingress.some(
    (rule) =>
      rule.ports.some((p) => p.port === port) &&
      rule.from.some((peer) => !peer.namespaceSelector && Object.entries(peer.podSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v)),
  );

// The in-flight bound of a pub/sub component, by type (none: kafka, jetstream), and the outbox's
// default (rabbitmq: the component's prefetchCount is a uint8).
const BOUND: Record<string, string | undefined> = { 'pubsub.redis': 'concurrency', 'pubsub.rabbitmq': 'prefetchCount' };
const OUTBOX_BOUND: Record<string, string> = { 'pubsub.redis': '1000', 'pubsub.rabbitmq': '255' };

// Metadata that must never be a plain value in a component: it is (or holds) a credential.
const SECRET_METADATA = /(password|secret|token|connectionstring|accesskey|seedkey|jwt|clientkey|sasl.*pass)/i;
const SECRET_ENV = /(TOKEN|PASSWORD|SECRET|MONGODB_URL|REDIS_URL|CONNECTION_STRING)/;

beforeAll(() => {
  packagingTools();
});
afterAll(removeTemps);

describe('helm lint --strict', () => {
  test.each(PROFILES)('profile %s passes', (p) => {
    const t = packagingTools();
    const r = run(t.helm, ['lint', '--strict', '--kube-version', KUBE_VERSION, '--values', path.join(CHART, valuesFile(p)), CHART]);
    expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  test('the defaults alone pass too', () => {
    const r = run(packagingTools().helm, ['lint', '--strict', '--kube-version', KUBE_VERSION, CHART]);
    expect(r.status).toBe(0);
  });

  test('fails on a broken template (proof that lint looks at the templates)', () => {
    const copy = chartCopy();
    const f = path.join(copy, 'templates/service.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('{{- end }}', '{{- end }}\n{{- if }}'));
    const r = run(packagingTools().helm, ['lint', '--strict', '--kube-version', KUBE_VERSION, copy]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/\[ERROR\] templates\//);
  });
});

describe('values.schema.json', () => {
  const refused = (values: string, set: string[] = []) => {
    const dir = path.join(chartCopy(), '..');
    const f = path.join(dir, 'bad-values.yaml');
    writeFileSync(f, values);
    return helmTemplate([f], set);
  };

  test('refuses a typo in a values file (unknown key)', () => {
    const r = refused('pubsub:\n  knd: kafka\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(/knd/);
  });

  test('refuses a typo in a service (the gateway: its block is as strict as the others)', () => {
    const r = refused('gateway:\n  replicaCont: 3\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(/gateway.*replicaCont/);
  });

  test('refuses a top-level typo', () => {
    const r = refused('comand:\n  replicaCount: 3\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(/comand/);
  });

  test.each([
    ['pubsub.kind=nats', /pubsub.*kind|kind.*(must be one of|value must be one of)/s],
    ['stateStore.kind=cassandra', /stateStore.*kind|must be one of/s],
    ['command.image.tag=latest', /tag/],
    ['gateway.image.tag=latest', /gateway\/image\/tag/],
    ['gateway.enabled=maybe', /gateway\/enabled/],
    ['containerSecurityContext.allowPrivilegeEscalation=true', /allowPrivilegeEscalation/],
    ['podSecurityContext.runAsNonRoot=false', /runAsNonRoot/],
    ['pubsub.kafka.authType=scram', /authType/],
    ['pubsub.redis.concurrency=many', /redis\/concurrency/],
    ['pubsub.redis.concurrency=0', /redis\/concurrency/],
    ['pubsub.redis.outboxConcurrency=lots', /redis\/outboxConcurrency/],
    ['pubsub.redis.outboxConcurrency=2.5', /redis\/outboxConcurrency/],
    ['pubsub.rabbitmq.outboxPrefetchCount=lots', /rabbitmq\/outboxPrefetchCount/],
    // A uint8 in the component: a larger value would fail the sidecar's start.
    ['pubsub.rabbitmq.outboxPrefetchCount=1000', /rabbitmq\/outboxPrefetchCount/],
    ['pubsub.rabbitmq.prefetchCount=256', /rabbitmq\/prefetchCount/],
  ])('refuses --set %s', (set, message) => {
    const r = helmTemplate([valuesFile('redis')], [set]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(message);
  });

  test('refuses a secret as plain extraEnv', () => {
    const r = refused('command:\n  extraEnv:\n    - name: DB_PASSWORD\n      value: hunter2\n');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(/extraEnv/);
  });

  test('refuses a broker that needs a secret without one (rabbitmq, no existingSecret)', () => {
    const r = helmTemplate([valuesFile('redis')], ['pubsub.kind=rabbitmq', 'pubsub.rabbitmq.existingSecret=']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(r.stderr).toMatch(/rabbitmq\/existingSecret/);
  });
});

describe.each(PROFILES)('profile %s: rendered objects', (profile) => {
  let objs: K8sObject[];
  let text: string;
  beforeAll(() => {
    const r = helmTemplate([valuesFile(profile)]);
    if (r.status !== 0) throw new Error(r.stderr);
    text = r.stdout;
    objs = parseYamlDocs(text);
  });

  test('every object is valid for Kubernetes and Dapr (kubeconform, strict, no missing schema)', () => {
    const r = kubeconform(text);
    const bad = r.resources.filter((x) => x.status !== 'statusValid');
    expect(bad).toEqual([]);
    expect(r.resources).toHaveLength(objs.length);
    expect(r.status).toBe(0);
  });

  test('renders no Secret: secrets are only referenced', () => {
    expect(byKind(objs, 'Secret')).toEqual([]);
  });

  test('every service (the gateway too): Deployment, Service, Dapr annotations', () => {
    const ds = deployments(objs);
    expect(ds.map(appId).sort()).toEqual(['account-command', 'account-query', 'gateway']);
    const config = byKind(objs, 'Configuration')[0]!.metadata.name;
    for (const d of ds) {
      const a = d.spec.template.metadata.annotations;
      const c = d.spec.template.spec.containers[0]!;
      const port = c.ports!.find((p) => p.name === 'http')!.containerPort;
      expect(port).toBe(PORTS[appId(d)!]);
      expect(a).toMatchObject({
        'dapr.io/enabled': 'true',
        'dapr.io/app-port': String(port),
        'dapr.io/config': config,
        'dapr.io/api-token-secret': expect.stringMatching(/\S/),
        'dapr.io/app-token-secret': expect.stringMatching(/\S/),
        'dapr.io/sidecar-cpu-request': expect.stringMatching(/\S/),
        'dapr.io/sidecar-memory-request': expect.stringMatching(/\S/),
        'dapr.io/sidecar-cpu-limit': expect.stringMatching(/\S/),
        'dapr.io/sidecar-memory-limit': expect.stringMatching(/\S/),
        // No API token in the pods: daprd's built-in Kubernetes secret store would fail its start
        // (seen on a real cluster); the operator resolves the components' secrets instead.
        'dapr.io/disable-builtin-k8s-secret-store': 'true',
      });
      // The app gets the same tokens as its sidecar (Dapr's fixed key "token").
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
      expect(env.DAPR_API_TOKEN?.valueFrom?.secretKeyRef).toEqual({ name: a['dapr.io/api-token-secret'], key: 'token' });
      expect(env.APP_API_TOKEN?.valueFrom?.secretKeyRef).toEqual({ name: a['dapr.io/app-token-secret'], key: 'token' });
      expect(env.APP_PORT?.value).toBe(String(port));
      if (appId(d) === 'account-query') expect(env.MONGODB_URL?.valueFrom?.secretKeyRef?.name).toMatch(/\S/);
      else expect(env.MONGODB_URL).toBeUndefined();
      // The live-update Redis (SSE fan-out between replicas) is account-query's own dependency:
      // its URL comes from a Secret (it holds the password), never from a default.
      if (appId(d) === 'account-query') {
        expect(env.LIVE_ENABLED?.value).toBe('true');
        expect(env.LIVE_REDIS_URL?.valueFrom?.secretKeyRef).toEqual({ name: 'bank-cqrs-redis', key: 'redis-url' });
      } else expect(env.LIVE_REDIS_URL).toBeUndefined();
      // A Service selecting exactly these pods, on the http port.
      const svc = one<K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> } }>(objs, 'Service', d.metadata.name);
      expect(d.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
      expect(svc.spec.ports[0]!.targetPort).toBe('http');
      // Selectors of the services do not overlap.
      expect(svc.spec.selector['app.kubernetes.io/component']).toBe(appId(d));
    }
  });

  test('the gateway calls the app ids the chart gives the services, on the port it is given', () => {
    // The chart sets no COMMAND_APP_ID / QUERY_APP_ID: the gateway's defaults must be these ids.
    // The gateway's configuration is loaded from the plain values the chart gives it (it accepts them).
    const gw = deployments(objs).find((d) => appId(d) === 'gateway')!;
    const given = gw.spec.template.spec.containers[0]!.env ?? [];
    const defaults = loadGatewayConfig(Object.fromEntries(given.flatMap((e) => (typeof e.value === 'string' ? [[e.name, e.value]] : []))));
    const ids = deployments(objs).map(appId);
    expect(ids).toEqual(expect.arrayContaining([defaults.COMMAND_APP_ID, defaults.QUERY_APP_ID, 'gateway']));
    expect(defaults.APP_PORT).toBe(PORTS.gateway);
    const env = given.map((e) => e.name);
    expect(env).not.toContain('COMMAND_APP_ID');
    expect(env).not.toContain('QUERY_APP_ID');
  });

  test('probes: liveness and startup on /healthz, readiness on /readyz', () => {
    for (const d of deployments(objs)) {
      const c = d.spec.template.spec.containers[0]!;
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    }
  });

  test('security context, resources, /tmp on an emptyDir, no service account token', () => {
    for (const d of deployments(objs)) {
      const spec = d.spec.template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.automountServiceAccountToken).toBe(false);
      const c = spec.containers[0]!;
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(c.securityContext?.capabilities?.drop).toContain('ALL');
      // Read-only everywhere but in development (Tilt's live_update writes the synced sources).
      expect(c.securityContext?.readOnlyRootFilesystem).toBe(profile !== 'dev');
      expect(c.resources?.requests).toEqual({ cpu: expect.anything(), memory: expect.anything() });
      expect(c.resources?.limits).toEqual({ cpu: expect.anything(), memory: expect.anything() });
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      expect(spec.serviceAccountName).toBe(one(objs, 'ServiceAccount', spec.serviceAccountName!).metadata.name);
    }
  });

  test('no inline secret: credentials in components and env come from secretKeyRef', () => {
    for (const c of byKind(objs, 'Component') as Component[]) {
      expect(c.auth?.secretStore).toBe('kubernetes');
      for (const m of c.spec.metadata) {
        if (SECRET_METADATA.test(m.name)) {
          expect({ component: c.metadata.name, item: m.name, value: m.value }).toEqual({ component: c.metadata.name, item: m.name, value: undefined });
          expect(m.secretKeyRef?.name).toMatch(/\S/);
        }
      }
    }
    for (const d of deployments(objs)) {
      for (const e of d.spec.template.spec.containers[0]!.env ?? []) {
        if (SECRET_ENV.test(e.name)) expect({ env: e.name, value: e.value, ref: Boolean(e.valueFrom?.secretKeyRef) }).toEqual({ env: e.name, value: undefined, ref: true });
      }
    }
  });

  test('Dapr components: statestore and outbox scoped to account-command only, pubsub to both services, none to the gateway', () => {
    const st = one<Component>(objs, 'Component', 'statestore');
    const ps = one<Component>(objs, 'Component', 'pubsub');
    expect(st.scopes).toEqual(['account-command']);
    expect([...(ps.scopes ?? [])].sort()).toEqual(['account-command', 'account-query']);
    expect((byKind(objs, 'Component') as Component[]).map((c) => c.metadata.name).sort()).toEqual(['outbox', 'pubsub', 'statestore']);
    // The gateway uses service invocation only: an unscoped component would load in its sidecar too.
    for (const c of byKind(objs, 'Component') as Component[]) expect([c.metadata.name, c.scopes?.includes('gateway') ?? 'unscoped']).toEqual([c.metadata.name, false]);
    const expected: Record<string, [string, string]> = {
      redis: ['state.redis', 'pubsub.redis'],
      'postgres-rabbitmq': ['state.postgresql', 'pubsub.rabbitmq'],
      kafka: ['state.postgresql', 'pubsub.kafka'],
      jetstream: ['state.redis', 'pubsub.jetstream'],
      dev: ['state.redis', 'pubsub.redis'],
    };
    expect([st.spec.type, ps.spec.type]).toEqual(expected[profile]);
    // The outbox, exactly as the command service expects it.
    const md = Object.fromEntries(st.spec.metadata.map((m) => [m.name, m.value]));
    expect(md).toMatchObject({ outboxPublishPubsub: 'pubsub', outboxPublishTopic: 'account-events', outboxPubsub: 'outbox', outboxDiscardWhenMissingState: 'true' });
    if (profile === 'jetstream') {
      // As the runnable mysql-jetstream profile: one durable per app that survives restarts,
      // messages in parallel, and no single streamName (the outbox's internal topic lives in a
      // stream of its own, or JetStream drops the outbox's republish as a duplicate).
      const pmd = Object.fromEntries(ps.spec.metadata.map((m) => [m.name, m.value]));
      expect(pmd).toMatchObject({ durableName: '{appID}', queueGroupName: '{appID}', deliverPolicy: 'new', ackPolicy: 'explicit', concurrency: 'parallel' });
      expect(pmd).not.toHaveProperty('streamName');
    }
  });

  test('Dapr component outbox: account-command only, the same broker and connection as pubsub, a high in-flight bound', () => {
    const ps = one<Component>(objs, 'Component', 'pubsub');
    const ob = one<Component>(objs, 'Component', 'outbox');
    expect(ob.scopes).toEqual(['account-command']);
    expect([ob.spec.type, ob.spec.version, ob.auth]).toEqual([ps.spec.type, ps.spec.version, ps.auth]);
    // daprd holds every outbox message at least 1 s: the bound is the outbox's messages per second
    // (per sidecar). Kafka and JetStream have none in the component (partitions; parallel with the
    // server's max_ack_pending): their outbox is the event bus's component under another name.
    const key = BOUND[ps.spec.type];
    const without = (c: Component) => c.spec.metadata.filter((m) => m.name !== key);
    expect(without(ob)).toEqual(without(ps));
    if (!key) return;
    const bound = (c: Component) => c.spec.metadata.find((m) => m.name === key)?.value;
    expect([key, bound(ob)]).toEqual([key, OUTBOX_BOUND[ps.spec.type]]);
    expect(Number(bound(ob))).toBeGreaterThan(Number(bound(ps)));
  });

  test('Dapr Configuration (tracing, metrics) and Resiliency', () => {
    const [cfg] = byKind(objs, 'Configuration') as Array<K8sObject & { spec: { tracing: { samplingRate: string }; metrics: { enabled: boolean }; features?: unknown } }>;
    expect(cfg!.spec.tracing.samplingRate).toMatch(/^[0-9.]+$/);
    expect(cfg!.spec.metrics.enabled).toBe(true);
    // No hot reload (on by default in Dapr 1.18): a component change rolls the pods instead.
    expect(cfg!.spec.features).toEqual([{ name: 'HotReload', enabled: false }]);
    const [res] = byKind(objs, 'Resiliency') as Array<K8sObject & { scopes: string[]; spec: { targets: { apps: Record<string, unknown>; components: Record<string, unknown> } } }>;
    expect(Object.keys(res!.spec.targets.apps)).toEqual(['account-command']);
    // Not the gateway's: its sidecar would retry the browser's POSTs to account-command.
    expect(res!.scopes).toEqual(['account-command', 'account-query']);
    const components = res!.spec.targets.components;
    expect(Object.keys(components).sort()).toEqual(['outbox', 'pubsub', 'statestore']);
    // The outbox publishes as the event bus does; its deliveries do not go through a subscription.
    expect(components.pubsub).toEqual({ outbound: { retry: 'pubsub', circuitBreaker: 'cb' }, inbound: { retry: 'pubsub' } });
    expect(components.outbox).toEqual({ outbound: { retry: 'pubsub', circuitBreaker: 'cb' } });
    // The event store: a timeout only. daprd counts a lost ETag race as a failure: retried, it
    // waited out the backoff for nothing; counted by a breaker, two races in a row stopped the
    // pod's store calls for 30 s.
    expect(components.statestore).toEqual({ outbound: { timeout: 'store' } });
    expect(Object.keys((res!.spec as unknown as { policies: { retries: object } }).policies.retries).sort()).toEqual(['invoke', 'pubsub']);
  });

  test('NetworkPolicy and PodDisruptionBudget per service (not in dev)', () => {
    const n = profile === 'dev' ? 0 : 3;
    expect(byKind(objs, 'NetworkPolicy')).toHaveLength(n);
    expect(byKind(objs, 'PodDisruptionBudget')).toHaveLength(n);
    const policyOf = (id: string) => {
      const pods = deployments(objs).find((d) => appId(d) === id)!.spec.template.metadata.labels;
      const np = (byKind(objs, 'NetworkPolicy') as NetworkPolicy[]).filter((x) => Object.entries(x.spec.podSelector.matchLabels).every(([k, v]) => pods[k] === v));
      expect(np).toHaveLength(1);
      return np[0]!;
    };
    for (const np of byKind(objs, 'NetworkPolicy') as NetworkPolicy[]) {
      expect(np.spec.policyTypes).toEqual(['Ingress']);
      expect(deployments(objs).filter((d) => Object.entries(np.spec.podSelector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v))).toHaveLength(1);
    }
    if (profile === 'dev') return;
    // Service invocation goes sidecar to sidecar, on Dapr's internal gRPC port: the gateway's pods
    // (and account-query's, for account-command) reach both services there.
    const gatewayPods = deployments(objs).find((d) => appId(d) === 'gateway')!.spec.template.metadata.labels;
    for (const id of ['account-command', 'account-query']) expect([id, admits(policyOf(id), 50002, gatewayPods)]).toEqual([id, true]);
    expect(admits(policyOf('account-command'), 50002, deployments(objs).find((d) => appId(d) === 'account-query')!.spec.template.metadata.labels)).toBe(true);
    // A pod of another release does not.
    expect(admits(policyOf('account-command'), 50002, { ...gatewayPods, 'app.kubernetes.io/instance': 'other' })).toBe(false);
    // The gateway's own port is open to the configured clients (the Ingress controller's namespace).
    const gw = policyOf('gateway');
    expect(gw.spec.ingress.find((r) => r.ports.some((p) => p.port === PORTS.gateway))?.from).toEqual(
      expect.arrayContaining([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]),
    );
  });

  test('helm test hook: opens an account on the command service, reads it back from the query service and through the gateway', () => {
    const pods = byKind(objs, 'Pod') as Array<K8sObject & { spec: PodSpec & { containers: Array<Container & { args: string[] }> } }>;
    expect(pods).toHaveLength(1);
    const pod = pods[0]!;
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const c = pod.spec.containers[0]!;
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    const svcUrl = (id: string) => {
      const d = deployments(objs).find((x) => appId(x) === id)!;
      const svc = one<K8sObject & { spec: { ports: Array<{ port: number }> } }>(objs, 'Service', d.metadata.name);
      return `http://${svc.metadata.name}:${svc.spec.ports[0]!.port}`;
    };
    expect(env.COMMAND_URL).toBe(svcUrl('account-command'));
    expect(env.QUERY_URL).toBe(svcUrl('account-query'));
    expect(env.GATEWAY_URL).toBe(svcUrl('gateway'));
    const script = c.args.join('\n');
    expect(script).toContain("fetch(gw + '/')");
    expect(script).toContain("gw + '/api/queries/accounts/' + opened.accountId");
    expect(script).toContain("cmd + '/accounts'");
    expect(script).toContain("method: 'POST'");
    expect(script).toContain("qry + '/accounts/' + opened.accountId + '?minVersion='");
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true });
  });
});

describe('the gateway', () => {
  test('sign-in: off by default, oidc passes the issuer and audience, and oidc without an issuer is refused', () => {
    const gatewayEnv = (objs: K8sObject[]) =>
      Object.fromEntries(
        (deployments(objs).find((d) => appId(d) === 'gateway')!.spec.template.spec.containers[0]!.env ?? []).flatMap((e) =>
          typeof e.value === 'string' ? [[e.name, e.value]] : [],
        ),
      );
    expect(gatewayEnv(render([valuesFile('redis')]))).toMatchObject({ AUTH_MODE: 'off', OIDC_AUDIENCE: 'bank-api' });
    const on = render([valuesFile('redis')], ['gateway.auth.mode=oidc', 'gateway.auth.issuer=https://id.example.com/']);
    expect(gatewayEnv(on)).toMatchObject({ AUTH_MODE: 'oidc', OIDC_ISSUER: 'https://id.example.com/', OIDC_AUDIENCE: 'bank-api', OIDC_CLOCK_SKEW_SECONDS: '30' });
    expect(loadGatewayConfig(gatewayEnv(on)).AUTH_MODE).toBe('oidc');
    const pod = byKind(on, 'Pod')[0] as K8sObject & { spec: PodSpec };
    expect(pod.spec.containers[0]!.env).toEqual(expect.arrayContaining([{ name: 'GATEWAY_AUTH', value: 'oidc' }]));
    expectValid(on);
    const refused = helmTemplate([valuesFile('redis')], ['gateway.auth.mode=oidc']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/values don't meet the specifications of the schema/);
  });

  test('rate limits come from values (the local sign-in values raise them for one port-forward)', () => {
    const env = (objs: K8sObject[]) =>
      Object.fromEntries((deployments(objs).find((d) => appId(d) === 'gateway')!.spec.template.spec.containers[0]!.env ?? []).map((e) => [e.name, e.value]));
    expect(env(render([valuesFile('redis')]))).toMatchObject({
      RATE_LIMIT_ADDRESS_PER_SECOND: '200',
      RATE_LIMIT_ADDRESS_BURST: '400',
      RATE_LIMIT_SUBJECT_PER_SECOND: '50',
      RATE_LIMIT_SUBJECT_BURST: '100',
    });
    const local = env(render([valuesFile('redis'), 'values-local-signin.yaml']));
    expect(loadGatewayConfig(local as NodeJS.ProcessEnv)).toMatchObject({ RATE_LIMIT_ADDRESS_PER_SECOND: 2000, RATE_LIMIT_SUBJECT_PER_SECOND: 1000 });
  });

  test('gateway.enabled=false: no gateway objects, the helm test skips it, all valid', () => {
    const objs = render([valuesFile('redis')], ['gateway.enabled=false']);
    expect(deployments(objs).map(appId).sort()).toEqual(['account-command', 'account-query']);
    expect(objs.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'gateway')).toEqual([]);
    expect(byKind(objs, 'NetworkPolicy')).toHaveLength(2);
    const pod = byKind(objs, 'Pod')[0] as K8sObject & { spec: PodSpec };
    expect(pod.spec.containers[0]!.env?.map((e) => e.name)).not.toContain('GATEWAY_URL');
    expectValid(objs);
  });

  test("its Ingress routes the dashboard (/ and its assets) and /api, nothing else, next to a service's on the same host", () => {
    const objs = render(
      [valuesFile('redis')],
      ['gateway.ingress.enabled=true', 'gateway.ingress.host=bank.example.com', 'query.ingress.enabled=true', 'query.ingress.host=bank.example.com'],
    );
    type Ingress = K8sObject & {
      spec: { rules: Array<{ host: string; http: { paths: Array<{ path: string; pathType: string; backend: { service: { name: string; port: { name: string } } } }> } }> };
    };
    const paths = (name: string) =>
      one<Ingress>(objs, 'Ingress', name).spec.rules.flatMap((r) =>
        r.http.paths.map((p) => `${r.host} ${p.pathType} ${p.path} -> ${p.backend.service.name}:${p.backend.service.port.name}`),
      );
    expect(paths('bank-cqrs-gateway')).toEqual([
      'bank.example.com Exact / -> bank-cqrs-gateway:http',
      'bank.example.com Prefix /assets -> bank-cqrs-gateway:http',
      'bank.example.com Prefix /api -> bank-cqrs-gateway:http',
    ]);
    // The services' own route is unchanged (the longer prefix wins on a shared host).
    expect(paths('bank-cqrs-query')).toEqual(['bank.example.com Prefix /accounts -> bank-cqrs-query:http']);
    expectValid(objs);
  });
});

describe("the release's provider (hydra.enabled: values-local-signin.yaml)", () => {
  type HydraPod = Omit<PodSpec, 'volumes'> & { initContainers?: Container[]; volumes?: Array<{ name: string; emptyDir?: object; persistentVolumeClaim?: { claimName: string } }> };
  let objs: K8sObject[];
  beforeAll(() => {
    objs = render([valuesFile('redis'), 'values-local-signin.yaml']);
  });
  const hydra = () => one<Deployment>(objs, 'Deployment', 'bank-cqrs-hydra');
  const configMap = () => one<K8sObject & { data: Record<string, string> }>(objs, 'ConfigMap', 'bank-cqrs-hydra');

  test('renders Hydra (Deployment, Service, volume, NetworkPolicy, client registration Job), all valid', () => {
    expectValid(objs);
    expect(
      deployments(objs)
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(['bank-cqrs-command', 'bank-cqrs-gateway', 'bank-cqrs-hydra', 'bank-cqrs-query']);
    const svc = one<K8sObject & { spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number }> } }>(objs, 'Service', 'bank-cqrs-hydra');
    expect(svc.spec.ports.map((p) => [p.name, p.port])).toEqual([
      ['public', 4444],
      ['admin', 4445],
    ]);
    expect(hydra().spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(byKind(objs, 'PersistentVolumeClaim').map((o) => o.metadata.name)).toEqual(['bank-cqrs-hydra']);
    const job = one<K8sObject & { metadata: { annotations: Record<string, string> } }>(objs, 'Job', 'bank-cqrs-hydra-clients');
    expect(job.metadata.annotations['helm.sh/hook']).toBe('post-install,post-upgrade');
    expect(byKind(objs, 'Secret')).toEqual([]);
  });

  test('runs as the other pods do: non-root, read-only, no service account token; its store migrated first; the system secret from a Secret', () => {
    const spec = hydra().spec.template.spec as HydraPod;
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const [migrate] = spec.initContainers ?? [];
    expect((migrate as Container & { args: string[] }).args).toEqual(['migrate', 'sql', 'up', '--read-from-env', '--yes']);
    const c = spec.containers[0]! as Container & { args: string[] };
    expect(c.args).toEqual(['serve', 'all', '--config', '/etc/hydra/hydra.yaml', '--sqa-opt-out', '--dev']);
    for (const container of [migrate!, c]) {
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
      expect(container.securityContext?.capabilities?.drop).toContain('ALL');
    }
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
    expect(env.SECRETS_SYSTEM?.valueFrom?.secretKeyRef).toEqual({ name: 'bank-cqrs-hydra', key: 'secrets-system' });
    expect(env.DSN?.value).toMatch(/^sqlite:\/\/\/var\/lib\/hydra\/hydra\.sqlite\?.*_journal_mode=WAL/);
    expect(spec.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe('bank-cqrs-hydra');
    // Without --dev (the default) Hydra refuses an http issuer; a database from the Secret replaces the volume.
    const prod = render([valuesFile('redis'), 'values-local-signin.yaml'], ['hydra.dev=false', 'hydra.issuer=https://login.example.com/', 'hydra.dsnKey=dsn']);
    const prodHydra = one<Deployment>(prod, 'Deployment', 'bank-cqrs-hydra').spec.template.spec as HydraPod;
    expect((prodHydra.containers[0] as Container & { args: string[] }).args).not.toContain('--dev');
    expect(prodHydra.containers[0]!.env?.find((e) => e.name === 'DSN')?.valueFrom?.secretKeyRef).toEqual({ name: 'bank-cqrs-hydra', key: 'dsn' });
    expect(byKind(prod, 'PersistentVolumeClaim')).toEqual([]);
    expectValid(prod);
  });

  test("its issuer and sign-in pages are the public addresses; the dashboard's client returns to the gateway", () => {
    const config = configMap().data['hydra.yaml']!;
    expect(config).toContain('issuer: "http://127.0.0.1:8444/"');
    expect(config).toContain('login: "http://127.0.0.1:8000/auth/login"');
    expect(config).toContain('consent: "http://127.0.0.1:8000/auth/consent"');
    expect(config).toContain('allowed_origins: ["http://127.0.0.1:8000"]');
    expect(config).toContain('allowed_top_level_claims: [roles]');
    const dashboard = JSON.parse(configMap().data['bank-dashboard.json']!) as Record<string, unknown>;
    expect(dashboard).toMatchObject({
      redirect_uris: ['http://127.0.0.1:8000/signed-in'],
      audience: ['bank-api'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
    });
    expect(JSON.parse(configMap().data['bank-cli.json']!)).toMatchObject({ redirect_uris: ['http://127.0.0.1/token-callback'] });
    // A changed configuration rolls the provider's pod.
    const other = render([valuesFile('redis'), 'values-local-signin.yaml'], ['gateway.publicUrl=http://127.0.0.1:9000']);
    const checksum = (o: K8sObject[]) => one<Deployment>(o, 'Deployment', 'bank-cqrs-hydra').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(other)).not.toBe(checksum(objs));
  });

  test('turns the gateway to oidc at the provider: the public issuer checked, keys and sign-in pages through its Service, users from a Secret', () => {
    const gw = deployments(objs).find((d) => appId(d) === 'gateway')!.spec.template.spec.containers[0]!;
    const env = Object.fromEntries((gw.env ?? []).map((e) => [e.name, e]));
    expect(env.AUTH_MODE?.value).toBe('oidc');
    expect(env.OIDC_ISSUER?.value).toBe('http://127.0.0.1:8444/');
    expect(env.OIDC_JWKS_URL?.value).toBe('http://bank-cqrs-hydra:4444/.well-known/jwks.json');
    expect(env.HYDRA_ADMIN_URL?.value).toBe('http://bank-cqrs-hydra:4445');
    expect(env.LOGIN_USERS?.valueFrom?.secretKeyRef).toEqual({ name: 'bank-cqrs-login-users', key: 'login-users' });
    const plain = Object.fromEntries(Object.values(env).flatMap((e) => (typeof e.value === 'string' ? [[e.name, e.value]] : [])));
    expect(loadGatewayConfig({ ...plain, LOGIN_USERS: '[]' })).toMatchObject({ AUTH_MODE: 'oidc', OIDC_JWKS_URL: 'http://bank-cqrs-hydra:4444/.well-known/jwks.json' });
    // The helm test checks the provider too.
    const pod = byKind(objs, 'Pod')[0] as K8sObject & { spec: PodSpec };
    expect(pod.spec.containers[0]!.env).toEqual(
      expect.arrayContaining([
        { name: 'GATEWAY_AUTH', value: 'oidc' },
        { name: 'HYDRA_URL', value: 'http://bank-cqrs-hydra:4444' },
      ]),
    );
  });

  test("its admin port (it can issue any token) admits the gateway and the registration Job only; its public port the release's pods", () => {
    const np = one<NetworkPolicy>(objs, 'NetworkPolicy', 'bank-cqrs-hydra');
    const pod = (component: string) => ({
      'app.kubernetes.io/name': 'bank-cqrs',
      'app.kubernetes.io/instance': 'bank-cqrs',
      'app.kubernetes.io/part-of': 'bank-cqrs',
      'app.kubernetes.io/component': component,
    });
    expect(admits(np, 4445, pod('gateway'))).toBe(true);
    expect(admits(np, 4445, pod('hydra-clients'))).toBe(true);
    expect(admits(np, 4445, pod('account-command'))).toBe(false);
    expect(admits(np, 4445, pod('account-query'))).toBe(false);
    expect(admits(np, 4444, pod('gateway'))).toBe(true);
  });

  test("its Ingress routes the public endpoints on the issuer's host, never the admin port", () => {
    const routed = render(
      [valuesFile('redis'), 'values-local-signin.yaml'],
      ['hydra.issuer=https://login.example.com/', 'hydra.dev=false', 'hydra.ingress.enabled=true', 'hydra.ingress.tlsSecretName=login-tls'],
    );
    type Ingress = K8sObject & {
      spec: {
        tls: Array<{ hosts: string[] }>;
        rules: Array<{ host: string; http: { paths: Array<{ path: string; backend: { service: { name: string; port: { name: string } } } }> } }>;
      };
    };
    const ingress = one<Ingress>(routed, 'Ingress', 'bank-cqrs-hydra');
    expect(ingress.spec.tls[0]!.hosts).toEqual(['login.example.com']);
    const [rule] = ingress.spec.rules;
    expect(rule!.host).toBe('login.example.com');
    expect(rule!.http.paths.map((p) => [p.path, p.backend.service.name, p.backend.service.port.name])).toEqual([
      ['/.well-known', 'bank-cqrs-hydra', 'public'],
      ['/oauth2', 'bank-cqrs-hydra', 'public'],
      ['/userinfo', 'bank-cqrs-hydra', 'public'],
    ]);
    expectValid(routed);
    expect(byKind(objs, 'Ingress')).toEqual([]);
  });

  test('is refused without the addresses and the user directory it needs', () => {
    for (const missing of ['gateway.publicUrl=', 'hydra.issuer=', 'gateway.auth.loginUsersSecret=']) {
      const refused = helmTemplate([valuesFile('redis'), 'values-local-signin.yaml'], [missing]);
      expect({ missing, status: refused.status }).toEqual({ missing, status: 1 });
      expect(refused.stderr).toMatch(/schema|required/);
    }
  });
});

describe('a change to what the sidecars read at start rolls the pods', () => {
  const checksums = (objs: K8sObject[]) => [...new Set(deployments(objs).map((d) => d.spec.template.metadata.annotations['checksum/dapr']))];
  test('checksum/dapr: one per release, changed by a broker swap, not by a replica count', () => {
    const [base] = checksums(render([valuesFile('redis')]));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(checksums(render([valuesFile('redis')]))).toEqual([base]);
    const [swapped] = checksums(render([valuesFile('redis')], ['pubsub.kind=rabbitmq']));
    expect(swapped).toMatch(/^[0-9a-f]{64}$/);
    expect(swapped).not.toBe(base);
    expect(checksums(render([valuesFile('redis')], ['dapr.resiliency.invokeRetries=3']))).not.toEqual([base]);
    expect(checksums(render([valuesFile('redis')], ['command.replicaCount=3']))).toEqual([base]);
  });
});

describe('a terminating pod drains before its sidecar stops (rolling updates without 503s)', () => {
  test("daprd blocks its shutdown for drainSeconds, the app sleeps 5 s longer, the grace period covers both and the sidecar's own", () => {
    for (const d of deployments(render([valuesFile('redis')], ['dapr.drainSeconds=33', 'dapr.gracefulShutdownSeconds=20']))) {
      const pod = d.spec.template;
      expect([appId(d), pod.metadata.annotations['dapr.io/block-shutdown-duration']]).toEqual([appId(d), '33s']);
      const app = pod.spec as unknown as { containers: Array<{ lifecycle?: { preStop?: { sleep?: { seconds: number } } } }>; terminationGracePeriodSeconds: number };
      expect(app.containers[0]!.lifecycle?.preStop?.sleep?.seconds).toBe(38);
      expect(app.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(38 + 20);
    }
  });

  test('drainSeconds=0: no block, no preStop; all valid', () => {
    const objs = render([valuesFile('redis')], ['dapr.drainSeconds=0']);
    for (const d of deployments(objs)) {
      expect(d.spec.template.metadata.annotations['dapr.io/block-shutdown-duration']).toBeUndefined();
      expect(JSON.stringify(d.spec.template.spec)).not.toContain('preStop');
    }
    expectValid(objs);
  });
});

describe('account-query reconciles on a schedule the chart sets', () => {
  test('RECONCILE_INTERVAL_MS from query.reconcileIntervalMs (60 s by default; 0 turns the sweeps off)', () => {
    const intervalOf = (objs: K8sObject[]) => {
      const query = deployments(objs).find((d) => appId(d) === 'account-query')!;
      return query.spec.template.spec.containers[0]!.env?.find((e) => e.name === 'RECONCILE_INTERVAL_MS')?.value;
    };
    expect(intervalOf(render([valuesFile('redis')]))).toBe('60000');
    expect(intervalOf(render([valuesFile('redis')], ['query.reconcileIntervalMs=0']))).toBe('0');
  });
});

describe('the outbox', () => {
  test('stateStore.outbox.enabled=false: no outbox component, metadata or policy; all valid', () => {
    const objs = render([valuesFile('redis')], ['stateStore.outbox.enabled=false']);
    expect((byKind(objs, 'Component') as Component[]).map((c) => c.metadata.name).sort()).toEqual(['pubsub', 'statestore']);
    const st = one<Component>(objs, 'Component', 'statestore');
    expect(st.spec.metadata.map((m) => m.name).filter((n) => n.startsWith('outbox'))).toEqual([]);
    const [res] = byKind(objs, 'Resiliency') as Array<K8sObject & { spec: { targets: { components: Record<string, unknown> } } }>;
    expect(Object.keys(res!.spec.targets.components).sort()).toEqual(['pubsub', 'statestore']);
    expectValid(objs);
  });

  test('the bounds come from values, each on its own component', () => {
    const md = (objs: K8sObject[], name: string, key: string) => one<Component>(objs, 'Component', name).spec.metadata.find((m) => m.name === key)?.value;
    const redis = render([valuesFile('redis')], ['pubsub.redis.concurrency=32', 'pubsub.redis.outboxConcurrency=2000000']);
    expect([md(redis, 'pubsub', 'concurrency'), md(redis, 'outbox', 'concurrency')]).toEqual(['32', '2000000']);
    const rabbit = render([valuesFile('postgres-rabbitmq')], ['pubsub.rabbitmq.prefetchCount=64', 'pubsub.rabbitmq.outboxPrefetchCount=200']);
    expect([md(rabbit, 'pubsub', 'prefetchCount'), md(rabbit, 'outbox', 'prefetchCount')]).toEqual(['64', '200']);
  });
});

describe('optional objects: HPA and Ingress', () => {
  test('autoscaling renders an HPA and leaves replicas to it; ingress renders with TLS; all valid', () => {
    const objs = render(
      [valuesFile('redis')],
      [
        'command.autoscaling.enabled=true',
        'query.ingress.enabled=true',
        'query.ingress.host=bank.example.com',
        'query.ingress.className=nginx',
        'query.ingress.tlsSecretName=bank-tls',
      ],
    );
    const hpa = one<K8sObject & { spec: { scaleTargetRef: { name: string } } }>(objs, 'HorizontalPodAutoscaler', 'bank-cqrs-command');
    expect(hpa.spec.scaleTargetRef.name).toBe('bank-cqrs-command');
    const cmd = one<Deployment>(objs, 'Deployment', 'bank-cqrs-command');
    expect(cmd.spec.replicas).toBeUndefined();
    expect(one<Deployment>(objs, 'Deployment', 'bank-cqrs-query').spec.replicas).toBe(2);
    one(objs, 'Ingress', 'bank-cqrs-query');
    expectValid(objs);
  });
});

describe('kubeconform refuses what is wrong (the validation is not vacuous)', () => {
  let objs: K8sObject[];
  beforeAll(() => {
    objs = render([valuesFile('redis')]);
  });
  const mutate = (kind: string, f: (o: K8sObject & Record<string, never>) => void) => {
    const copy = JSON.parse(JSON.stringify(objs)) as K8sObject[];
    const o = copy.find((x) => x.kind === kind)!;
    f(o as K8sObject & Record<string, never>);
    const r = kubeconform(toYaml([o]));
    return r;
  };

  test('a Deployment with an unknown field', () => {
    const r = mutate('Deployment', (d) => {
      (d as unknown as Deployment).spec.template.spec.containers[0]!.securityContext!.runAsNonRot = true;
    });
    expect(r.status).not.toBe(0);
    expect(r.resources[0]?.status).toBe('statusInvalid');
    expect(r.resources[0]?.msg).toMatch(/runAsNonRot/);
  });

  test('a Deployment with a wrongly typed field', () => {
    const r = mutate('Deployment', (d) => {
      (d as unknown as { spec: { replicas: unknown } }).spec.replicas = 'two';
    });
    expect(r.resources[0]?.status).toBe('statusInvalid');
  });

  test('a Service with a misspelt kind has no schema: an error, not a pass', () => {
    const r = mutate('Service', (s) => {
      (s as unknown as { kind: string }).kind = 'Servise';
    });
    expect(r.status).not.toBe(0);
    expect(r.resources[0]?.status).toBe('statusError');
  });

  test('a Dapr Component with scopes under spec (instead of top level)', () => {
    const r = mutate('Component', (c) => {
      (c as unknown as { spec: Record<string, unknown> }).spec.scopes = ['account-command'];
    });
    expect(r.resources[0]?.status).toBe('statusInvalid');
    expect(r.resources[0]?.msg).toMatch(/scopes/);
  });

  test('a Dapr Component metadata item without a name, and a Resiliency with a bad field', () => {
    const r = mutate('Component', (c) => {
      (c as unknown as Component).spec.metadata.push({ value: 'x' } as unknown as MetadataItem);
    });
    expect(r.resources[0]?.status).toBe('statusInvalid');
    const r2 = mutate('Resiliency', (c) => {
      (c as unknown as { spec: { policies: { retries: Record<string, Record<string, unknown>> } } }).spec.policies.retries.invoke!.maxRetries = 'three';
    });
    expect(r2.resources[0]?.status).toBe('statusInvalid');
  });
});

describe('NOTES.txt', () => {
  /** NOTES.txt as helm would print it for these values files (from the chart's folder). */
  const notesFor = (values: string[]): string => {
    // helm renders NOTES.txt only on install (which needs a cluster): render it as a named
    // template in a copy of the chart instead.
    const copy = chartCopy();
    const notes = readFileSync(path.join(copy, 'templates/NOTES.txt'), 'utf8');
    writeFileSync(path.join(copy, 'templates/_notes_check.tpl'), `{{- define "notes-check" -}}\n${notes}\n{{- end -}}\n`);
    writeFileSync(
      path.join(copy, 'templates/notes-check.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "notes-check" . | toJson }}\n',
    );
    const args = ['template', 'bank-cqrs', copy, '-n', 'bank', '--kube-version', KUBE_VERSION, '--show-only', 'templates/notes-check.yaml'];
    for (const file of values) args.push('--values', path.join(copy, file));
    const r = run(packagingTools().helm, args);
    expect(r.stderr).toBe('');
    return (parseYamlDocs(r.stdout)[0] as unknown as { data: { notes: string } }).data.notes;
  };

  test("with the release's provider: where it is, the two port-forwards at the public addresses, no warning", () => {
    const text = notesFor(['values-redis.yaml', 'values-local-signin.yaml']);
    expect(text).toContain('Sign-in: Ory Hydra at http://127.0.0.1:8444/ (Service bank-cqrs-hydra, public port 4444)');
    expect(text).toContain('port-forward svc/bank-cqrs-gateway 8000:3000 &');
    expect(text).toContain('port-forward svc/bank-cqrs-hydra 8444:4444 &');
    expect(text).not.toContain('WARNING');
  });

  test('renders, naming the store, the broker and the secrets to create', () => {
    const text = notesFor(['values-postgres-rabbitmq.yaml']);
    expect(text).toContain('Dapr state store "statestore" (postgresql, outbox on)');
    expect(text).toContain('Dapr pub/sub "pubsub" (rabbitmq)');
    expect(text).toContain('Dapr pub/sub "outbox" (rabbitmq, same broker), scoped to account-command');
    expect(text).toContain('bank-cqrs-rabbitmq (key "connection-string")');
    expect(text).toContain('helm test bank-cqrs -n bank');
    expect(text).toContain('rollout status deploy/bank-cqrs-command deploy/bank-cqrs-query deploy/bank-cqrs-gateway\n');
    expect(text).toContain('port-forward svc/bank-cqrs-gateway 3000:3000 &\n  # the dashboard: http://localhost:3000');
    // Sign-in is off by default: the notes say so, loudly.
    expect(text).toContain('WARNING: gateway.auth.mode is "off"');
  });
});
