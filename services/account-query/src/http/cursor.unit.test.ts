import { Problem } from '@bank/contracts';
import { decodeCursor, encodeCursor } from './cursor.js';

const isA = (p: Record<string, unknown>): p is { a: string } => typeof p.a === 'string';

describe('cursor', () => {
  it('round-trips and is tied to its listing', () => {
    const c = encodeCursor('accounts', { a: 'x' });
    expect(decodeCursor(c, 'accounts', isA)).toEqual({ k: 'accounts', a: 'x' });
    expect(() => decodeCursor(c, 'ops', isA)).toThrow(Problem);
  });
  it.each(['%%%', 'bm90IGpzb24', encodeCursor('accounts', { b: 1 }), ['a', 'b']])('rejects %j with a 400 problem', (raw) => {
    try {
      decodeCursor(raw, 'accounts', isA);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(Problem);
      expect((e as Problem).status).toBe(400);
    }
  });
  it('treats an absent or empty cursor as the first page', () => {
    expect(decodeCursor(undefined, 'accounts', isA)).toBeUndefined();
    expect(decodeCursor('', 'accounts', isA)).toBeUndefined();
  });
});
