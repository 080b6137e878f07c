// Who may call which of the gateway's routes: the one place the edge decides. Every /api route is
// either an account operation (customers and admins) or an administrative one (admins only).
// Not decided yet: which accounts a customer may reach (today any signed-in user reaches every
// account; per-account ownership is the next part of this work, docs/security.md).
import type { Route } from '../routes.js';
import type { Role } from './principal.js';

export type Action = 'account' | 'administer';

/** The action a route performs. */
export function actionOf(route: Pick<Route, 'target' | 'path'>): Action {
  return route.target === 'queries' && (route.path === 'admin' || route.path.startsWith('admin/')) ? 'administer' : 'account';
}

const ALLOWED: Record<Role, Record<Action, boolean>> = {
  customer: { account: true, administer: false },
  admin: { account: true, administer: true },
};

export function mayPerform(role: Role, action: Action): boolean {
  return ALLOWED[role][action];
}
