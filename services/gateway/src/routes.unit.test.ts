import { forwardedTemplates, matchRoute } from './routes.js';

describe('gateway routes', () => {
  it.each([
    ['/api/commands/accounts', 'commands', 'accounts', false],
    ['/api/commands/accounts/6b1f0c1e-0000-4000-8000-000000000000/debit', 'commands', 'accounts/6b1f0c1e-0000-4000-8000-000000000000/debit', false],
    ['/api/commands/accounts/not-a-uuid/events', 'commands', 'accounts/not-a-uuid/events', false],
    ['/api/commands/accounts/a-1/suspend', 'commands', 'accounts/a-1/suspend', false],
    ['/api/commands/accounts/a-1/reactivate', 'commands', 'accounts/a-1/reactivate', false],
    ['/api/commands/accounts/a-1/close', 'commands', 'accounts/a-1/close', false],
    ['/api/commands/transfers', 'commands', 'transfers', false],
    ['/api/queries/transfers/t-1', 'queries', 'transfers/t-1', false],
    ['/api/queries/accounts/a-1/transfers', 'queries', 'accounts/a-1/transfers', false],
    ['/api/queries/accounts/x/live', 'queries', 'accounts/x/live', true],
    ['/api/queries/live', 'queries', 'live', true],
    ['/api/queries/admin/projections/rebuild', 'queries', 'admin/projections/rebuild', false],
  ])('forwards %s', (raw, target, path, live) => {
    expect(matchRoute(raw)).toMatchObject({ target, path, live });
  });

  it.each([
    '/api/commands/metrics',
    '/api/commands/streams',
    '/api/commands/streams/events',
    '/api/commands/streams/versions',
    '/api/queries/admin/projections/reconcile',
    '/api/queries/openapi.json',
    '/api/commands/healthz',
    '/api/queries/dapr/subscribe',
    '/api/queries/healthz',
    '/api/commands/../v1.0/metadata',
    '/api/commands/accounts/..%2F..%2Fv1.0%2Fmetadata/events',
    '/api/commands/accounts/%2e%2e/credit',
    '/api/commands/accounts/a/b/credit',
    '/api/commands/accounts/',
    '/api/commands/transfers/t-1',
    '/api/queries/transfers',
    '/api/queries/accounts/x/live/',
    '/api/other/accounts',
    '/accounts',
  ])('refuses %s', (raw) => {
    expect(matchRoute(raw)).toBeUndefined();
  });

  it('given the gateway document, when the allow-list is read from it, then it is the public paths of both services and nothing else', () => {
    // given, when
    const templates = forwardedTemplates();
    // then: what the gateway forwarded before its list was read from the document
    expect([...templates.commands].sort()).toEqual(
      [
        'accounts',
        'accounts/:id/credit',
        'accounts/:id/debit',
        'accounts/:id/suspend',
        'accounts/:id/reactivate',
        'accounts/:id/close',
        'accounts/:id/events',
        'accounts/:id/state',
        'transfers',
      ].sort(),
    );
    expect([...templates.queries].sort()).toEqual(
      [
        'accounts',
        'accounts/:id',
        'accounts/:id/operations',
        'accounts/:id/balance',
        'accounts/:id/transfers',
        'accounts/:id/live',
        'transfers/:id',
        'live',
        'operations',
        'stats',
        'admin/projections',
        'admin/projections/rebuild',
      ].sort(),
    );
  });
});
