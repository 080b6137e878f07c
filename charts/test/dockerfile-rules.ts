// Static rules for the services' Dockerfiles (no Docker engine here to build them). Each rule is
// something the image must do to be right for the chart: see dockerfileProblems().
import path from 'node:path';

export interface Stage {
  name: string | undefined;
  base: string;
  lines: Array<{ instr: string; args: string }>;
}

/** Instructions (continuation lines joined, comments dropped), grouped by stage. */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let cur = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!cur && (line.startsWith('#') || line === '')) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      cur += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push(cur + line);
    cur = '';
  }
  if (cur) logical.push(cur);
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(l);
    if (!m) continue;
    const instr = m[1]!.toUpperCase();
    const rest = m[2] ?? '';
    if (instr === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      stages.push({ base: f?.[1] ?? rest, name: f?.[2], lines: [] });
    } else if (stages.length === 0 && instr === 'ARG') {
      const [k, v] = rest.split('=');
      args[k!.trim()] = (v ?? '').trim();
    } else if (stages.length) {
      stages[stages.length - 1]!.lines.push({ instr, args: rest });
    }
  }
  return { args, stages };
}

/** The stages an image built from `last` is made of, its base stages first. */
export function chainOf(stages: Stage[], last: Stage | undefined): Stage[] {
  const chain: Stage[] = [];
  for (let s = last; s && !chain.includes(s); s = stages.find((x) => x.name === s!.base)) chain.unshift(s);
  return chain;
}

/** The sources of a COPY (flags dropped, the destination last). */
function copySources(args: string): string[] {
  return args
    .split(/\s+/)
    .filter((a) => a && !a.startsWith('--'))
    .slice(0, -1);
}

/** Absolute folders that get a package.json in these stages: npm ci puts a node_modules beside each. */
function manifestDirs(chain: Stage[]): string[] {
  const dirs: string[] = [];
  let workdir = '/';
  for (const l of chain.flatMap((s) => s.lines)) {
    if (l.instr === 'WORKDIR') workdir = path.posix.resolve(workdir, l.args.trim());
    if (l.instr !== 'COPY' || /--from=/.test(l.args) || !copySources(l.args).some((x) => /(^|\/)package\.json$/.test(x))) continue;
    dirs.push(path.posix.resolve(workdir, l.args.split(/\s+/).pop()!));
  }
  return dirs;
}

const SECRETISH = /(PASSWORD|SECRET|TOKEN|API_KEY|CONNECTION_STRING|MONGODB_URL|PRIVATE_KEY)/i;

/** Everything wrong with a service Dockerfile; [] when it follows every rule. */
export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const { args, stages } = parseDockerfile(text);
  // Parser directives (the first lines, "# key=value"): a syntax directive makes BuildKit pull
  // that frontend image from a registry before anything else, so the image could not be built
  // where no registry is reachable (the local cluster); the engine's built-in frontend does all
  // these Dockerfiles need (RUN --mount included).
  for (const line of text.split('\n')) {
    const directive = /^#\s*([A-Za-z]+)\s*=\s*(.*)$/.exec(line.trim());
    if (!directive) break;
    if (directive[1]!.toLowerCase() === 'syntax') problems.push(`# syntax=${directive[2]}: BuildKit would pull its frontend from a registry (use the built-in one)`);
  }
  if (stages.length < 2) problems.push('not multi-stage (dependencies must be installed in a build stage)');
  const names = new Set(stages.map((s) => s.name).filter(Boolean));

  // Base images: pinned tags, never latest or untagged.
  for (const s of stages) {
    if (names.has(s.base)) continue;
    const image = s.base.replace(/^\$\{(\w+)\}$/, (_, a: string) => args[a] ?? '').replace(/^\$(\w+)$/, (_, a: string) => args[a] ?? '');
    if (!image) problems.push(`FROM ${s.base}: the base image has no default`);
    else if (!image.includes('@') && !/:[^/]+$/.test(image)) problems.push(`FROM ${image}: untagged base image (means latest)`);
    else if (/:latest$/.test(image)) problems.push(`FROM ${image}: the latest tag`);
  }

  // Dependencies: the workspace lock file and clean installs (production-only, see below).
  const all = stages.flatMap((s) => s.lines);
  if (!all.some((l) => l.instr === 'COPY' && /\bpackage-lock\.json\b/.test(l.args))) problems.push('package-lock.json is not copied (npm ci needs it)');
  const installs = stages.flatMap((stage) => stage.lines.filter((l) => l.instr === 'RUN' && /\bnpm\s+(ci|install|i)\b/.test(l.args)).map((l) => ({ stage, args: l.args })));
  if (!installs.length) problems.push('no npm ci');
  for (const l of installs) if (!/\bnpm\s+ci\b/.test(l.args)) problems.push(`"${l.args}": use npm ci (the lock file), not npm install`);

  // The image that runs (the last stage), following FROM <stage> inheritance.
  const chain = chainOf(stages, stages[stages.length - 1]);

  // Dev dependencies (a build tool) may be installed in a build stage only: the image that runs
  // neither inherits that stage nor copies its node_modules (only build output, e.g. a bundle).
  for (const l of installs.filter((i) => !/--omit=dev\b/.test(i.args))) {
    const tainted = stages.filter((s) => chainOf(stages, s).includes(l.stage));
    if (chain.some((s) => tainted.includes(s))) problems.push(`"${l.args}": installs dev dependencies into the image that runs (add --omit=dev)`);
    for (const c of chain.flatMap((s) => s.lines).filter((x) => x.instr === 'COPY')) {
      const from = /--from=(\S+)/.exec(c.args)?.[1];
      const source = tainted.find((s) => s.name === from);
      if (!source) continue;
      const manifests = manifestDirs(chainOf(stages, source));
      for (const src of copySources(c.args).map((x) => path.posix.resolve('/', x))) {
        if (/(^|\/)node_modules(\/|$)/.test(src) || manifests.some((d) => d === src || d.startsWith(`${src === '/' ? '' : src}/`))) {
          problems.push(`COPY ${c.args}: copies the dev dependencies that "${l.args}" installed (add --omit=dev there, or copy only the build output)`);
        }
      }
    }
  }

  const effective = (instr: string) =>
    chain
      .flatMap((s) => s.lines)
      .filter((l) => l.instr === instr)
      .pop();
  const user = effective('USER');
  if (!user) problems.push('no USER: the image runs as root');
  else {
    const [uid, gid] = user.args.split(':');
    if (!/^\d+$/.test(uid ?? '')) problems.push(`USER ${user.args}: not numeric (runAsNonRoot cannot verify a name)`);
    else if (Number(uid) === 0) problems.push('USER 0: root');
    if (gid !== undefined && (!/^\d+$/.test(gid) || Number(gid) === 0)) problems.push(`USER ${user.args}: the group is not a numeric non-root group`);
  }
  const entry = effective('ENTRYPOINT') ?? effective('CMD');
  let argv: unknown;
  try {
    argv = entry ? JSON.parse(entry.args) : undefined;
  } catch {
    argv = undefined;
  }
  if (!Array.isArray(argv)) problems.push('ENTRYPOINT is not in exec form (a shell would be PID 1 and swallow SIGTERM)');
  else if (argv[0] !== 'node') problems.push(`ENTRYPOINT ${JSON.stringify(argv)}: node must be PID 1 (npm, npx and tsx's CLI run it as a child)`);
  const stop = effective('STOPSIGNAL');
  if (stop && stop.args !== 'SIGTERM') problems.push(`STOPSIGNAL ${stop.args}: the services stop gracefully on SIGTERM`);

  // No secrets in the image.
  for (const l of all.concat(Object.entries(args).map(([k, v]) => ({ instr: 'ARG', args: `${k}=${v}` })))) {
    if ((l.instr === 'ENV' || l.instr === 'ARG') && SECRETISH.test(l.args)) problems.push(`${l.instr} ${l.args}: a secret baked into the image`);
    if (l.instr === 'COPY' && /(^|\s)\.env\b|\.pem\b|id_rsa/.test(l.args)) problems.push(`COPY ${l.args}: copies secrets`);
  }
  return problems;
}
