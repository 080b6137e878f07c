// Who is calling, as the gateway passes it on to the services once it has verified the caller's
// access token: the token's subject and role, in two request headers the gateway sets itself (it
// never forwards a client's own). A request without them came from inside the system (a service,
// a test, the chart's test pod): no signed-in user. Services are reachable only through the
// gateway on a cluster (NetworkPolicy); on loopback in development they are not (docs/security.md).
import { Problem } from './problem/index.js';

export const CALLER_SUBJECT_HEADER = 'x-bank-subject';
export const CALLER_ROLE_HEADER = 'x-bank-role';

export type CallerRole = 'customer' | 'admin';

export interface Caller {
  subject: string;
  role: CallerRole;
}

/** Printable ASCII, as a token's subject is here (Hydra: the user name). */
const SUBJECT = /^[\x21-\x7e]{1,256}$/;

/** The headers that pass a caller on. */
export function callerHeaders(caller: Caller): Record<string, string> {
  return { [CALLER_SUBJECT_HEADER]: caller.subject, [CALLER_ROLE_HEADER]: caller.role };
}

/** The caller a request names (`header` reads one request header, '' when absent), or null for none. */
export function callerOf(header: (name: string) => string): Caller | null {
  const subject = header(CALLER_SUBJECT_HEADER);
  const role = header(CALLER_ROLE_HEADER);
  if (!subject && !role) return null;
  if (!SUBJECT.test(subject)) throw new Problem('invalid-header', `${CALLER_SUBJECT_HEADER} must be 1 to 256 printable ASCII characters`);
  if (role !== 'customer' && role !== 'admin') throw new Problem('invalid-header', `${CALLER_ROLE_HEADER} must be customer or admin`);
  return { subject, role };
}
