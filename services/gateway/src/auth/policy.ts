// Which of the gateway's routes a signed-in caller may call. The edge decides one thing: the
// admin endpoints are for administrators (mayAccess in @bank/contracts, the one policy). Whose
// account a route touches is decided behind it, by the service that knows the owner, with the
// caller the gateway passes on.
import { mayAccess, type Caller } from '@bank/contracts';
import type { Route } from '../routes.js';

/** Whether a route is one of the admin endpoints. */
export function isAdministrative(route: Pick<Route, 'target' | 'path'>): boolean {
  return route.target === 'queries' && (route.path === 'admin' || route.path.startsWith('admin/'));
}

export function mayCall(caller: Caller, route: Pick<Route, 'target' | 'path'>): boolean {
  return isAdministrative(route) ? mayAccess(caller, 'administer') : true;
}
