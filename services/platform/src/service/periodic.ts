// Background work that repeats: `task` runs `intervalMs` after the previous run ended (never two
// runs at once, however long one takes), until stopped. The timer does not keep the process alive.
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /**
   * `intervalMs` 0 never runs. `task` reports its own failures (`onError` gets what it throws
   * anyway); the next run goes ahead regardless.
   */
  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (this.intervalMs > 0) this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.task()
        .catch(this.onError)
        .finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }
}
