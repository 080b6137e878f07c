// Named failpoints: places in production code where a test can make the process fail on purpose,
// to prove what happens then (say, a crash between a commit and its publish). They are off unless
// the environment variable FAILPOINT names them, comma separated, when the service starts:
//
//   FAILPOINT=crash-after-commit   account-command dies (SIGKILL) right after a commit, before
//                                  the direct publish; the outbox must still announce the commit
//   crash-after-transfer-send      dies right after a transfer's debit is committed, before its
//                                  answer and before the transfer process takes it on
//   crash-after-transfer-credit    dies right after a transfer's target step is committed, before
//                                  the source's (complete or refund): credited, not yet settled
//
// Code only says where a failpoint is (`failpoints.reach('crash-after-commit')`); what it does
// is written here, next to its name. An unknown name in FAILPOINT stops the service at start-up,
// like any other invalid setting. See docs/testing.md, "Failpoints".
import { ConfigError } from '../config/env.js';

/** The environment variable that turns failpoints on (empty or unset: all off). */
export const FAILPOINT_ENV = 'FAILPOINT';

/** Every failpoint, with what it does when it is on and reached. */
/** Die at once, as a power cut would: no shutdown hook runs, nothing is flushed. */
const crash = (): void => {
  process.kill(process.pid, 'SIGKILL');
};

const ACTIONS = {
  'crash-after-commit': crash,
  'crash-after-transfer-send': crash,
  'crash-after-transfer-credit': crash,
} satisfies Record<string, () => void>;

export type FailpointName = keyof typeof ACTIONS;
export const FAILPOINT_NAMES = Object.keys(ACTIONS) as FailpointName[];

const isFailpointName = (name: string): name is FailpointName => Object.hasOwn(ACTIONS, name);

export class Failpoints {
  /** All off: what production runs with. */
  static readonly none = new Failpoints([]);

  private readonly enabled: ReadonlySet<FailpointName>;

  /** `actions` replaces what failpoints do (unit tests; never in a service): those it leaves out do nothing. */
  constructor(
    enabled: Iterable<FailpointName>,
    private readonly actions: Partial<Record<FailpointName, () => void>> = ACTIONS,
  ) {
    this.enabled = new Set(enabled);
  }

  /** Reads a FAILPOINT value: names separated by commas; empty means none. */
  static parse(raw: string | undefined, variable = FAILPOINT_ENV): Failpoints {
    const names = (raw ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const unknown = names.filter((name) => !isFailpointName(name));
    if (unknown.length) throw new ConfigError(`${variable} names unknown failpoints (${unknown.join(', ')}); known: ${FAILPOINT_NAMES.join(', ')}`);
    return names.length ? new Failpoints(names as FailpointName[]) : Failpoints.none;
  }

  isOn(name: FailpointName): boolean {
    return this.enabled.has(name);
  }

  /** The code has reached this failpoint: do what it does if it is on, else nothing. */
  reach(name: FailpointName): void {
    if (this.enabled.has(name)) this.actions[name]?.();
  }
}

/** The setting for a service's configuration spec (see loadConfig): FAILPOINT: failpointSetting. */
export const failpointSetting = {
  default: Failpoints.none,
  parse: (raw: string, variable: string): Failpoints => Failpoints.parse(raw, variable),
};
