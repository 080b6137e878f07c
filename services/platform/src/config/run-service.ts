import { ConfigError } from './env.js';

/**
 * The start of every service's main: configuration first (a bad variable exits 2 with a message
 * naming it, before anything starts), then the service; a failure to start exits 1 with a line
 * that says why, never a stack trace on an operator's terminal.
 */
export function runService<C>(name: string, load: () => C, main: (config: C) => Promise<void>): void {
  let config: C;
  try {
    config = load();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`${name}: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  main(config).catch((err: unknown) => {
    console.error(`${name} failed to start:`, err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

/** Polls `check` every 250 ms until it holds; throws `<what> after <ms> ms` when it never does. */
export async function waitForDependency(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
