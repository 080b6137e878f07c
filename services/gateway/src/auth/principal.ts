import type { Caller, CallerRole } from '@bank/contracts';

/** Who is calling, as the gateway established from a verified access token. */
export type Role = CallerRole;
export type Principal = Caller;

/** The role a token's `roles` claim grants: admin only when it says so, else customer (least privilege). */
export function roleOf(roles: unknown): Role {
  return Array.isArray(roles) && roles.includes('admin') ? 'admin' : 'customer';
}
