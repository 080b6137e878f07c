// What this process last wrote or read of each account in the active generation: the base of the
// next change and the answer to a notification for a version already applied (the outbox repeats
// every commit about a second after the direct publish), both without a round trip to MongoDB.
//
// Only ever a lower bound of the store: an account document's version never goes back within a
// generation, and another replica moving it on is caught by the writer's version guard (the
// entry is then dropped and the store read again). Bounded, oldest entry out first.
import type { AccountDoc } from '../readmodel/documents.js';

export class AppliedAccounts {
  private generation: number | undefined;
  private readonly docs = new Map<string, AccountDoc>();

  constructor(private readonly capacity: number) {}

  get(generation: number, accountId: string): AccountDoc | undefined {
    return this.generation === generation ? this.docs.get(accountId) : undefined;
  }

  set(generation: number, doc: AccountDoc): void {
    if (this.capacity <= 0) return;
    if (this.generation !== generation) {
      // A switch to a rebuilt generation: nothing known of the old one holds there.
      this.docs.clear();
      this.generation = generation;
    }
    const known = this.docs.get(doc._id);
    if (known && known.version > doc.version) return;
    this.docs.delete(doc._id);
    this.docs.set(doc._id, doc);
    if (this.docs.size > this.capacity) this.docs.delete(this.docs.keys().next().value!);
  }

  forget(accountId: string): void {
    this.docs.delete(accountId);
  }
}
