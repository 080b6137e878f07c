// The check the end-to-end suites run on every answer: what it lets through and what it fails.
import { commandDocument, queryDocument } from '@bank/contracts';
import { DocumentCheck, servicePaths, type Exchange } from './openapi-check.js';

const ACCOUNT_ID = '6b1f3c2e-9a4d-4e8b-8f3a-2c1d5e6f7a8b';
const commands = new DocumentCheck(commandDocument(), servicePaths);
const queries = new DocumentCheck(queryDocument(), servicePaths);

/** An exchange with a JSON answer (problem+json for a 4xx or 5xx unless said otherwise). */
function exchange(method: string, path: string, status: number, answer: unknown, more: Partial<Exchange> & { responseHeaders?: Record<string, string> } = {}): Exchange {
  const contentType = status >= 400 ? 'application/problem+json' : 'application/json';
  const { responseHeaders, ...rest } = more;
  return {
    method,
    url: `http://127.0.0.1:3001${path}`,
    requestHadBody: more.requestJson !== undefined,
    status,
    headers: new Headers({ 'content-type': contentType, ...responseHeaders }),
    text: JSON.stringify(answer),
    ...rest,
  };
}

describe('the OpenAPI check of an exchange', () => {
  it('given an open as documented, when checked, then nothing is wrong', () => {
    // given
    const opened = exchange(
      'POST',
      '/accounts',
      201,
      { accountId: ACCOUNT_ID, version: 2 },
      {
        requestJson: { initialBalance: '100.00', currency: 'MAD' },
        responseHeaders: { location: `/accounts/${ACCOUNT_ID}` },
      },
    );
    // when, then
    expect(commands.check(opened)).toEqual([]);
  });

  it('given an answer with a field, a status or without a header the document does not have, when checked, then each is named', () => {
    // given
    const request = { requestJson: { initialBalance: '100.00', currency: 'MAD' } };
    const extraField = exchange('POST', '/accounts', 201, { accountId: ACCOUNT_ID, version: 2, secret: 1 }, { ...request, responseHeaders: { location: '/accounts/x' } });
    const noLocation = exchange('POST', '/accounts', 201, { accountId: ACCOUNT_ID, version: 2 }, request);
    const teapot = exchange('POST', '/accounts', 418, { type: '/problems/internal', title: 'Internal error', status: 418 }, request);
    // when, then
    expect(commands.check(extraField).join()).toMatch(/must NOT have additional properties/);
    expect(commands.check(noLocation).join()).toMatch(/header Location is missing/);
    expect(commands.check(teapot).join()).toMatch(/status 418 is not among the documented/);
  });

  it('given a request the document calls invalid, when the service accepted it, then that fails; refused, it passes', () => {
    // given
    const badBody = { requestJson: { initialBalance: 100, currency: 'MAD' } };
    const accepted = exchange('POST', '/accounts', 201, { accountId: ACCOUNT_ID, version: 2 }, { ...badBody, responseHeaders: { location: '/accounts/x' } });
    const refused = exchange('POST', '/accounts', 400, { type: '/problems/invalid-amount', title: 'Invalid amount', status: 400 }, badBody);
    const badLimit = exchange('GET', `/accounts?limit=many`, 200, { items: [], nextCursor: null });
    // when, then
    expect(commands.check(accepted).join()).toMatch(/request body the document calls invalid/);
    expect(commands.check(refused)).toEqual([]);
    expect(queries.check(badLimit).join()).toMatch(/query parameter limit the document calls invalid/);
  });

  it('given a problem whose type is not of its status in the catalogue, when checked, then it fails', () => {
    // given
    const wrongType = exchange('GET', `/accounts/${ACCOUNT_ID}`, 404, { type: '/problems/insufficient-funds', title: 'Insufficient funds', status: 404 });
    // when, then
    expect(queries.check(wrongType).join()).toMatch(/must be equal to one of the allowed values/);
  });

  it('given a path the document does not have, when answered with a problem, then it passes; answered 200, it fails', () => {
    // given
    const refused = exchange('GET', '/nowhere', 404, { type: '/problems/not-found', title: 'Not found', status: 404 });
    const answered = exchange('GET', '/nowhere', 200, {});
    // when, then
    expect(commands.check(refused)).toEqual([]);
    expect(commands.check(answered).join()).toMatch(/does not describe/);
    expect(commands.check(exchange('GET', '/dapr/subscribe', 200, []))).toEqual([]);
  });
});
