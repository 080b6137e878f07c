// Slot leases between runs, on lock files in a folder of the test's own.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireSlot } from './redis.js';

describe('acquireSlot', () => {
  let locks: string;
  beforeEach(() => (locks = mkdtempSync(path.join(tmpdir(), 'bank-slot-test-'))));
  afterEach(() => rmSync(locks, { recursive: true, force: true }));

  it('given fifteen runs asking at once, then each gets its own slot, and its lock names its pid', async () => {
    const leases = await Promise.all(Array.from({ length: 15 }, () => acquireSlot(locks)));

    expect(new Set(leases.map((lease) => lease.slot)).size).toBe(15);
    expect(readFileSync(path.join(locks, 'bank-test-slot-1.lock'), 'utf8')).toBe(String(process.pid));
    leases.forEach((lease) => lease.release());
  });

  it('given a lock whose owner is dead, then its slot is taken over', async () => {
    writeFileSync(path.join(locks, 'bank-test-slot-1.lock'), '2147483646');

    const lease = await acquireSlot(locks);

    expect(lease.slot).toBe(1);
    lease.release();
  });

  it('given a lock with no owner written (another run creating it), then its slot is left alone', async () => {
    writeFileSync(path.join(locks, 'bank-test-slot-1.lock'), '');

    const lease = await acquireSlot(locks);

    expect(lease.slot).toBe(2);
    lease.release();
  });
});
