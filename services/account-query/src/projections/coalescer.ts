/**
 * At most one pull per account in flight in this process, and at most one queued behind it.
 * A request whose version the running pull already covers waits for that pull; a newer one
 * queues (or joins the queued pull), which re-reads the store when the running one is done. So
 * any burst of notifications for one account costs at most two pulls, and none run in parallel.
 * A request may bring a payload (the events a notification carried); the work receives the
 * payload of the request with the highest version it serves, or none.
 */
export class KeyedCoalescer<Payload = never> {
  private readonly slots = new Map<string, { announced: number; running: Promise<void>; queued?: { announced: number; payload: Payload | undefined; promise: Promise<void> } }>();

  constructor(private readonly work: (key: string, announced: number, payload: Payload | undefined) => Promise<void>) {}

  request(key: string, announced: number, payload?: Payload): Promise<void> {
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, announced, payload);
    if (announced <= slot.announced) return slot.running;
    if (slot.queued) {
      if (announced > slot.queued.announced) {
        slot.queued.announced = announced;
        slot.queued.payload = payload;
      }
      return slot.queued.promise;
    }
    const queued = { announced, payload, promise: Promise.resolve() };
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

  private start(key: string, announced: number, payload: Payload | undefined): Promise<void> {
    const running = this.run(key, announced, payload);
    this.slots.set(key, { announced, running });
    return running;
  }

  private promote(key: string): Promise<void> {
    const slot = this.slots.get(key)!;
    const next = slot.queued!;
    slot.queued = undefined;
    slot.announced = next.announced;
    const running = this.run(key, next.announced, next.payload);
    slot.running = running;
    return running;
  }

  private run(key: string, announced: number, payload: Payload | undefined): Promise<void> {
    const running: Promise<void> = this.work(key, announced, payload).finally(() => {
      const slot = this.slots.get(key);
      if (slot && slot.running === running && !slot.queued) this.slots.delete(key);
    });
    return running;
  }
}
