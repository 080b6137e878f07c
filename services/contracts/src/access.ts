// Who may do what: the one place every access decision is made, at the gateway (the admin
// endpoints) and in both services (whose account it is). A caller is the signed-in user the
// gateway passes on (caller.ts); null is a caller inside the system (a service, a test, the
// chart's test pod), which the services trust as they trust their own sidecar.
//
//   customer: opens accounts (they are theirs), reads and operates their own, sends transfers
//             from their own to any account; another customer's account, or the bank's, is
//             answered as if it did not exist (404), never with a hint that it does.
//   admin:    everything, the admin endpoints included.
import type { Caller } from './caller.js';

export type AccessAction =
  /** Open an account (it will belong to the caller). */
  | 'open'
  /** Read an account: its view, operations, balance, transfers, live updates, events, state. */
  | 'read'
  /** Credit, debit, suspend, reactivate, close. */
  | 'operate'
  /** Send a transfer out of the account. */
  | 'send-transfer'
  /** Be the target of a transfer (any account may receive one). */
  | 'receive-transfer'
  /** The admin endpoints: projections, rebuild, reconcile. */
  | 'administer';

/** Whether `caller` may perform `action` on an account that `owner` owns (null: the bank's). */
export function mayAccess(caller: Caller | null, action: AccessAction, owner: string | null = null): boolean {
  if (caller === null || caller.role === 'admin') return true;
  switch (action) {
    case 'open':
    case 'receive-transfer':
      return true;
    case 'read':
    case 'operate':
    case 'send-transfer':
      return owner !== null && owner === caller.subject;
    case 'administer':
      return false;
  }
}

/** The owner a customer's listing is limited to; undefined when the caller sees every account. */
export function listedOwner(caller: Caller | null): string | undefined {
  return caller?.role === 'customer' ? caller.subject : undefined;
}
