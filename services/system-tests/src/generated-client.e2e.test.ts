// A client generated from the served OpenAPI document with one command of a well-known generator
// (openapi-typescript, the command docs/api.md shows), compiled strictly with openapi-fetch, opens
// an account on the running system: the document is enough to write a typed client.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT, startSystem, type TestSystem } from '@bank/testkit';

jest.setTimeout(180_000);

/** The client a user writes against the generated types: one call, and one the types refuse. */
const CLIENT = `import createClient from 'openapi-fetch';
import type { paths } from './bank-api.js';

const client = createClient<paths>({ baseUrl: process.argv[2] });
const { data, error, response } = await client.POST('/accounts', { body: { initialBalance: '100.00', currency: 'MAD' } });
if (error || !data) throw new Error('refused: ' + JSON.stringify(error));
const version: number = data.version;
console.log(JSON.stringify({ status: response.status, accountId: data.accountId, version, location: response.headers.get('location') }));

export async function notCompiled(): Promise<void> {
  // @ts-expect-error: an amount is a decimal string, never a number
  await client.POST('/accounts', { body: { initialBalance: 100, currency: 'MAD' } });
}
`;

let sys: TestSystem;

beforeAll(async () => {
  sys = await startSystem();
});

afterAll(async () => {
  await sys?.stop();
});

it('given the served document, when a client is generated with one command and compiled strictly, then it opens an account on the running system', () => {
  // given
  const dir = path.join(REPO_ROOT, '.data', 'generated-client', sys.runId);
  mkdirSync(dir, { recursive: true });
  const client = path.join(dir, 'open-account.ts');
  writeFileSync(client, CLIENT);
  // when: generated from the service's /openapi.json,
  execFileSync('npx', ['openapi-typescript', `${sys.command.url}/openapi.json`, '-o', path.join(dir, 'bank-api.ts')], { cwd: REPO_ROOT, stdio: 'pipe' });
  // compiled,
  const program = ts.createProgram([client], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: ['node'],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  // and run
  const output = execFileSync('npx', ['tsx', client, sys.command.url], { cwd: REPO_ROOT, encoding: 'utf8' });
  // then
  expect(diagnostics).toEqual([]);
  const answer = JSON.parse(output.trim().split('\n').pop()!) as { status: number; accountId: string; version: number; location: string };
  expect(answer).toEqual({ status: 201, accountId: expect.any(String), version: 2, location: `/accounts/${answer.accountId}` });
});
