// Dapr's pubsub.jetstream does not create streams. This creates (or widens) the one stream that
// carries the topic and the outbox's internal topic ("<namespace><appId><topic>outbox").
import { connect } from 'nats';

export const JETSTREAM_STREAM = 'BANK';
export const JETSTREAM_SUBJECTS = ['account-events', 'defaultaccount-commandaccount-eventsoutbox'];

/** Creates or widens the stream; drops the named durable consumers (a test run's, to start clean). */
export async function ensureJetStream(url: string, subjects = JETSTREAM_SUBJECTS, dropConsumers: string[] = []): Promise<void> {
  const nc = await connect({ servers: url, timeout: 5000 });
  try {
    const jsm = await nc.jetstreamManager();
    try {
      const info = await jsm.streams.info(JETSTREAM_STREAM);
      const missing = subjects.filter((s) => !info.config.subjects.includes(s));
      if (missing.length) await jsm.streams.update(JETSTREAM_STREAM, { ...info.config, subjects: [...info.config.subjects, ...missing] });
    } catch (e) {
      if (!/stream not found/i.test((e as Error).message)) throw e;
      await jsm.streams.add({ name: JETSTREAM_STREAM, subjects, max_age: 7 * 24 * 3600 * 1e9, max_msgs: 1_000_000 });
    }
    for (const name of dropConsumers) {
      await jsm.consumers.delete(JETSTREAM_STREAM, name).catch((e: Error) => {
        if (!/consumer not found/i.test(e.message)) throw e;
      });
    }
  } finally {
    await nc.close();
  }
}
