/**
 * The knee of a sweep: the first step (by node count) where an SLO breached, nodes did not all
 * get Ready, a control-plane component or the machine passed 90 % of the CPU it can have over the
 * steady window, cloudcore's API client was throttled in it, or the run's "what held the fleet
 * back" rules named a limit. The step before it
 * is what the setup holds. CPU saturation or throttling during a step's ramp (enrolment,
 * registration) that did not last into its window is reported beside the knee, not as one.
 */
import { COMPONENTS, type StepMeasurement } from './step-measurement.js';

/** A component at this share of the cores it can have is saturated. */
export const CPU_KNEE_SHARE = 0.9;

/** cloudcore's client throttled in this many of a window's (1 s) samples is held back by it; a lone wait is not. */
export const THROTTLED_KNEE_SAMPLES = 3;

export interface KneeReason {
  kind: 'limit' | 'cpu' | 'not-ready' | 'error' | 'slo' | 'symptom' | 'shared-machine' | 'ramp';
  text: string;
}

export interface Knee {
  /** The largest step below the knee; null when the knee is the first step. */
  holdsNodes: number | null;
  /** The step where the first limit showed; null when every step held. */
  kneeNodes: number | null;
  /** The first limit, named; null when every step held. */
  firstLimit: string | null;
  /** Everything that went wrong at the knee step. */
  reasons: KneeReason[];
  sentence: string;
}

/**
 * `cpuAllowance` is the cores a component can have: the machine's for a process the run started;
 * null (not checked) for a component seen only through its metrics.
 */
export function findKnee(steps: readonly StepMeasurement[], cpuAllowance: (s: StepMeasurement, component: string) => number | null = defaultAllowance): Knee {
  const ordered = steps.filter((s) => !s.separatesNodeLimit).sort((a, b) => a.nodes - b.nodes);
  for (let i = 0; i < ordered.length; i++) {
    const s = ordered[i]!;
    const reasons = reasonsAt(s, cpuAllowance);
    if (reasons.length === 0) continue;
    const holds = i > 0 ? ordered[i - 1]!.nodes : null;
    // With no limit of its own, a step on a machine that other processes saturated was held back by that machine.
    const own = reasons[0]!.kind === 'limit' || reasons[0]!.kind === 'cpu';
    const first = !own && s.sharedMachine ? `the machine's CPU, saturated mostly by processes outside the sweep (${reasons[0]!.text})` : reasons[0]!.text;
    const sentence =
      holds !== null
        ? `This setup holds about ${holds} nodes; the first limit is ${first} (at ${s.nodes} nodes).`
        : `This setup holds fewer than ${s.nodes} nodes, the smallest step; the first limit is ${first}.`;
    return { holdsNodes: holds, kneeNodes: s.nodes, firstLimit: first, reasons, sentence };
  }
  const largest = ordered.at(-1)?.nodes ?? null;
  const ramps = ordered.filter((s) => s.rampLimit !== null);
  const rampNote =
    ramps.length === 0
      ? ''
      : ` The ramp hit a limit at ${ramps.length === ordered.length ? 'every step' : `${ramps.length} of ${ordered.length} steps`} (at ${ramps[0]!.nodes} nodes: ${ramps[0]!.rampLimit!.rule}: ${ramps[0]!.rampLimit!.text}), and every node still got Ready.`;
  return {
    holdsNodes: largest,
    kneeNodes: null,
    firstLimit: null,
    reasons: ramps.length > 0 ? [{ kind: 'ramp', text: `${ramps[0]!.rampLimit!.rule}: ${ramps[0]!.rampLimit!.text}` }] : [],
    sentence:
      largest === null
        ? 'No step was measured.'
        : `This setup held every step up to ${largest} nodes in its steady window; no limit was reached, so the knee lies beyond the largest step.${rampNote}`,
  };
}

/** What went wrong at one step, the run's own diagnosis first. */
export function reasonsAt(s: StepMeasurement, cpuAllowance: (s: StepMeasurement, component: string) => number | null = defaultAllowance): KneeReason[] {
  const reasons: KneeReason[] = [];
  if (s.firstLimit) reasons.push({ kind: 'limit', text: `${s.firstLimit.rule}: ${s.firstLimit.text}` });
  for (const name of COMPONENTS) {
    const c = s.components[name];
    const allowance = cpuAllowance(s, name);
    if (!c || c.cpuCoresMean === null || allowance === null) continue;
    if (c.cpuCoresMean >= CPU_KNEE_SHARE * allowance) {
      reasons.push({ kind: 'cpu', text: `${name} CPU at ${c.cpuCoresMean.toFixed(2)} of the ${allowance} cores it can have (≥ ${CPU_KNEE_SHARE * 100} %)` });
    }
  }
  const { cores, busyCoresMean, otherCoresMean } = s.machine;
  if (cores !== null && busyCoresMean !== null && busyCoresMean >= CPU_KNEE_SHARE * cores && (otherCoresMean ?? 0) < busyCoresMean / 2) {
    reasons.push({ kind: 'cpu', text: `the machine's CPU at ${busyCoresMean.toFixed(2)} of ${cores} cores over the steady window (≥ ${CPU_KNEE_SHARE * 100} %)` });
  }
  const throttled = s.cloudcoreThrottled;
  if (throttled && throttled.samples >= THROTTLED_KNEE_SAMPLES) {
    reasons.push({
      kind: 'limit',
      text: `cloudcore-throttled: cloudcore's API client waited on its own rate limit ${throttled.waits} times, in ${throttled.samples} of the steady window's samples`,
    });
  }
  if (s.ready < s.nodes) reasons.push({ kind: 'not-ready', text: `only ${s.ready} of ${s.nodes} nodes Ready` });
  if (s.error && s.error.code !== 'TWL_INTERRUPTED') reasons.push({ kind: 'error', text: `the run failed: ${s.error.code}: ${s.error.message}` });
  for (const slo of s.failedSlos) reasons.push({ kind: 'slo', text: `SLO ${slo.name} breached (${slo.value ?? 'no data'} against ${slo.threshold})` });
  // What the run showed and whose machine it was explain a knee; alone they do not make one.
  if (reasons.length > 0) {
    if (s.rampLimit) reasons.push({ kind: 'ramp', text: `during the ramp, ${s.rampLimit.rule}: ${s.rampLimit.text}` });
    for (const t of s.symptoms) reasons.push({ kind: 'symptom', text: t });
    if (s.sharedMachine) reasons.push({ kind: 'shared-machine', text: s.sharedMachine });
  }
  return reasons;
}

/** A process the run started can have every core of the machine; a scraped one's share is unknown. */
function defaultAllowance(s: StepMeasurement, component: string): number | null {
  const c = s.components[component as keyof StepMeasurement['components']];
  return c?.source === 'proc' ? s.machine.cores : null;
}
