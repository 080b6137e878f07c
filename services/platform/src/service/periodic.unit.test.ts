import { Periodic } from './periodic.js';

describe('Periodic', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs the task an interval after the last run ended, goes on after a failure, and stops', async () => {
    const runs: number[] = [];
    const errors: unknown[] = [];
    let fail = true;
    const periodic = new Periodic(
      100,
      async () => {
        runs.push(Date.now());
        if (fail) {
          fail = false;
          throw new Error('store down');
        }
      },
      (err) => errors.push(err),
    );
    periodic.start();
    await jest.advanceTimersByTimeAsync(99);
    expect(runs).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toHaveLength(2);
    expect(errors).toEqual([new Error('store down')]);
    periodic.stop();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toHaveLength(2);
    expect(periodic.isStopped).toBe(true);
  });

  it('never runs with an interval of 0', async () => {
    const task = jest.fn(async () => undefined);
    new Periodic(0, task).start();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(task).not.toHaveBeenCalled();
  });
});
