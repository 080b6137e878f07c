/**
 * Read-your-writes without client polling: a request waiting for an account to reach a version
 * parks here, and the projector wakes it when it applies that version (in this process).
 */
export class VersionWaiters {
  private readonly byKey = new Map<string, Set<{ version: number; done: (reached: boolean) => void }>>();

  /** Resolves true once notify() reports `version` or more, false after timeoutMs. */
  wait(key: string, version: number, timeoutMs: number): { reached: Promise<boolean>; cancel(): void } {
    let entry!: { version: number; done: (reached: boolean) => void };
    const reached = new Promise<boolean>((resolve) => {
      entry = {
        version,
        done: (r) => {
          clearTimeout(timer);
          this.remove(key, entry);
          resolve(r);
        },
      };
    });
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(entry);
    // Declared after `entry`, read only when the wait ends (never synchronously).
    const timer = setTimeout(() => entry.done(false), timeoutMs);
    return { reached, cancel: () => entry.done(false) };
  }

  notify(key: string, version: number): void {
    const set = this.byKey.get(key);
    if (!set) return;
    for (const w of [...set]) if (w.version <= version) w.done(true);
  }

  get size(): number {
    let n = 0;
    for (const s of this.byKey.values()) n += s.size;
    return n;
  }

  private remove(key: string, entry: { version: number; done: (reached: boolean) => void }): void {
    const set = this.byKey.get(key);
    if (!set) return;
    set.delete(entry);
    if (set.size === 0) this.byKey.delete(key);
  }
}
