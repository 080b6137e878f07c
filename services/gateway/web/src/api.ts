// Calls to the gateway, with the signed-in user's access token. Every refusal is an RFC 9457
// problem: callers show its title and detail.
import type { AccountJson, AccountStateJson, OperationJson, PageEvent, ProjectionStatusJson, RebuildStatusJson, TransferJson } from '@bank/contracts';
import { accessToken, signInAgain } from './auth.js';

/** The Authorization header of every API call (and live stream). */
export function authorization(): Record<string, string> {
  const token = accessToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [k: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemBody,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  /** "Title: detail" for people. */
  get text(): string {
    const t = this.problem.title ?? `HTTP ${this.status}`;
    return this.problem.detail && this.problem.detail !== t ? `${t}: ${this.problem.detail}` : t;
  }
}

/**
 * The services' JSON (types only: nothing of @bank/contracts is bundled), derived from the JSON
 * Schemas the OpenAPI documents publish: the dashboard reads what the document describes.
 */
export type Account = AccountJson;
export type Operation = OperationJson;
export type Transfer = TransferJson;
/** An event's envelope as documented; its data read field by field (String(...)), whatever its type. */
export type StoredEvent = Omit<PageEvent, 'data'> & { data: Record<string, unknown> };
export type StateAt = AccountStateJson;
export type RebuildStatus = RebuildStatusJson;
export type ProjectionStatus = ProjectionStatusJson;

export async function api<T>(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { accept: 'application/json', ...authorization(), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (res.status === 401) void signInAgain();
  if (!res.ok) throw new ApiError(res.status, (body as ProblemBody | undefined) ?? { title: `HTTP ${res.status}`, detail: text.slice(0, 200) });
  return body as T;
}

export const commands = '/api/commands';
export const queries = '/api/queries';
