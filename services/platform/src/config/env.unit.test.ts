import { ConfigError, env, loadConfig } from './env.js';
import { thrown } from '@bank/testkit';

const spec = {
  PORT: env.int(3001, { min: 1, max: 65535 }),
  WAIT_MS: env.int(60_000, { min: 0 }),
  HOST: env.str('127.0.0.1'),
  TOKEN: env.secret(),
  FAILPOINT: env.optional(),
  VERBOSE: env.bool(false),
  LEVEL: env.oneOf(['info', 'debug', 'silent'], 'info'),
};

const errorOf = (fn: () => unknown): ConfigError => thrown(fn, ConfigError);

describe('loadConfig', () => {
  it('gives every default when nothing is set', () => {
    expect(loadConfig(spec, {})).toEqual({ PORT: 3001, WAIT_MS: 60_000, HOST: '127.0.0.1', TOKEN: undefined, FAILPOINT: undefined, VERBOSE: false, LEVEL: 'info' });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(spec, { PORT: '', HOST: '', VERBOSE: '', LEVEL: '', TOKEN: '' })).toEqual(loadConfig(spec, {}));
  });

  it('reads and converts every kind of value', () => {
    const c = loadConfig(spec, { PORT: '8080', WAIT_MS: '0', HOST: 'dapr', TOKEN: 's3cret', FAILPOINT: 'crash-after-commit', VERBOSE: 'yes', LEVEL: 'debug' });
    expect(c).toEqual({ PORT: 8080, WAIT_MS: 0, HOST: 'dapr', TOKEN: 's3cret', FAILPOINT: 'crash-after-commit', VERBOSE: true, LEVEL: 'debug' });
  });

  it('ignores variables that are not in the spec', () => {
    expect(loadConfig({ PORT: env.int(1) }, { PORT: '2', OTHER: 'x' })).toEqual({ PORT: 2 });
  });

  it('reads process.env by default', () => {
    process.env.BANK_TEST_ENV_UNIT = '42';
    try {
      expect(loadConfig({ BANK_TEST_ENV_UNIT: env.int() })).toEqual({ BANK_TEST_ENV_UNIT: 42 });
    } finally {
      delete process.env.BANK_TEST_ENV_UNIT;
    }
  });

  describe('int', () => {
    it.each([
      ['1', 1],
      ['65535', 65535],
      [' 42 ', 42],
      ['007', 7],
    ])('accepts %j', (raw, n) => {
      expect(loadConfig({ PORT: env.int(3001, { min: 1, max: 65535 }) }, { PORT: raw }).PORT).toBe(n);
    });

    it.each(['abc', '1.5', '1e3', '0x10', '80a', '--1', ' ', 'Infinity'])('refuses %j, naming the variable', (raw) => {
      const e = errorOf(() => loadConfig(spec, { PORT: raw }));
      expect(e.message).toContain('PORT must be an integer');
      expect(e.message).toContain(`"${raw}"`);
    });

    it('enforces the bounds', () => {
      expect(errorOf(() => loadConfig(spec, { PORT: '0' })).message).toContain('PORT must be >= 1, got 0');
      expect(errorOf(() => loadConfig(spec, { PORT: '65536' })).message).toContain('PORT must be <= 65535, got 65536');
      expect(errorOf(() => loadConfig(spec, { WAIT_MS: '-1' })).message).toContain('WAIT_MS must be >= 0');
    });

    it('refuses an integer too large to be represented exactly', () => {
      expect(errorOf(() => loadConfig(spec, { WAIT_MS: '99999999999999999999' })).message).toContain('WAIT_MS');
      expect(loadConfig(spec, { WAIT_MS: String(Number.MAX_SAFE_INTEGER) }).WAIT_MS).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('is required without a default', () => {
      expect(errorOf(() => loadConfig({ NEEDED: env.int() }, {})).message).toContain('NEEDED is required');
      expect(errorOf(() => loadConfig({ NEEDED: env.int() }, { NEEDED: '' })).message).toContain('NEEDED is required');
    });
  });

  describe('str', () => {
    it('is required without a default, optional with one', () => {
      expect(errorOf(() => loadConfig({ NAME: env.str() }, {})).message).toContain('NAME is required');
      expect(loadConfig({ NAME: env.str() }, { NAME: 'x' })).toEqual({ NAME: 'x' });
      expect(loadConfig({ NAME: env.str('d') }, {})).toEqual({ NAME: 'd' });
    });
  });

  describe('bool', () => {
    it.each(['1', 'true', 'TRUE', 'yes', 'on', 'On'])('reads %j as true', (raw) => {
      expect(loadConfig(spec, { VERBOSE: raw }).VERBOSE).toBe(true);
    });
    it.each(['0', 'false', 'False', 'no', 'off'])('reads %j as false', (raw) => {
      expect(loadConfig({ F: env.bool(true) }, { F: raw }).F).toBe(false);
    });
    it.each(['2', 'y', 'enabled', 'truee'])('refuses %j', (raw) => {
      expect(errorOf(() => loadConfig(spec, { VERBOSE: raw })).message).toContain(`VERBOSE must be true or false, got "${raw}"`);
    });
  });

  describe('oneOf', () => {
    it('accepts only the listed values, exactly', () => {
      expect(loadConfig(spec, { LEVEL: 'silent' }).LEVEL).toBe('silent');
      expect(errorOf(() => loadConfig(spec, { LEVEL: 'INFO' })).message).toContain('LEVEL must be one of info, debug, silent, got "INFO"');
      expect(errorOf(() => loadConfig(spec, { LEVEL: 'verbose' })).message).toContain('LEVEL must be one of');
    });
  });

  it('collects every problem into one error', () => {
    const e = errorOf(() => loadConfig({ ...spec, NEEDED: env.str() }, { PORT: 'x', VERBOSE: 'maybe', LEVEL: 'loud' }));
    expect(e).toBeInstanceOf(Error);
    expect(e.message.startsWith('invalid configuration:')).toBe(true);
    expect(e.message).toContain('PORT must be an integer');
    expect(e.message).toContain('VERBOSE must be true or false');
    expect(e.message).toContain('LEVEL must be one of');
    expect(e.message).toContain('NEEDED is required');
    expect(e.message.split('\n  - ')).toHaveLength(5);
  });

  it('does not put a secret value in an error message', () => {
    const e = errorOf(() => loadConfig({ ...spec, PORT: env.int() }, { TOKEN: 'very-secret-token' }));
    expect(e.message).not.toContain('very-secret-token');
  });
});
