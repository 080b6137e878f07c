// Configuration from environment variables: each setting has a default that works locally and is
// validated at start-up, so a typo fails fast with a message naming the variable.

export class ConfigError extends Error {}

type Spec<T> = { parse(raw: string, name: string): T; default: T | undefined; required?: boolean };

export const env = {
  int(def?: number, opts: { min?: number; max?: number } = {}): Spec<number> {
    return {
      default: def,
      required: def === undefined,
      parse(raw, name) {
        if (!/^-?[0-9]+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
        const n = Number(raw);
        if (!Number.isSafeInteger(n)) throw new ConfigError(`${name} is too large to be an exact integer, got "${raw}"`);
        if (opts.min !== undefined && n < opts.min) throw new ConfigError(`${name} must be >= ${opts.min}, got ${n}`);
        if (opts.max !== undefined && n > opts.max) throw new ConfigError(`${name} must be <= ${opts.max}, got ${n}`);
        return n;
      },
    };
  },
  str(def?: string): Spec<string> {
    return { default: def, required: def === undefined, parse: (raw) => raw };
  },
  /** A value that must not be logged (tokens, passwords). */
  secret(): Spec<string | undefined> {
    return { default: undefined, parse: (raw) => raw };
  },
  optional(): Spec<string | undefined> {
    return { default: undefined, parse: (raw) => raw };
  },
  bool(def: boolean): Spec<boolean> {
    return {
      default: def,
      parse(raw, name) {
        if (/^(1|true|yes|on)$/i.test(raw)) return true;
        if (/^(0|false|no|off)$/i.test(raw)) return false;
        throw new ConfigError(`${name} must be true or false, got "${raw}"`);
      },
    };
  },
  oneOf<const T extends string>(values: readonly T[], def: T): Spec<T> {
    return {
      default: def,
      parse(raw, name) {
        if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
        return raw as T;
      },
    };
  },
};

export type ConfigOf<S extends Record<string, Spec<unknown>>> = { [K in keyof S]: S[K] extends Spec<infer T> ? T : never };

/** Reads every variable of the spec; collects all problems into one error. */
export function loadConfig<S extends Record<string, Spec<unknown>>>(spec: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, s] of Object.entries(spec)) {
    const raw = source[name];
    try {
      if (raw === undefined || raw === '') {
        if (s.required) throw new ConfigError(`${name} is required`);
        out[name] = s.default;
      } else {
        out[name] = s.parse(raw, name);
      }
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return out as ConfigOf<S>;
}
