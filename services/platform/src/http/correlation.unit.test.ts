// Which id a request is known by: in logs, in the x-correlation-id answer, in its events.
import { correlationId } from './correlation.js';

const request = (headers: Record<string, string>) => ({ get: (name: string) => headers[name.toLowerCase()] ?? '' });
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('correlationId', () => {
  it('given a valid traceparent, is its trace id, whatever x-correlation-id says', () => {
    expect(correlationId(request({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01`, 'x-correlation-id': 'req-1' }))).toBe(TRACE);
  });

  it('given the all-zero trace id daprd sends with tracing off, falls back to x-correlation-id', () => {
    expect(correlationId(request({ traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-00`, 'x-correlation-id': 'req-1' }))).toBe('req-1');
  });

  it('given neither, or an x-correlation-id that is not a safe token, is a new id each time', () => {
    const first = correlationId(request({ traceparent: `00-${'0'.repeat(32)}-${'0'.repeat(16)}-00` }));
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(correlationId(request({}))).not.toBe(first);
    expect(correlationId(request({ 'x-correlation-id': 'two words' }))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
