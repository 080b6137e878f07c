// Browser tests drive Debian's Chromium through playwright-core (no browser download). The
// set-up installs it with apt-get when it is missing (root needed), and fails with a clear
// message otherwise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) throw new Error(`Chromium is missing at ${CHROMIUM} and this is not root: install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH`);
  const run = (args: string[]) => spawnSync('apt-get', args, { encoding: 'utf8', timeout: 900_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const update = run(['update']);
  const install = update.status === 0 ? run(['install', '-y', 'chromium']) : update;
  if (install.status !== 0 || !existsSync(CHROMIUM)) {
    throw new Error(
      `could not install Chromium with apt-get (exit ${install.status ?? install.error?.message}); install the Debian package "chromium" yourself:\n${(install.stderr || install.stdout || '').slice(-2000)}`,
    );
  }
  return CHROMIUM;
}

export interface LaunchedBrowser {
  /** A persistent context on a fresh --user-data-dir (Playwright's way of passing that flag). */
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  const executablePath = ensureChromium();
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'bank-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    viewport: { width: 1280, height: 900 },
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the element's text contains `text` (playwright-core has no `expect`); fails with what it shows. */
export async function shows(locator: Locator, text: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const shown = (await locator.textContent({ timeout: 1000 }).catch(() => null)) ?? '';
    if (shown.includes(text)) return;
    if (Date.now() > until) throw new Error(`expected ${locator.toString()} to contain "${text}" within ${timeoutMs} ms; it shows "${shown}"`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
