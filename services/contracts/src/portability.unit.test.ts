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
    // The test kit and the launcher prepare every profile's servers: they may name them.
    if (name === 'node_modules' || name === 'testing' || (dir === root && (name === 'testkit' || name === 'devkit'))) return [];
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

// The two dependencies that are not behind Dapr, declared (README "Configuration", the chart's
// query.mongodb and query.live values): the read models' MongoDB, and the Redis of the live
// updates, a fan-out to every account-query replica that Dapr pub/sub (one delivery per app id)
// does not give (docs/architecture.md, "Live updates"). Each driver is used in its own modules
// only; no other broker or store driver appears in service code.
const DRIVERS = ['ioredis', 'redis', 'mongodb', 'pg', 'mysql', 'mysql2', 'amqplib', 'amqp-connection-manager', 'nats', 'kafkajs', 'mqtt', '@nats-io/transport-node'];
const DECLARED: Record<string, RegExp> = {
  mongodb: /^account-query\/src\/(main\.ts|app\.ts|readmodel\/)/,
  ioredis: /^account-query\/src\/live\/bus\.ts$/,
};

test('the only drivers in service code are the declared ones, each in its own modules', () => {
  const uses = sources(root).flatMap((f) => {
    const rel = path.relative(root, f);
    return [...readFileSync(f, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)]
      .map((m) => (m[1] ?? m[2])!)
      .map((spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!))
      .filter((pkg) => DRIVERS.includes(pkg))
      .map((pkg) => ({ pkg, rel }));
  });
  // Both declared drivers are in use (the rule checks something)...
  expect([...new Set(uses.map((u) => u.pkg))].sort()).toEqual(['ioredis', 'mongodb']);
  // ...and only where they are declared.
  expect(uses.filter((u) => !DECLARED[u.pkg]?.test(u.rel))).toEqual([]);
});
