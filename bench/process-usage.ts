// CPU and memory of every process of the system while the benchmark drives it, read from /proc
// (Linux), so each hop's share of a command is known: the two apps and their daprd sidecars (their
// pids come from the harness), the servers behind them found by name (Redis, FerretDB,
// PostgreSQL, the profile's broker), and this process, the load generator (process.cpuUsage()).
//
// A snapshot before and one after a level; the difference is the CPU each spent during it.
// A process's CPU is utime + stime of /proc/<pid>/stat (every thread of it, in clock ticks) plus
// cutime + cstime, the CPU of its children that ended and were reaped: that is how PostgreSQL's
// per-connection backends and Redis's save forks that come and go during a level are counted,
// once. An app runs as `node --import tsx entry`: one process, whose only child is the esbuild
// service tsx transpiles with (idle once the modules are loaded); a service and a sidecar count
// with their live children. RSS is VmRSS of /proc/<pid>/status, summed likewise; for PostgreSQL
// the sum over its processes counts its shared buffers more than once.
//
// The servers are shared with anything else on the machine (other test runs, builds): their
// numbers include that work too.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { TestSystem } from '@bank/testkit';

/** What one process (or a group of them, such as PostgreSQL's) has used so far. */
interface Reading {
  pids: number[];
  cpuMs: number;
  rssKiB: number;
}

export interface WatchedProcess {
  /** Its row in the table: "account-command", "account-command's daprd", "postgres". */
  name: string;
  /** Undefined when the process is not (or no longer) there; `processes` lists /proc (once per snapshot). */
  read(processes: () => ProcStat[]): Reading | undefined;
}

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

export interface ProcessUsage {
  process: string;
  pids: number[];
  cpuMs: number | null;
  cpuMsPer1000Commands: number | null;
  /** Of the level's total CPU over every process watched. */
  cpuShare: number | null;
  rssMiBStart: number | null;
  rssMiBEnd: number | null;
}

export interface LevelUsage {
  commands: number;
  seconds: number;
  processes: ProcessUsage[];
  total: { cpuMs: number; cpuMsPer1000Commands: number; cpuMsPerSecond: number };
}

export interface UsageSnapshot {
  at: number;
  readings: Map<string, Reading | undefined>;
}

/** False off Linux: nothing is measured there. */
export const procAvailable = existsSync('/proc/self/stat');

let ticksPerSecond: number | undefined;
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = NaN;
    }
    if (!(ticksPerSecond > 0)) ticksPerSecond = 100; // Linux's USER_HZ nearly everywhere
  }
  return ticksPerSecond;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone, or not ours to read
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' '); // fields[0] is field 3 (state) of proc(5)
  const field = (number: number) => Number(fields[number - 3]);
  return { pid, comm: text.slice(open + 1, close), ppid: field(4), ticks: field(14) + field(15) + field(16) + field(17) };
}

function readRssKiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function readCommandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function allProcesses(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.push(stat);
  }
  return stats;
}

/** The sum over the pids `find` returns at the time of each reading. */
function procProcess(name: string, find: (processes: () => ProcStat[]) => number[]): WatchedProcess {
  return {
    name,
    read(processes) {
      const reading: Reading = { pids: [], cpuMs: 0, rssKiB: 0 };
      for (const pid of find(processes)) {
        const stat = readStat(pid);
        const rssKiB = readRssKiB(pid);
        if (!stat || rssKiB === undefined) continue;
        reading.pids.push(pid);
        reading.cpuMs += (stat.ticks * 1000) / clockTicksPerSecond();
        reading.rssKiB += rssKiB;
      }
      return reading.pids.length > 0 ? reading : undefined;
    },
  };
}

function byName(name: string, accept: (stat: ProcStat) => boolean = () => true): WatchedProcess {
  return procProcess(name, (processes) =>
    processes()
      .filter((stat) => stat.comm === name && accept(stat))
      .map((stat) => stat.pid),
  );
}

/** Servers a profile uses besides Redis and PostgreSQL (the latter: FerretDB's backend). */
const profileServers: Record<string, string[]> = {
  'postgres-rabbitmq': ['beam.smp'],
  'mysql-jetstream': ['mariadbd', 'nats-server'],
  'postgres-mqtt': ['mosquitto'],
  mongodb: ['mongod'],
};

/** Every process a command goes through on this system, and the load generator. */
export function systemProcesses(system: TestSystem, redisPort: number): WatchedProcess[] {
  const services = [system.command, ...(system.query ? [system.query] : [])];
  const withChildren = (pid: number | undefined) => (processes: () => ProcStat[]) =>
    pid === undefined
      ? []
      : [
          pid,
          ...processes()
            .filter((stat) => stat.ppid === pid)
            .map((stat) => stat.pid),
        ];
  return [
    ...services.flatMap((service) => [
      procProcess(service.appId, withChildren(service.app.child.pid)),
      procProcess(`${service.appId}'s daprd`, withChildren(service.daprd.proc.child.pid)),
    ]),
    // The system's own FerretDB: the harness started it from this process.
    byName('ferretdb', (stat) => stat.ppid === process.pid),
    // The shared Redis sets its title to "redis-server <host>:<port>"; test runs' own servers
    // listen elsewhere.
    byName('redis-server', (stat) => new RegExp(`:${redisPort}(\\s|$)`).test(readCommandLine(stat.pid).trim())),
    byName('postgres'),
    ...(profileServers[system.profile] ?? []).map((name) => byName(name)),
    {
      name: 'load generator (bench)',
      read() {
        const cpu = process.cpuUsage();
        return { pids: [process.pid], cpuMs: (cpu.user + cpu.system) / 1000, rssKiB: process.memoryUsage.rss() / 1024 };
      },
    },
  ];
}

export function snapshot(watchedProcesses: WatchedProcess[]): UsageSnapshot {
  let listing: ProcStat[] | undefined;
  const processes = () => (listing ??= allProcesses());
  const readings = new Map<string, Reading | undefined>();
  for (const watched of watchedProcesses) readings.set(watched.name, watched.read(processes));
  return { at: performance.now(), readings };
}

/** What each process spent between two snapshots, per 1,000 of the `commands` sent in between. */
export function usageBetween(before: UsageSnapshot, after: UsageSnapshot, commands: number): LevelUsage {
  const seconds = (after.at - before.at) / 1000;
  const perThousand = (cpuMs: number) => (commands > 0 ? (cpuMs * 1000) / commands : NaN);
  const rows = [...after.readings.keys()].map((name) => {
    const start = before.readings.get(name);
    const end = after.readings.get(name);
    // A process missing at either end (not started, or exited) has no meaningful difference.
    const cpuMs = start && end ? Math.max(0, end.cpuMs - start.cpuMs) : null;
    return { name, start, end, cpuMs };
  });
  const totalCpuMs = rows.reduce((sum, row) => sum + (row.cpuMs ?? 0), 0);
  const mib = (reading: Reading | undefined) => (reading ? Math.round((reading.rssKiB / 1024) * 10) / 10 : null);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    commands,
    seconds: round(seconds),
    processes: rows.map((row) => ({
      process: row.name,
      pids: row.end?.pids ?? row.start?.pids ?? [],
      cpuMs: row.cpuMs === null ? null : round(row.cpuMs),
      cpuMsPer1000Commands: row.cpuMs === null ? null : round(perThousand(row.cpuMs)),
      cpuShare: row.cpuMs === null || totalCpuMs === 0 ? null : round((row.cpuMs / totalCpuMs) * 100),
      rssMiBStart: mib(row.start),
      rssMiBEnd: mib(row.end),
    })),
    total: { cpuMs: round(totalCpuMs), cpuMsPer1000Commands: round(perThousand(totalCpuMs)), cpuMsPerSecond: round(totalCpuMs / seconds) },
  };
}

/** The markdown table "CPU per 1,000 commands (ms), by process": one group of columns per level. */
export function usageTable(levels: Array<{ label: string; usage: LevelUsage }>): string {
  if (levels.length === 0) return '';
  const number = (value: number | null, digits = 0) => (value === null || !Number.isFinite(value) ? '—' : value.toLocaleString('en', { maximumFractionDigits: digits }));
  const rss = (usage: ProcessUsage | undefined) =>
    usage?.rssMiBStart == null && usage?.rssMiBEnd == null ? '—' : `${number(usage.rssMiBStart ?? null)} → ${number(usage.rssMiBEnd ?? null)}`;
  const names = [...new Set(levels.flatMap((level) => level.usage.processes.map((usage) => usage.process)))];
  const header = ['process', ...levels.flatMap((level) => [`${level.label}: CPU ms / 1,000 cmd`, 'share', 'RSS MiB start → end'])];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const name of names) {
    const cells = levels.flatMap((level) => {
      const usage = level.usage.processes.find((candidate) => candidate.process === name);
      return [number(usage?.cpuMsPer1000Commands ?? null), usage?.cpuShare == null ? '—' : `${number(usage.cpuShare, 1)} %`, rss(usage)];
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  lines.push(`| total | ${levels.flatMap((level) => [`**${number(level.usage.total.cpuMsPer1000Commands)}**`, '100 %', '']).join(' | ')} |`);
  const notes = levels.map(
    (level) =>
      `${level.label}: ${number(level.usage.commands)} commands in ${number(level.usage.seconds, 1)} s; these processes used ${number(level.usage.total.cpuMsPerSecond)} ms of CPU per second of wall time (${os.cpus().length} cores: at most ${number(os.cpus().length * 1000)}).`,
  );
  return ['CPU per 1,000 commands (ms), by process', '', ...lines, '', ...notes].join('\n');
}
