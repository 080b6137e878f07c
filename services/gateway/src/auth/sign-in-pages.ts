// The provider's login, consent and logout pages (Hydra delegates them to an application; these
// are the gateway's). Login: a form checked against the user directory, defended against login
// CSRF by a SameSite=Strict cookie that must match a hidden field. Consent: every client is
// first-party (registered by this project), so it is granted without a screen: the scopes and the
// API audience asked for, and the user's role as the access token's `roles` claim. Logout: accepted.
import Router from '@koa/router';
import type { Context } from 'koa';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Problem } from '@bank/contracts';
import { readBodyBounded } from '@bank/platform';
import type { UserDirectory } from './directory.js';
import type { HydraAdmin } from './hydra-admin.js';

export interface SignInPagesOptions {
  directory: UserDirectory;
  hydra: HydraAdmin;
  issuer: string;
  audience: string;
}

const CSRF_COOKIE = 'bank_login_csrf';
const FORM_LIMIT = 4096;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function pageHeaders(ctx: Context, issuer: string): void {
  // The form's submission ends at the provider and then the dashboard: form-action names both.
  ctx.set({
    'content-security-policy': `default-src 'none'; style-src 'self'; form-action 'self' ${new URL(issuer).origin}; base-uri 'none'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': 'no-store',
  });
}

function loginPage(challenge: string, csrf: string, error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Bank</title><link rel="stylesheet" href="/auth/sign-in.css"></head>
<body><main><h1>Sign in to the bank</h1>
${error ? `<p role="alert" class="refusal">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/auth/login">
<input type="hidden" name="challenge" value="${escapeHtml(challenge)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<p><label for="username">User name</label><br><input id="username" name="username" autocomplete="username" required autofocus></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form></main></body></html>`;
}

const SIGN_IN_CSS =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;display:flex;justify-content:center}main{margin-top:10vh;min-width:18rem}input{font:inherit;padding:.3rem;width:100%;box-sizing:border-box}button{font:inherit;padding:.3rem 1rem}.refusal{color:#a00}';

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

export function signInRouter({ directory, hydra, issuer, audience }: SignInPagesOptions): Router {
  const router = new Router({ prefix: '/auth' });

  router.get('/sign-in.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = SIGN_IN_CSS;
  });

  const showForm = (ctx: Context, challenge: string, error?: string) => {
    const csrf = randomBytes(24).toString('base64url');
    ctx.cookies.set(CSRF_COOKIE, csrf, { httpOnly: true, sameSite: 'strict', path: '/auth', overwrite: true });
    pageHeaders(ctx, issuer);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = loginPage(challenge, csrf, error);
  };

  router.get('/login', async (ctx) => {
    const challenge = ctx.query.login_challenge;
    if (typeof challenge !== 'string' || !challenge) throw new Problem('invalid-request', 'login_challenge is required: sign in from the application');
    const request = await hydra.loginRequest(challenge);
    if (request.skip && directory.find(request.subject)) {
      ctx.redirect((await hydra.acceptLogin(challenge, request.subject)).redirect_to);
      return;
    }
    showForm(ctx, challenge);
  });

  router.post('/login', async (ctx) => {
    if (!ctx.is('application/x-www-form-urlencoded')) throw new Problem('unsupported-media-type', 'the sign-in form is sent as application/x-www-form-urlencoded');
    const form = new URLSearchParams((await readBodyBounded(ctx, FORM_LIMIT)).toString('utf8'));
    const challenge = form.get('challenge') ?? '';
    if (!challenge) throw new Problem('invalid-request', 'challenge is required: sign in from the application');
    if (!sameSecret(form.get('csrf') ?? '', ctx.cookies.get(CSRF_COOKIE) ?? '')) throw new Problem('forbidden', 'the sign-in form was not sent from this page: load it again');
    const user = await directory.check(form.get('username') ?? '', form.get('password') ?? '');
    if (!user) {
      ctx.status = 401;
      showForm(ctx, challenge, 'Wrong user name or password.');
      return;
    }
    ctx.cookies.set(CSRF_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/auth', maxAge: 0 });
    ctx.status = 303;
    ctx.redirect((await hydra.acceptLogin(challenge, user.username)).redirect_to);
  });

  router.get('/consent', async (ctx) => {
    const challenge = ctx.query.consent_challenge;
    if (typeof challenge !== 'string' || !challenge) throw new Problem('invalid-request', 'consent_challenge is required');
    const request = await hydra.consentRequest(challenge);
    const user = directory.find(request.subject);
    if (!user) throw new Problem('forbidden', 'this user may no longer sign in');
    const roles = [user.role];
    const accepted = await hydra.acceptConsent(challenge, {
      grant_scope: request.requested_scope,
      grant_access_token_audience: request.requested_access_token_audience.filter((requested) => requested === audience),
      remember: false,
      session: { access_token: { roles }, id_token: { roles, preferred_username: user.username } },
    });
    ctx.redirect(accepted.redirect_to);
  });

  router.get('/logout', async (ctx) => {
    const challenge = ctx.query.logout_challenge;
    if (typeof challenge !== 'string' || !challenge) throw new Problem('invalid-request', 'logout_challenge is required');
    ctx.redirect((await hydra.acceptLogout(challenge)).redirect_to);
  });

  return router;
}
