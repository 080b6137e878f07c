// Group commit: the first item is flushed at once; the items that arrive while a flush is in
// flight wait and go together in the next one, up to `maxBatch`. Idle, nothing waits; busy, the
// groups grow with the load, and each item costs a share of one round trip instead of its own.
// Every caller gets its own item's result (or the flush's error).

export interface GroupCommitOptions<T> {
  maxBatch: number;
  /** Items with the same key never share a flush: the later one waits for the next, in order. */
  keyOf?: (item: T) => string;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

export class GroupCommit<T, R> {
  private waiting: Array<Waiting<T, R>> = [];
  private flushing = false;

  constructor(
    /** Writes the items; answers one result per item, in their order. */
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions<T>,
  ) {}

  /** Nothing waiting and nothing in flight. */
  get idle(): boolean {
    return !this.flushing && this.waiting.length === 0;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length) {
      const group = this.nextGroup();
      try {
        const results = await this.flush(group.map((waiting) => waiting.item));
        group.forEach((waiting, n) => waiting.resolve(results[n]!));
      } catch (err) {
        for (const waiting of group) waiting.reject(err);
      }
    }
    this.flushing = false;
  }

  private nextGroup(): Array<Waiting<T, R>> {
    const { maxBatch, keyOf } = this.options;
    const group: Array<Waiting<T, R>> = [];
    const keys = new Set<string>();
    const later: Array<Waiting<T, R>> = [];
    for (const waiting of this.waiting) {
      const key = keyOf?.(waiting.item);
      if (group.length < maxBatch && (key === undefined || !keys.has(key))) {
        if (key !== undefined) keys.add(key);
        group.push(waiting);
      } else later.push(waiting);
    }
    this.waiting = later;
    return group;
  }
}
