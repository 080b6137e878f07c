import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Sidecar } from '@bank/platform';
import { freePort } from './ports.js';
import { httpOk, spawnManaged, waitFor, type Managed } from './processes.js';
import { toolsBin } from './tools.js';

export interface DaprdOptions {
  appId: string;
  /** Port the app listens on (daprd calls it back there); omit for a sidecar with no app. */
  appPort?: number;
  resourcesPath: string;
  runDir: string;
  /** Shared by every sidecar of one system: the sqlite name-resolution database. */
  nameResolutionDb: string;
  env?: Record<string, string | undefined>;
  daprApiToken?: string | undefined;
  appApiToken?: string | undefined;
  logLevel?: string;
  /** Ports to reuse, so a restarted sidecar is found where the app expects it. */
  ports?: DaprdPorts;
  /** Wait for components to load (false when the app must come up alongside). */
  wait?: boolean;
}

export interface DaprdPorts {
  http: number;
  grpc: number;
  internalGrpc: number;
  metrics: number;
}

export interface Daprd {
  ports: DaprdPorts;
  proc: Managed;
  sidecar: Sidecar;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A Dapr Configuration for local runs: sqlite name resolution (no mDNS needed), no tracing export. */
export function writeDaprConfig(runDir: string, nameResolutionDb: string): string {
  mkdirSync(runDir, { recursive: true });
  const file = path.join(runDir, 'dapr-config.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: dapr.io/v1alpha1',
      'kind: Configuration',
      'metadata:',
      '  name: local',
      'spec:',
      '  metric:',
      '    enabled: true',
      '    http:',
      '      increasedCardinality: false',
      '  nameResolution:',
      '    component: sqlite',
      '    configuration:',
      `      connectionString: "${nameResolutionDb}"`,
      // The defaults (registrations valid 5 s, renewed every 3 s, 1 s query timeout, 0.8 s busy
      // timeout on a file every sidecar of the system writes) leave about a second of slack: on
      // a loaded machine a late renewal made an app id unresolvable for a moment (503 from the
      // gateway's invocations in a CI run). Restarted sidecars reuse their ports, so a
      // registration outliving its sidecar still points at the right address.
      '      updateInterval: "30s"',
      '      timeout: "5s"',
      '      busyTimeout: "3s"',
      // No garbage collection: in components-contrib 1.18.3 it deletes the registrations that
      // are *fresher* than updateInterval (its query compares the wrong way), and each daprd
      // whose registration is gone exits at its next renewal ("Host registration lost"). With
      // the default hourly GC, `npm start` would lose every sidecar after an hour (seen by hand
      // with a 3 s interval: the live row removed, daprd exited). Lookups skip stale rows anyway.
      '      cleanupInterval: "0"',
      '',
    ].join('\n'),
  );
  return file;
}

export async function allocateDaprdPorts(): Promise<DaprdPorts> {
  return { http: await freePort(), grpc: await freePort(), internalGrpc: await freePort(), metrics: await freePort() };
}

export async function startDaprd(options: DaprdOptions): Promise<Daprd> {
  const bin = toolsBin();
  const ports = options.ports ?? (await allocateDaprdPorts());
  const config = writeDaprConfig(options.runDir, options.nameResolutionDb);
  const args = [
    '--app-id',
    options.appId,
    '--resources-path',
    options.resourcesPath,
    '--config',
    config,
    '--dapr-http-port',
    String(ports.http),
    '--dapr-grpc-port',
    String(ports.grpc),
    '--dapr-internal-grpc-port',
    String(ports.internalGrpc),
    '--metrics-port',
    String(ports.metrics),
    '--dapr-listen-addresses',
    '127.0.0.1',
    // The internal API (sidecar to sidecar), health and metrics on loopback too. Without it daprd
    // listens on every interface and registers the machine's outbound address in name resolution
    // (here eth0's), so every invocation went through that address; a CI run had the gateway's
    // invocations fail for 60 s.
    '--dapr-internal-grpc-listen-address',
    '127.0.0.1',
    '--dapr-public-listen-address',
    '127.0.0.1',
    '--metrics-listen-address',
    '127.0.0.1',
    '--app-channel-address',
    '127.0.0.1',
    '--log-level',
    options.logLevel ?? process.env.DAPR_LOG_LEVEL ?? 'warn',
    '--enable-app-health-check=false',
    '--dapr-graceful-shutdown-seconds',
    '1',
  ];
  if (options.appPort !== undefined) args.push('--app-port', String(options.appPort), '--app-protocol', 'http');
  // DAPR_PROFILING=1: daprd serves Go's pprof on a port of its own, written to the run dir
  // (docs/performance.md, "Where the command's sidecar spends its CPU"); off unless asked for.
  if (process.env.DAPR_PROFILING === '1') {
    const profilePort = await freePort();
    args.push('--enable-profiling', '--profile-port', String(profilePort));
    mkdirSync(options.runDir, { recursive: true });
    writeFileSync(path.join(options.runDir, `daprd-${options.appId}.pprof-port`), `${profilePort}\n`);
  }
  const proc = spawnManaged(`daprd-${options.appId}`, path.join(bin, 'daprd'), args, {
    logDir: options.runDir,
    env: {
      ...options.env,
      DAPR_API_TOKEN: options.daprApiToken,
      APP_API_TOKEN: options.appApiToken,
    },
  });
  const sidecar = new Sidecar({ httpPort: ports.http, apiToken: options.daprApiToken });
  // Outbound health: the components are loaded (inbound health also needs the app).
  if (options.wait !== false) await waitFor(`daprd ${options.appId}`, () => httpOk(`http://127.0.0.1:${ports.http}/v1.0/healthz/outbound`), { proc, timeoutMs: 60_000 });
  return { ports, proc, sidecar, stop: (signal) => proc.kill(signal) };
}
