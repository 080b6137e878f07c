import { VersionWaiters } from './waiters.js';
import { parseNotification } from './notification.js';

describe('VersionWaiters', () => {
  it('wakes waiters whose version is reached, leaves the others', async () => {
    const w = new VersionWaiters();
    const a = w.wait('x', 3, 10_000);
    const b = w.wait('x', 5, 10_000);
    w.notify('x', 4);
    await expect(a.reached).resolves.toBe(true);
    expect(w.size).toBe(1);
    b.cancel();
    await expect(b.reached).resolves.toBe(false);
    expect(w.size).toBe(0);
  });

  it('gives up after the timeout', async () => {
    const w = new VersionWaiters();
    await expect(w.wait('x', 1, 10).reached).resolves.toBe(false);
    expect(w.size).toBe(0);
  });
});

describe('parseNotification', () => {
  const id = 'ABCDEF00-0000-4000-8000-000000000001';
  it('accepts a notification and normalises the id', () => {
    expect(parseNotification({ accountId: id, version: 3, events: [] })).toEqual({ kind: 'notification', accountId: id.toLowerCase(), version: 3 });
  });
  it('keeps the committed events of a direct publish when each has the shape of a page event and the last is at the announced version', () => {
    const event = { eventId: 'e3', type: 'AccountCredited', version: 3, occurredAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1, data: { amount: '1.00', currency: 'MAD' } };
    expect(parseNotification({ accountId: id, version: 3, committedEvents: [event] })).toEqual({
      kind: 'notification',
      accountId: id.toLowerCase(),
      version: 3,
      committedEvents: [event],
    });
    // Otherwise the notification is still a hint to pull, without events
    for (const committedEvents of [[{ ...event, version: 2 }], [{ ...event, data: null }], [{ ...event, eventId: 3 }], 'events', []]) {
      expect(parseNotification({ accountId: id, version: 3, committedEvents })).toEqual({ kind: 'notification', accountId: id.toLowerCase(), version: 3 });
    }
  });
  it('recognises the outbox probe', () => {
    expect(parseNotification({ probe: 'projection', nonce: 'n' })).toEqual({ kind: 'probe' });
  });
  it.each([[null], ['text'], [[1]], [{ accountId: 'x', version: 1 }], [{ accountId: id, version: 0 }], [{ accountId: id, version: 1.5 }], [{ accountId: id }]])(
    'drops %j',
    (data) => {
      expect(parseNotification(data).kind).toBe('malformed');
    },
  );
});
