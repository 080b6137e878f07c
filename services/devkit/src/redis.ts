// Each running system takes a slot (1..15; `npm start` keeps 0): on Redis its logical database,
// elsewhere its tables and consumer names (profile.ts), so test files that run in parallel never
// see each other's keys, streams or consumer groups.
import { randomUUID } from 'node:crypto';
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Takes a free slot: a lock file per slot, created with its owner's pid in it in one step (a
 * hard link of a file already written), so another run never sees a lock without its owner.
 * (Created empty, then written, a racing run once read it empty, took it for a dead run's,
 * removed it and took the same slot: two systems shared one read-model database in CI.) A lock
 * whose owner is dead is removed, after reading it once more.
 */
export async function acquireSlot(locksDir: string = tmpdir()): Promise<{ slot: number; release(): void }> {
  const ownerOf = (lock: string): number => {
    try {
      return Number(readFileSync(lock, 'utf8') || 0);
    } catch {
      return 0; // released meanwhile
    }
  };
  for (let attempt = 0; attempt < 600; attempt++) {
    for (let db = 1; db <= 15; db++) {
      const lock = path.join(locksDir, `bank-test-slot-${db}.lock`);
      const written = `${lock}.${process.pid}.${randomUUID()}`;
      writeFileSync(written, String(process.pid));
      try {
        linkSync(written, lock);
      } catch {
        const owner = ownerOf(lock);
        if (owner === 0 || alive(owner)) continue;
        // Left by a dead run: free it (if it still names that run) and try this slot again.
        if (ownerOf(lock) === owner) rmSync(lock, { force: true });
        db--;
        continue;
      } finally {
        rmSync(written, { force: true });
      }
      return { slot: db, release: () => rmSync(lock, { force: true }) };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('no free slot (1..15) for this test run');
}
