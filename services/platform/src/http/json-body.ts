import type { Context } from 'koa';
import { Problem } from '@bank/contracts';

export interface JsonBodyOptions {
  /** Bytes; commands are small, so the default is too. */
  limit?: number;
  /**
   * Deepest nesting of arrays and objects accepted (default 64). 16 KiB of `[` is 16k levels:
   * JSON.parse takes it, but recursive consumers (JSON.stringify in a log line, BSON) overflow
   * the stack on it.
   */
  maxDepth?: number;
  /** A request without a single body byte is no body (undefined), whatever its headers say. */
  optional?: boolean;
}

export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * Reads a JSON request body: 415 unless the content type is JSON in UTF-8 with no content coding,
 * 413 past the limit (the stream is abandoned as soon as it is crossed), 400 when it does not
 * parse or duplicates a key.
 */
export async function readJson(ctx: Context, opts: JsonBodyOptions = {}): Promise<unknown> {
  const limit = opts.limit ?? 16 * 1024;
  const unsupported = () => new Problem('unsupported-media-type', 'send the body as application/json in UTF-8 (charset=utf-8 or no charset)');
  const json = isUtf8JsonType(ctx.get('content-type'));
  if (!json && !opts.optional) throw unsupported();
  // Node undoes chunking only: a body under another coding would be read as if it were plain.
  const coding = ctx.get('content-encoding').trim().toLowerCase();
  if (coding !== '' && coding !== 'identity') throw new Problem('unsupported-media-type', 'send the body without a content coding');
  const transfer = ctx.get('transfer-encoding').trim().toLowerCase();
  if (transfer !== '' && transfer !== 'chunked') throw new Problem('invalid-request', 'the only transfer coding accepted is chunked');
  const raw = await readBodyBounded(ctx, limit);
  if (opts.optional && raw.length === 0) return undefined;
  if (!json) throw unsupported();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new Problem('malformed-json', 'the body is not valid UTF-8');
  }
  return parseJsonStrict(text, opts.maxDepth ?? DEFAULT_MAX_JSON_DEPTH);
}

/**
 * The raw request body, at most `limit` bytes: 413 as soon as the declared length or the bytes
 * read cross it (the rest of the stream is drained, not buffered).
 */
export async function readBodyBounded(ctx: Context, limit: number): Promise<Buffer> {
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
  return Buffer.concat(chunks);
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})$`);
const PARAMETER = new RegExp(`^(${TOKEN})=(${TOKEN}|"(?:[^"\\\\]|\\\\.)*")$`);

/**
 * application/json or any type with a +json suffix, written as RFC 9110 says (one media type, no
 * list, well-formed parameters), in UTF-8 (RFC 8259): a header that does not parse, or declares
 * another charset, is not read as if it said something else.
 */
export function isUtf8JsonType(header: string): boolean {
  const [type = '', ...params] = header.split(';').map((p) => p.trim());
  const m = MEDIA_TYPE.exec(type.toLowerCase());
  if (!m || !(m[2] === 'json' ? m[1] === 'application' : m[2]!.endsWith('+json'))) return false;
  for (const p of params) {
    const pm = PARAMETER.exec(p);
    if (!pm) return false;
    const value = pm[2]!.replace(/^"(.*)"$/, '$1');
    if (pm[1]!.toLowerCase() === 'charset' && !/^utf-?8$/i.test(value)) return false;
  }
  return true;
}

/** JSON.parse keeps the last of duplicated keys silently; a command must not be ambiguous. */
export function parseJsonStrict(text: string, maxDepth = Infinity): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Problem('malformed-json', `the body is not valid JSON: ${(e as Error).message}`);
  }
  const found = scan(text, maxDepth);
  if (found === 'duplicate') throw new Problem('malformed-json', 'the body repeats a key in an object');
  if (found === 'too-deep') throw new Problem('malformed-json', `the body nests arrays and objects deeper than ${maxDepth} levels`);
  return value;
}

/** Scans the (already valid) JSON text, tracking the keys of each open object and the depth. */
function scan(text: string, maxDepth: number): 'duplicate' | 'too-deep' | null {
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
          if (keys.has(key)) return 'duplicate';
          keys.add(key);
        }
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      if (stack.length >= maxDepth) return 'too-deep';
      stack.push(c === '{' ? new Set() : null);
      expectKey = c === '{';
    } else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    i++;
  }
  return null;
}
