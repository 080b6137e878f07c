// The import directions between the workspace packages (docs/architecture.md, "Packages"), read
// from the sources: contracts imports nothing of ours, platform only contracts, the services only
// those two; production code never imports the test kit or the launcher; and the kits never
// import a service or scripts/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.cwd());
const servicesDir = path.join(root, 'services');
const SERVICES = ['account-command', 'account-query', 'gateway'];

/** What each package's production code may import of ours. */
const ALLOWED: Record<string, string[]> = {
  contracts: [],
  platform: ['contracts'],
  'account-command': ['contracts', 'platform'],
  'account-query': ['contracts', 'platform'],
  gateway: ['contracts', 'platform'],
  devkit: ['contracts', 'platform'],
  testkit: ['contracts', 'platform', 'devkit'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(file).isDirectory()) return sources(file);
    return name.endsWith('.ts') ? [file] : [];
  });
}

/** The package folder (services/<name>) a file is in, or `scripts` and the like for the rest. */
function ownerOf(file: string): string {
  const [top, name] = path.relative(root, file).split(path.sep);
  return top === 'services' ? (name ?? '') : (top ?? '');
}

/** Which of our packages (or `scripts`, ...) each import of a file names; undefined for outside ones. */
function importsOf(file: string): Array<{ specifier: string; target: string }> {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/gm)].map((match) => match[1] ?? '');
  return specifiers.flatMap((specifier) => {
    const ours = /^@bank\/([^/]+)/.exec(specifier);
    if (ours) return [{ specifier, target: ours[1] ?? '' }];
    if (specifier.startsWith('.')) return [{ specifier, target: ownerOf(path.resolve(path.dirname(file), specifier)) }];
    return [];
  });
}

const isTest = (file: string) => file.endsWith('.test.ts') || file.split(path.sep).includes('testing');
const packages = readdirSync(servicesDir).filter((name) => statSync(path.join(servicesDir, name)).isDirectory());

test('every package is known to these rules', () => {
  expect(packages.filter((name) => name !== 'system-tests').sort()).toEqual(Object.keys(ALLOWED).sort());
});

test('production code imports only what its package may (never the test kit or the launcher)', () => {
  const offenders = Object.keys(ALLOWED)
    .flatMap((name) => sources(path.join(servicesDir, name, 'src')))
    .filter((file) => !isTest(file))
    .flatMap((file) => {
      const owner = ownerOf(file);
      return importsOf(file)
        .filter(({ target }) => target !== owner && !ALLOWED[owner]?.includes(target))
        .map(({ specifier }) => `${path.relative(root, file)}: ${specifier}`);
    });
  expect(offenders).toEqual([]);
});

test('no production code imports @bank/testkit or @bank/devkit', () => {
  const production = [...SERVICES, 'contracts', 'platform'].flatMap((name) => sources(path.join(servicesDir, name, 'src'))).filter((file) => !isTest(file));
  expect(production.length).toBeGreaterThan(50);
  const offenders = production.flatMap((file) =>
    importsOf(file)
      .filter(({ target }) => target === 'testkit' || target === 'devkit')
      .map(({ specifier }) => `${path.relative(root, file)}: ${specifier}`),
  );
  expect(offenders).toEqual([]);
});

test('npm start (scripts/start.ts) runs on production code and the launcher, never the test kit', () => {
  const offenders = importsOf(path.join(root, 'scripts', 'start.ts')).filter(({ target }) => target === 'testkit' || target === 'system-tests');
  expect(offenders).toEqual([]);
  expect(importsOf(path.join(root, 'scripts', 'start.ts')).map(({ target }) => target)).toContain('devkit');
});

test('the test kit and the launcher, tests included, import no service and nothing of scripts/', () => {
  const files = ['testkit', 'devkit'].flatMap((name) => sources(path.join(servicesDir, name, 'src')));
  expect(files.length).toBeGreaterThan(10);
  const offenders = files.flatMap((file) =>
    importsOf(file)
      .filter(({ target }) => SERVICES.includes(target) || target === 'system-tests' || target === 'scripts')
      .map(({ specifier }) => `${path.relative(root, file)}: ${specifier}`),
  );
  expect(offenders).toEqual([]);
});
