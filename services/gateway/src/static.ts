// The dashboard's built files (Vite output): hashed assets are cached for good, index.html never.
// Any other path without an extension is the single-page app (index.html).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context, Next } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The dashboard's security headers. `connectTo` adds origins its scripts may call besides its own:
 * the sign-in provider's (discovery, keys, the token endpoint).
 */
export function securityHeaders(connectTo: readonly string[] = []): Record<string, string> {
  const connect = ["'self'", ...connectTo].join(' ');
  return {
    'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

async function fileAt(p: string): Promise<{ size: number; mtime: Date } | undefined> {
  try {
    const s = await stat(p);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

export function staticFiles(root: string, headers: Record<string, string> = securityHeaders()) {
  const base = path.resolve(root);
  return async (ctx: Context, next: Next): Promise<void> => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.path.startsWith('/api/')) return next();
    let rel: string;
    try {
      rel = decodeURIComponent(ctx.path);
    } catch {
      return next();
    }
    if (rel.includes('\0')) return next();
    let file = path.resolve(base, `.${rel.endsWith('/') ? `${rel}index.html` : rel}`);
    if (file !== base && !file.startsWith(base + path.sep)) return next();
    let st = await fileAt(file);
    if (!st && path.extname(rel) === '') {
      file = path.join(base, 'index.html');
      st = await fileAt(file);
    }
    if (!st) return next();
    ctx.status = 200;
    ctx.type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    ctx.length = st.size;
    ctx.lastModified = st.mtime;
    ctx.set('cache-control', rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    ctx.set(headers);
    if (ctx.method !== 'HEAD') ctx.body = createReadStream(file);
  };
}
