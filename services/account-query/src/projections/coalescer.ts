/**
 * At most one pull per account in flight in this process, and at most one queued behind it.
 * A request whose version the running pull already covers waits for that pull; a newer one
 * queues (or joins the queued pull), which re-reads the store when the running one is done. So
 * any burst of notifications for one account costs at most two pulls, and none run in parallel.
 */
export class KeyedCoalescer {
  private readonly slots = new Map<string, { announced: number; running: Promise<void>; queued?: { announced: number; promise: Promise<void> } }>();

  constructor(private readonly work: (key: string, announced: number) => Promise<void>) {}

  request(key: string, announced: number): Promise<void> {
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, announced);
    if (announced <= slot.announced) return slot.running;
    if (slot.queued) {
      slot.queued.announced = Math.max(slot.queued.announced, announced);
      return slot.queued.promise;
    }
    const queued = { announced, promise: Promise.resolve() };
    queued.promise = slot.running.then(
      () => this.promote(key),
      () => this.promote(key),
    );
    slot.queued = queued;
    return queued.promise;
  }

  /** Keys with a pull in flight. */
  get size(): number {
    return this.slots.size;
  }

  private start(key: string, announced: number): Promise<void> {
    const running = this.work(key, announced).finally(() => {
      const s = this.slots.get(key);
      if (s && s.running === running && !s.queued) this.slots.delete(key);
    });
    this.slots.set(key, { announced, running });
    return running;
  }

  private promote(key: string): Promise<void> {
    const slot = this.slots.get(key)!;
    const next = slot.queued!;
    slot.queued = undefined;
    slot.announced = next.announced;
    const running = this.work(key, next.announced).finally(() => {
      const s = this.slots.get(key);
      if (s && s.running === running && !s.queued) this.slots.delete(key);
    });
    slot.running = running;
    return running;
  }
}
