/** Who is calling, as the gateway established from a verified access token. */
export type Role = 'customer' | 'admin';

export interface Principal {
  /** The token's subject: the user's name at the provider. */
  subject: string;
  role: Role;
}

/** The role a token's `roles` claim grants: admin only when it says so, else customer (least privilege). */
export function roleOf(roles: unknown): Role {
  return Array.isArray(roles) && roles.includes('admin') ? 'admin' : 'customer';
}
