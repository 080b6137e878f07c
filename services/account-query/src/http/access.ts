// The query side's access checks, all decided by mayAccess and listedOwner (@bank/contracts, the
// one policy) with the caller the gateway passes on: a customer reads only their own accounts, and
// one they may not read is answered exactly as one the read model does not know.
import type { Context } from 'koa';
import { callerOf, mayAccess, type Caller } from '@bank/contracts';
import { ownerOf, type AccountDoc } from '../readmodel/documents.js';

/** The signed-in user the gateway names, or null for a caller inside the system; 400 when the headers are malformed. */
export const callerOfRequest = (ctx: Context): Caller | null => callerOf((name) => ctx.get(name));

/** Whether `caller` may read the account of this document. */
export function mayRead(caller: Caller | null, doc: Pick<AccountDoc, 'owner'>): boolean {
  return mayAccess(caller, 'read', ownerOf(doc));
}

/** The account as `caller` may see it: one they may not read is as absent as one that does not exist. */
export function visibleTo<Doc extends Pick<AccountDoc, 'owner'>>(caller: Caller | null, doc: Doc | null | undefined): Doc | null {
  return doc && mayRead(caller, doc) ? doc : null;
}
