// The command side's access checks, all decided by mayAccess (@bank/contracts, the one policy)
// with the caller the gateway passes on: a customer may act only on their own accounts, and one
// they may not see is answered exactly as one that does not exist.
import type { Context } from 'koa';
import { callerOf, mayAccess, Problem, type AccessAction, type Caller } from '@bank/contracts';
import { accountNotFound, type AccountSnapshot, type AccountState, type DomainError } from '../domain/index.js';

/** The command handler's guard: checked on the loaded state before anything else. */
export type AccessGuard = (state: AccountState) => DomainError | undefined;

/** The signed-in user the gateway names, or null for a caller inside the system. */
export const callerOfRequest = (ctx: Context): Caller | null => callerOf((name) => ctx.get(name));

/** The guard for a caller acting on an existing account; none for a caller inside the system. */
export function accessGuard(caller: Caller | null, action: AccessAction, accountId: string): AccessGuard | undefined {
  if (!caller) return undefined;
  return (state) => (state.status === 'NONE' || mayAccess(caller, action, state.owner) ? undefined : accountNotFound(accountId));
}

/**
 * Throws the not-found problem when the caller may not read a loaded account. The owner is read
 * off the snapshot (absent: the bank's, as fromSnapshot reads it) without folding anything: the
 * read side's pulls come through here with no caller.
 */
export function requireReadable(caller: Caller | null, accountId: string, snapshot: AccountSnapshot | null | undefined): void {
  if (!caller || !snapshot || mayAccess(caller, 'read', snapshot.owner ?? null)) return;
  const { code, detail } = accountNotFound(accountId);
  throw new Problem(code, detail);
}
