import type { Context } from 'koa';
import { Problem } from '../problem/problem.js';

export interface JsonBodyOptions {
  /** Bytes; commands are small, so the default is too. */
  limit?: number;
}

/**
 * Reads a JSON request body: 415 unless the content type is JSON, 413 past the limit (the
 * stream is abandoned as soon as it is crossed), 400 when it does not parse or duplicates a key.
 */
export async function readJson(ctx: Context, opts: JsonBodyOptions = {}): Promise<unknown> {
  const limit = opts.limit ?? 16 * 1024;
  if (!ctx.is('application/json', '+json')) {
    throw new Problem('unsupported-media-type', 'send the body as application/json');
  }
  const declared = Number(ctx.get('content-length') || NaN);
  if (Number.isFinite(declared) && declared > limit) throw new Problem('payload-too-large', `the body may not exceed ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      ctx.req.unpipe();
      ctx.req.resume();
      throw new Problem('payload-too-large', `the body may not exceed ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new Problem('malformed-json', 'the body is not valid UTF-8');
  }
  return parseJsonStrict(text);
}

/** JSON.parse keeps the last of duplicated keys silently; a command must not be ambiguous. */
export function parseJsonStrict(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Problem('malformed-json', `the body is not valid JSON: ${(e as Error).message}`);
  }
  if (hasDuplicateKeys(text)) throw new Problem('malformed-json', 'the body repeats a key in an object');
  return value;
}

/** Scans the (already valid) JSON text, tracking the keys of each open object. */
function hasDuplicateKeys(text: string): boolean {
  const stack: Array<Set<string> | null> = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1];
        if (keys) {
          if (keys.has(key)) return true;
          keys.add(key);
        }
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{') { stack.push(new Set()); expectKey = true; }
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    i++;
  }
  return false;
}
