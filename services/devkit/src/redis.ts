// Each running system takes a slot (1..15; `npm start` keeps 0): on Redis its logical database,
// elsewhere its tables and consumer names (profile.ts), so test files that run in parallel never
// see each other's keys, streams or consumer groups.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REDIS_HOST = process.env.REDIS_HOST ?? '127.0.0.1';
export const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends commands in RESP and resolves with the raw reply once every command has answered. */
export function redisCommand(commands: string[][], db = 0, server: { host: string; port: number } = { host: REDIS_HOST, port: REDIS_PORT }): Promise<string> {
  const all = [['SELECT', String(db)], ...commands];
  const payload = all.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join('');
  return new Promise((resolve, reject) => {
    const sock = createConnection(server);
    let buf = '';
    sock.setTimeout(5000, () => sock.destroy(new Error('redis timeout')));
    sock.on('data', (d) => {
      buf += d.toString();
      if (/^-/m.test(buf)) {
        sock.end();
        reject(new Error(`redis: ${buf.trim()}`));
      } else if (buf.split('\r\n').filter((l) => /^[+:$*]/.test(l)).length >= all.length) {
        sock.end();
        resolve(buf);
      }
    });
    sock.on('error', reject);
    sock.write(payload);
  });
}

export async function acquireSlot(): Promise<{ slot: number; release(): void }> {
  for (let attempt = 0; attempt < 600; attempt++) {
    for (let db = 1; db <= 15; db++) {
      const lock = path.join(tmpdir(), `bank-test-slot-${db}.lock`);
      try {
        const fd = openSync(lock, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
      } catch {
        let owner = 0;
        try {
          owner = Number(readFileSync(lock, 'utf8') || 0);
        } catch {
          /* released meanwhile */
        }
        if (owner && alive(owner)) continue;
        rmSync(lock, { force: true }); // left by a dead run: free it, and try this db again
        db--;
        continue;
      }
      return { slot: db, release: () => rmSync(lock, { force: true }) };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('no free slot (1..15) for this test run');
}
