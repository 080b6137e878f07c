// The JetStream set-up against the real NATS server: the two-stream layout, its migration from
// the older one-stream layout, and the JetStream behaviour that forces the split.
import { randomUUID } from 'node:crypto';
import { AckPolicy, connect, headers, type NatsConnection } from 'nats';
import { ensureJetStream } from './jetstream.js';

const URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const tag = randomUUID().slice(0, 8);
const topic = `test-${tag}-events`;
const outbox = `test-${tag}-eventsoutbox`;
const streams = [
  { name: `T${tag}`, subjects: [topic] },
  { name: `T${tag}_OUTBOX`, subjects: [outbox] },
];
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connect({ servers: URL, timeout: 5000 });
});

afterAll(async () => {
  const jsm = await nc.jetstreamManager();
  for (const s of streams) await jsm.streams.delete(s.name).catch(() => undefined);
  await nc.close();
});

const subjectsOf = async (name: string) => (await (await nc.jetstreamManager()).streams.info(name)).config.subjects;

it('moves the outbox subject out of a stream that held both, and is idempotent', async () => {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: streams[0]!.name, subjects: [topic, outbox] }); // the old layout
  await ensureJetStream(URL, [], streams);
  expect(await subjectsOf(streams[0]!.name)).toEqual([topic]);
  expect(await subjectsOf(streams[1]!.name)).toEqual([outbox]);
  await ensureJetStream(URL, [], streams);
  expect(await subjectsOf(streams[0]!.name)).toEqual([topic]);
  expect(await subjectsOf(streams[1]!.name)).toEqual([outbox]);
});

it('drops the named durable consumers and leaves the others', async () => {
  const jsm = await nc.jetstreamManager();
  for (const durable of [`t-${tag}-a`, `t-${tag}-b`]) await jsm.consumers.add(streams[0]!.name, { durable_name: durable, ack_policy: AckPolicy.Explicit, filter_subject: topic });
  await ensureJetStream(URL, [`t-${tag}-a`], streams);
  const names: string[] = [];
  for await (const c of jsm.consumers.list(streams[0]!.name)) names.push(c.name);
  expect(names).toEqual([`t-${tag}-b`]);
});

// Why two streams: the outbox republishes its internal message to the topic with the same
// CloudEvent id, which pubsub.jetstream sends as Nats-Msg-Id.
it('a message id seen in one stream is a duplicate there but not in the other stream', async () => {
  const js = nc.jetstream();
  const h = headers();
  h.set('Nats-Msg-Id', `outbox-${tag}`);
  const internal = await js.publish(outbox, 'internal', { headers: h });
  const republished = await js.publish(topic, 'republished', { headers: h });
  expect(internal.duplicate).toBe(false);
  expect(republished.duplicate).toBe(false);
  const again = await js.publish(topic, 'again', { headers: h });
  expect(again.duplicate).toBe(true);
});
