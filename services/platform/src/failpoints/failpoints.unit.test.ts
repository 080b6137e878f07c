import { ConfigError, loadConfig } from '../config/index.js';
import { FAILPOINT_NAMES, failpointSetting, Failpoints } from './index.js';

describe('failpoints', () => {
  it('are all off by default: reaching one does nothing', () => {
    // Given no FAILPOINT setting
    const action = jest.fn();
    const config = loadConfig({ FAILPOINT: failpointSetting }, {});
    // When a failpoint is reached
    config.FAILPOINT.reach('crash-after-commit');
    // Then nothing happened
    expect(config.FAILPOINT).toBe(Failpoints.none);
    expect(config.FAILPOINT.isOn('crash-after-commit')).toBe(false);
    expect(new Failpoints([], { 'crash-after-commit': action }).isOn('crash-after-commit')).toBe(false);
    expect(action).not.toHaveBeenCalled();
  });

  it('run their action when named in FAILPOINT and reached', () => {
    // Given FAILPOINT naming one (with spaces and an empty item around it)
    const parsed = Failpoints.parse(' crash-after-commit ,');
    expect(parsed.isOn('crash-after-commit')).toBe(true);
    // When a registry with that failpoint on reaches it (its action replaced: it would kill jest)
    const action = jest.fn();
    const registry = new Failpoints(['crash-after-commit'], { 'crash-after-commit': action });
    registry.reach('crash-after-commit');
    // Then its action ran, once
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('refuse an unknown name at start-up, naming the variable and the known failpoints', () => {
    expect(() => loadConfig({ FAILPOINT: failpointSetting }, { FAILPOINT: 'crash-after-comit' })).toThrow(ConfigError);
    expect(() => Failpoints.parse('crash-after-commit,nope')).toThrow(`FAILPOINT names unknown failpoints (nope); known: ${FAILPOINT_NAMES.join(', ')}`);
  });

  it('treat an empty value as none (a test turns them off again with FAILPOINT="")', () => {
    expect(Failpoints.parse('')).toBe(Failpoints.none);
    expect(loadConfig({ FAILPOINT: failpointSetting }, { FAILPOINT: '' }).FAILPOINT).toBe(Failpoints.none);
  });
});
