// FerretDB (MongoDB wire protocol over SQLite) for tests and `npm start` where no MongoDB runs.
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { freePort } from './ports.js';
import { spawnManaged, waitFor, type Managed } from './processes.js';
import { toolsBin } from './tools.js';

export interface FerretDbOptions {
  runDir: string;
  /** Fixed port (npm start); a free one by default. */
  port?: number;
  /** Where the SQLite files go; `<runDir>/ferretdb` by default. */
  dataDir?: string;
  database?: string;
}

export interface RunningFerretDb {
  url: string;
  port: number;
  proc: Managed;
  stop(): Promise<void>;
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.setTimeout(1000, () => s.destroy());
    s.once('connect', () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
  });
}

export async function startFerretDb(o: FerretDbOptions): Promise<RunningFerretDb> {
  const port = o.port ?? (await freePort());
  const dataDir = o.dataDir ?? path.join(o.runDir, 'ferretdb');
  mkdirSync(dataDir, { recursive: true });
  const proc = spawnManaged('ferretdb', path.join(toolsBin(), 'ferretdb'), ['-listen-addr', `127.0.0.1:${port}`, '-handler', 'sqlite', '-sqlite-url', `file:${dataDir}/`, '-log-level', 'warn'], {
    logDir: o.runDir,
  });
  await waitFor('ferretdb', () => tcpOpen(port), { proc, timeoutMs: 30_000 });
  return { url: `mongodb://127.0.0.1:${port}/${o.database ?? 'bank'}`, port, proc, stop: () => proc.kill('SIGTERM') };
}
