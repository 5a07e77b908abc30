/**
 * "What held the fleet back": rules over the run's one-second evidence (sim/model/evidence.ts) that name
 * the limits the run hit, each with the time it began and the figures behind it, and say which
 * came first. A rule fires on a condition that held for several consecutive samples, so one slow
 * second is not a limit. A setting cloudcore rewrote at start is never blamed at its requested
 * value: the rules name what cloudcore ran with.
 */
import type { EvidenceSample, ProcessSample } from '../model/evidence.js';
import { processRole } from '../model/evidence.js';
import type { LimitFinding, LimitsSection } from '../model/run-sections.js';

export interface LimitContext {
  runStartMs: number;
  requestedNodes: number;
  provider: string;
  /** cloudcore's API client qps/burst as it ran (the loaded values: v1.23.1 rewrites them to 5×/10× nodeLimit only after building its clients), when known. */
  cloudcoreQps?: { qps: number; burst: number; overridden: boolean } | null;
  /** The ramp stalled: when, and how many nodes were still pending. */
  stall?: { atMs: number; windowS: number; ready: number; pending: number; byState: Record<string, number> } | null;
  /** Limits the run saw coming before they could bite (`warning` events: cloudcore's open files, its ephemeral ports). */
  warnings?: ReadonlyArray<{ atMs: number; code: string; message: string }>;
}

/** Consecutive samples a condition must hold to count (the samples are about a second apart). */
export const SUSTAIN_SAMPLES = 5;
const CPU_SATURATED = 0.9;
const FD_NEAR_LIMIT = 0.95;
const LOW_MEMORY_BYTES = 512 * 1024 * 1024;
const API_SLOW_MS = 1000;
const HARNESS_LAG_MS = 1000;

export function diagnoseLimits(samples: readonly EvidenceSample[], ctx: LimitContext): LimitsSection {
  const peaks = peaksOf(samples);
  const meanCpuCores = meanByRole(samples);
  if (samples.length === 0) {
    return { verdict: 'no-evidence', headline: 'No evidence was sampled, so nothing can be said about what held the fleet back.', first: null, findings: [], samples: 0, peaks, meanCpuCores };
  }
  const at = (s: EvidenceSample): number => Math.round((s.atMs - ctx.runStartMs) / 100) / 10;
  const findings: LimitFinding[] = [
    ...openFiles(samples, ctx, at),
    ...nodeLimit(samples, ctx, at),
    ...machineCpu(samples, at),
    ...processCpu(samples, at),
    ...apiserver(samples, at),
    ...throttled(samples, ctx, at),
    ...memory(samples, at),
    ...harnessLag(samples, at),
    ...stalled(ctx),
    ...(ctx.warnings ?? []).map((w): LimitFinding => ({ rule: w.code, kind: 'symptom', atS: Math.round((w.atMs - ctx.runStartMs) / 100) / 10, text: `warned before it could bite: ${w.message}`, evidence: [] })),
  ].sort((a, b) => a.atS - b.atS || (a.kind === b.kind ? 0 : a.kind === 'limit' ? -1 : 1));
  const first = findings.find((f) => f.kind === 'limit') ?? null;
  if (first) {
    return { verdict: 'limit', headline: `The first limit hit: ${first.text}`, first, findings, samples: samples.length, peaks, meanCpuCores };
  }
  const busiest = Object.entries(peaks.processes).sort((a, b) => b[1].cpuCores - a[1].cpuCores)[0];
  const quiet =
    `Nothing saturated: the machine peaked at ${fmt(peaks.machineBusyCores ?? 0)} of ${peaks.cores ?? '?'} cores` +
    (busiest ? `, the busiest process was ${busiest[0]} at ${fmt(busiest[1].cpuCores)} of a core` : '') +
    (findings.length > 0 ? `; the fleet still showed: ${findings.map((f) => f.text).join('; ')}` : '') +
    '.';
  return { verdict: 'none', headline: quiet, first: null, findings, samples: samples.length, peaks, meanCpuCores };
}

type At = (s: EvidenceSample) => number;

/** Index ranges [start, end) where `holds` is true for at least `min` consecutive samples. */
export function sustainedRuns(samples: readonly EvidenceSample[], holds: (s: EvidenceSample) => boolean, min = SUSTAIN_SAMPLES): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= samples.length; i++) {
    const ok = i < samples.length && holds(samples[i]!);
    if (ok && start < 0) start = i;
    if (!ok && start >= 0) {
      if (i - start >= min) runs.push([start, i]);
      start = -1;
    }
  }
  return runs;
}

function openFiles(samples: readonly EvidenceSample[], ctx: LimitContext, at: At): LimitFinding[] {
  const out: LimitFinding[] = [];
  for (const name of processNames(samples)) {
    const near = (s: EvidenceSample): boolean => {
      const p = s.processes[name];
      return p !== undefined && p.fds !== null && p.fdLimit !== null && p.fds >= FD_NEAR_LIMIT * p.fdLimit;
    };
    const run = sustainedRuns(samples, near, 3)[0];
    if (!run) continue;
    const s = samples[run[0]]!;
    const p = s.processes[name]!;
    const after = samples.slice(run[0]);
    const peakConnected = Math.max(...after.map((x) => x.fleet.connected));
    const never = Math.max(0, ctx.requestedNodes - peakConnected);
    const failedDials = (samples.at(-1)!.fleet.connectFailures ?? 0) - (samples[run[0]]!.fleet.connectFailures ?? 0);
    out.push({
      rule: 'open-files',
      kind: 'limit',
      atS: at(s),
      text: `the ${describe(name)} reached its open-files limit (${count(p.fdLimit!)}) at t=${at(s)} s${never > 0 ? `: ${count(never)} nodes could not connect` : ''}`,
      evidence: [
        `${name}: ${count(p.fds!)} open files of ${count(p.fdLimit!)} allowed`,
        `nodes connected at most ${count(peakConnected)} of ${count(ctx.requestedNodes)} requested`,
        `${count(Math.max(0, failedDials))} failed dials after it`,
      ],
    });
  }
  return out;
}

function nodeLimit(samples: readonly EvidenceSample[], ctx: LimitContext, at: At): LimitFinding[] {
  const full = (s: EvidenceSample): boolean => {
    const c = s.cloudcore;
    if (!c || c.nodeLimit === null) return false;
    const rejected = (c.limitRejections ?? 0) > 0;
    return (c.connected !== null && c.connected >= c.nodeLimit && s.fleet.ready < s.fleet.requested) || rejected;
  };
  const run = sustainedRuns(samples, full, 1)[0];
  if (!run) return [];
  const s = samples[run[0]]!;
  const c = s.cloudcore!;
  const last = samples.at(-1)!;
  const rejections = samples.reduce((n, x) => n + (x.cloudcore?.limitRejections ?? 0), 0);
  const waiting = Math.max(0, last.fleet.requested - last.fleet.ready);
  return [
    {
      rule: 'node-limit',
      kind: 'limit',
      atS: at(s),
      text: `cloudcore's nodeLimit (${count(c.nodeLimit!)}) was reached at t=${at(s)} s: CloudHub leaves every further connection unserved, and ${count(waiting)} of ${count(ctx.requestedNodes)} nodes were not Ready at the end`,
      evidence: [
        `cloudcore connected nodes: ${c.connected ?? 'unknown'} (modules.cloudHub.nodeLimit ${count(c.nodeLimit!)})`,
        `"reach node limit" in cloudcore's log: ${count(rejections)} times`,
        'raise it with --node-limit or --cloudcore-set modules.cloudHub.nodeLimit=N (cloudcore preallocates ~7.6 KB per unit)',
      ],
    },
  ];
}

function machineCpu(samples: readonly EvidenceSample[], at: At): LimitFinding[] {
  const busy = (s: EvidenceSample): boolean => s.machine.busyCores !== null && s.machine.busyCores >= CPU_SATURATED * s.machine.cores;
  const run = sustainedRuns(samples, busy)[0];
  if (!run) return [];
  const window = samples.slice(run[0], run[1]);
  const s = window[0]!;
  const shares = consumers(window);
  const top = shares.slice(0, 4).map(([n, c]) => `${n} ${fmt(c)}`);
  const end = window.at(-1)!.fleet;
  const queued = [
    ...(end.registering > 0 ? [`${count(end.registering)} registrations were still waiting`] : []),
    ...(end.bootstrapping + end.connecting > 0 ? [`${count(end.bootstrapping + end.connecting)} nodes were still enrolling or connecting`] : []),
  ];
  const waiting = queued.length > 0 ? `; ${queued.join(', ')}` : end.ready < end.requested ? `; ${count(end.requested - end.ready)} nodes were not Ready yet` : '';
  const harnessFirst = shares[0] !== undefined && (shares[0][0] === 'the twinlab shards' || shares[0][0] === 'the twinlab controller');
  const othersFirst = shares[0] !== undefined && shares[0][0] === OTHER_PROCESSES;
  return [
    {
      rule: 'machine-cpu',
      kind: 'limit',
      atS: at(s),
      text: `the machine's CPU was saturated from t=${at(s)} s (${fmt(mean(window.map((x) => x.machine.busyCores ?? 0)))} of ${s.machine.cores} cores): ${top.join(', ')} of a core${waiting}`,
      evidence: [
        `saturated for ${Math.round((window.at(-1)!.atMs - s.atMs) / 1000) + 1} s from t=${at(s)} s`,
        ...shares.map(([n, c]) => `${n}: ${fmt(c)} of a core on average while saturated`),
        ...(harnessFirst ? ['the harness was the largest consumer: it starved the system it measures, so the control plane figures understate what it could do on its own'] : []),
        ...(othersFirst ? ['processes outside this run used most of the CPU: this run shared its machine, and its figures are not a measurement of the system alone'] : []),
      ],
    },
  ];
}

function processCpu(samples: readonly EvidenceSample[], at: At): LimitFinding[] {
  const out: LimitFinding[] = [];
  for (const name of processNames(samples)) {
    const hot = (s: EvidenceSample): boolean => (s.processes[name]?.cpuCores ?? 0) >= CPU_SATURATED;
    const run = sustainedRuns(samples, hot)[0];
    if (!run) continue;
    const window = samples.slice(run[0], run[1]);
    const s = window[0]!;
    const share = mean(window.map((x) => x.processes[name]?.cpuCores ?? 0));
    const role = processRole(name);
    const singleThreaded = role !== 'control-plane';
    out.push({
      rule: 'process-cpu',
      kind: singleThreaded || share >= CPU_SATURATED * s.machine.cores ? 'limit' : 'symptom',
      atS: at(s),
      text: singleThreaded
        ? `${describe(name)}'s event loop was saturated (${pct(share)} of a core) from t=${at(s)} s`
        : `${name} at ${pct(share)} of a core from t=${at(s)} s`,
      evidence: [`${name}: ${fmt(share)} cores on average for ${window.length} s`],
    });
  }
  return out;
}

function apiserver(samples: readonly EvidenceSample[], at: At): LimitFinding[] {
  const out: LimitFinding[] = [];
  const firstReject = samples.find((s) => (s.apiserver?.rejectedPerS ?? 0) > 0);
  if (firstReject) {
    const total = samples.reduce((n, s) => n + (s.apiserver?.rejectedPerS ?? 0), 0);
    out.push({
      rule: 'apiserver-rejections',
      kind: 'limit',
      atS: at(firstReject),
      text: `kube-apiserver's flow control rejected requests from t=${at(firstReject)} s (about ${count(Math.round(total))} in all)`,
      evidence: [`apiserver_flowcontrol_rejected_requests_total rose by about ${count(Math.round(total))}`],
    });
  }
  // A kube-apiserver scrape can take longer than a tick: judge the samples that carry one.
  const scraped = samples.filter((s) => s.apiserver !== null);
  const slow = sustainedRuns(scraped, (s) => (s.apiserver?.mutatingP99Ms ?? 0) > API_SLOW_MS, 3)[0];
  if (slow) {
    const window = scraped.slice(slow[0], slow[1]);
    out.push({
      rule: 'apiserver-latency',
      kind: 'symptom',
      atS: at(window[0]!),
      text: `kube-apiserver's mutating requests took p99 ${count(Math.round(Math.max(...window.map((s) => s.apiserver!.mutatingP99Ms!))))} ms from t=${at(window[0]!)} s (SLO 1 s)`,
      evidence: window.slice(0, 3).map((s) => `t=${at(s)} s: mutating p99 ${s.apiserver!.mutatingP99Ms} ms, ${s.apiserver!.requestsPerS} requests/s, etcd p99 ${s.apiserver!.etcdP99Ms ?? '–'} ms`),
    });
  }
  return out;
}

function throttled(samples: readonly EvidenceSample[], ctx: LimitContext, at: At): LimitFinding[] {
  const first = samples.find((s) => (s.cloudcore?.throttledWaits ?? 0) > 0);
  if (!first) return [];
  const total = samples.reduce((n, s) => n + (s.cloudcore?.throttledWaits ?? 0), 0);
  const q = ctx.cloudcoreQps;
  return [
    {
      rule: 'cloudcore-throttled',
      kind: 'limit',
      atS: at(first),
      text: `cloudcore's API client was throttled from t=${at(first)} s (${count(total)} client-side waits)${q ? ` at qps ${count(q.qps)} / burst ${count(q.burst)}${q.overridden ? ', the values cloudcore set from nodeLimit at start' : ''}` : ''}`,
      evidence: [`"due to client-side throttling" in cloudcore's log: ${count(total)} times`],
    },
  ];
}

function memory(samples: readonly EvidenceSample[], at: At): LimitFinding[] {
  const run = sustainedRuns(samples, (s) => s.machine.memAvailableBytes !== null && s.machine.memAvailableBytes < LOW_MEMORY_BYTES, 3)[0];
  if (!run) return [];
  const s = samples[run[0]]!;
  return [{ rule: 'memory', kind: 'limit', atS: at(s), text: `the machine ran out of memory from t=${at(s)} s (${mib(s.machine.memAvailableBytes!)} MiB available)`, evidence: [] }];
}

function harnessLag(samples: readonly EvidenceSample[], at: At): LimitFinding[] {
  const run = sustainedRuns(samples, (s) => s.fleet.lagP99Ms > HARNESS_LAG_MS)[0];
  if (!run) return [];
  const s = samples[run[0]]!;
  return [
    {
      rule: 'harness-lag',
      kind: 'symptom',
      atS: at(s),
      text: `the shards' event loops lagged ${count(Math.round(s.fleet.lagP99Ms))} ms (p99) from t=${at(s)} s: the virtual nodes' timing was late`,
      evidence: [],
    },
  ];
}

function stalled(ctx: LimitContext): LimitFinding[] {
  const st = ctx.stall;
  if (!st) return [];
  const states = Object.entries(st.byState).filter(([k, v]) => k !== 'ready' && v > 0).map(([k, v]) => `${count(v)} ${k}`);
  return [
    {
      rule: 'ramp-stalled',
      kind: 'symptom',
      atS: Math.round((st.atMs - ctx.runStartMs) / 100) / 10,
      text: `the ramp stalled: no node became Ready for ${st.windowS} s with ${count(st.pending)} nodes pending (${count(st.ready)} Ready${states.length ? `; ${states.join(', ')}` : ''})`,
      evidence: [],
    },
  ];
}

/**
 * Mean cores per consumer over a window, the shards summed as one, largest first. What the
 * machine spent beyond the run's own processes is a consumer too: a run sharing its machine
 * must say so.
 */
export const OTHER_PROCESSES = 'other processes on this machine';

function consumers(window: readonly EvidenceSample[]): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const s of window) {
    let tracked = 0;
    for (const [name, p] of Object.entries(s.processes)) {
      const key = name.startsWith('shard-') ? 'the twinlab shards' : name === 'twinlab' ? 'the twinlab controller' : name;
      sums.set(key, (sums.get(key) ?? 0) + p.cpuCores);
      tracked += p.cpuCores;
    }
    if (s.machine.busyCores !== null) sums.set(OTHER_PROCESSES, (sums.get(OTHER_PROCESSES) ?? 0) + Math.max(0, s.machine.busyCores - tracked));
  }
  return [...sums].map(([n, v]) => [n, v / window.length] as [string, number]).filter(([, v]) => v >= 0.01).sort((a, b) => b[1] - a[1]);
}

function peaksOf(samples: readonly EvidenceSample[]): LimitsSection['peaks'] {
  const processes: Record<string, { cpuCores: number; rssBytes: number; fds: number | null; fdLimit: number | null }> = {};
  let machine: number | null = null;
  for (const s of samples) {
    if (s.machine.busyCores !== null) machine = Math.max(machine ?? 0, s.machine.busyCores);
    for (const [name, p] of Object.entries(s.processes)) {
      const q = (processes[name] ??= { cpuCores: 0, rssBytes: 0, fds: null, fdLimit: p.fdLimit });
      q.cpuCores = Math.max(q.cpuCores, p.cpuCores);
      q.rssBytes = Math.max(q.rssBytes, p.rssBytes);
      if (p.fds !== null) q.fds = Math.max(q.fds ?? 0, p.fds);
      q.fdLimit = p.fdLimit ?? q.fdLimit;
    }
  }
  return { machineBusyCores: machine, cores: samples[0]?.machine.cores ?? null, processes };
}

function meanByRole(samples: readonly EvidenceSample[]): LimitsSection['meanCpuCores'] {
  if (samples.length === 0) return null;
  const sum = { harness: 0, controlPlane: 0, testPeer: 0 };
  for (const s of samples) {
    for (const [name, p] of Object.entries(s.processes) as Array<[string, ProcessSample]>) {
      const role = processRole(name);
      if (role === 'harness') sum.harness += p.cpuCores;
      else if (role === 'test-peer') sum.testPeer += p.cpuCores;
      else sum.controlPlane += p.cpuCores;
    }
  }
  const n = samples.length;
  return { harness: round3(sum.harness / n), controlPlane: round3(sum.controlPlane / n), testPeer: round3(sum.testPeer / n) };
}

function processNames(samples: readonly EvidenceSample[]): string[] {
  const names = new Set<string>();
  for (const s of samples) for (const n of Object.keys(s.processes)) names.add(n);
  return [...names].sort();
}

function describe(name: string): string {
  if (name === 'twinlab') return 'twinlab controller';
  if (name.startsWith('shard-')) return `twinlab ${name}`;
  if (name.startsWith('loopback-peer')) return name.replace('loopback-peer', 'loopback peer');
  return name;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function fmt(cores: number): string {
  return (Math.round(cores * 100) / 100).toFixed(2);
}

function pct(cores: number): string {
  return `${Math.round(cores * 100)} %`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(0);
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
