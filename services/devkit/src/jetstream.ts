// Dapr's pubsub.jetstream does not create streams; this creates them, idempotently.
//
// The topic and the outbox's internal topic ("<namespace><appId><topic>outbox") must be in TWO
// streams. JetStream drops a message whose Nats-Msg-Id it saw within the stream's duplicate
// window, the component sets that id to the CloudEvent id, and daprd's outbox republishes the
// internal message's CloudEvent, id included, to the topic: in one stream, every republish is a
// "duplicate" and is silently dropped, so a commit whose direct notification was lost (crash
// between commit and publish) would never reach the read side.
import { connect, type JetStreamManager } from 'nats';

export interface StreamSpec {
  name: string;
  subjects: string[];
}

export const JETSTREAM_STREAMS: StreamSpec[] = [
  { name: 'BANK', subjects: ['account-events'] },
  { name: 'BANK_OUTBOX', subjects: ['defaultaccount-commandaccount-eventsoutbox'] },
];

const notFound = (what: string) => (e: Error) => {
  if (!new RegExp(`${what} not found`, 'i').test(e.message)) throw e;
};

/**
 * Creates or widens each stream, first taking its subjects away from any other stream (the
 * layout before the split had both subjects in one). Drops the named durable consumers from every
 * stream: a test run's, so that it starts without an earlier run's backlog.
 */
export async function ensureJetStream(url: string, dropConsumers: string[] = [], streams = JETSTREAM_STREAMS): Promise<void> {
  const nc = await connect({ servers: url, timeout: 5000 });
  try {
    const jsm = await nc.jetstreamManager();
    for (const spec of streams) await ensureStream(jsm, spec);
    for (const spec of streams) {
      for (const name of dropConsumers) await jsm.consumers.delete(spec.name, name).catch(notFound('consumer'));
    }
  } finally {
    await nc.close();
  }
}

async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  for await (const other of jsm.streams.list()) {
    if (other.config.name === spec.name) continue;
    const kept = other.config.subjects.filter((s) => !spec.subjects.includes(s));
    if (kept.length === other.config.subjects.length) continue;
    if (kept.length) await jsm.streams.update(other.config.name, { ...other.config, subjects: kept });
    else await jsm.streams.delete(other.config.name);
  }
  const info = await jsm.streams.info(spec.name).catch((e: Error) => (notFound('stream')(e), null));
  if (!info) {
    await jsm.streams.add({ name: spec.name, subjects: spec.subjects, max_age: 7 * 24 * 3600 * 1e9, max_msgs: 1_000_000 });
    return;
  }
  const missing = spec.subjects.filter((s) => !info.config.subjects.includes(s));
  if (missing.length) await jsm.streams.update(spec.name, { ...info.config, subjects: [...info.config.subjects, ...missing] });
}
