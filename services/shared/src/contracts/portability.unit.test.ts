// The promise of the project: changing the broker or the store is a YAML change. So no service
// code may name a component type or a broker/store driver; only components/ and the test harness
// (which prepares each profile's servers) know them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.cwd(), 'services');
const FORBIDDEN = [
  /\b(state|pubsub|bindings|secretstores)\.(redis|postgres(ql)?|mysql|mongodb|rabbitmq|jetstream|mqtt3?|kafka|in-memory|local\.\w+)\b/,
  /\b(redisHost|connectionString|natsURL|brokers|amqp:\/\/|nats:\/\/|tcp:\/\/)/,
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name === 'testing') return [];
    if (statSync(p).isDirectory()) return sources(p);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [p] : [];
  });
}

test('no service source names a component type or a broker address', () => {
  const files = sources(root);
  expect(files.length).toBeGreaterThan(10);
  const offenders = files.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .map((line, i) => ({ f: path.relative(root, f), line: i + 1, text: line }))
      // Comments may explain a store's behaviour; code may not depend on it.
      .filter(({ text }) => !/^\s*(\/\/|\*|\/\*)/.test(text))
      .filter(({ text }) => FORBIDDEN.some((re) => re.test(text))),
  );
  expect(offenders).toEqual([]);
});
