/**
 * capacity.json: everything a sweep measured and concluded, rebuilt after every step so an
 * interrupted sweep still leaves its finished steps, their models and what they say.
 */
import { fitModels, type CostModel } from './cost-model.js';
import { findKnee, type Knee } from './knee.js';
import { project, type Budget, type Projection } from './projection.js';
import type { StepPlan } from './sweep-plan.js';
import type { StepMeasurement } from './step-measurement.js';

export interface ArmResult {
  /** `baseline`, or `compare` (the --compare-config sweep). */
  name: string;
  /** cloudcore fields this arm set (--cloudcore-set, plus --compare-config for `compare`). */
  cloudcoreSet: string[];
  steps: StepMeasurement[];
  models: CostModel[];
  knee: Knee;
  projection: Projection | null;
}

export interface CapacityResult {
  twinlabVersion: string;
  startedAt: string;
  /** Wall time of the sweep so far, seconds. */
  wallSeconds: number;
  command: string;
  cloud: 'local' | 'attach';
  plan: StepPlan[];
  steadySeconds: number;
  timeScale: number;
  podsPerNode: number;
  target: number | null;
  budget: Budget | null;
  /** Every planned step ran. */
  complete: boolean;
  interrupted: boolean;
  /** Whether steps share a control plane, and why. */
  controlPlanePerStep: string;
  /** How cloudcore's nodeLimit RSS term was separated from its per-node term. */
  nodeLimitSeparation: string;
  /** How busy the machine was with processes outside the sweep, over the steps' windows. */
  machineLoad: { cores: number | null; otherCoresMean: number | null; otherCoresMax: number | null; note: string };
  arms: ArmResult[];
}

export const FRESH_CONTROL_PLANE =
  'Each step starts its own control plane (a fresh etcd, kube-apiserver, kube-controller-manager and cloudcore, exactly as one `twinlab sim` run does) and measures only its own steady window. ' +
  'Reusing one control plane would carry the previous step\'s objects, etcd history, caches and heap into the next step and would fix nodeLimit for the whole sweep; a fresh start costs the control plane\'s start time per step and makes every step an ordinary, independently reproducible run directory.';

export interface BuildInput {
  header: Omit<CapacityResult, 'arms' | 'machineLoad' | 'complete'>;
  arms: Array<{ name: string; cloudcoreSet: string[] }>;
  steps: readonly StepMeasurement[];
}

export function buildResult(input: BuildInput): CapacityResult {
  const arms = input.arms.map((a): ArmResult => {
    const steps = input.steps.filter((s) => s.arm === a.name);
    const models = fitModels(steps, a.name);
    const curveSteps = steps.filter((s) => !s.separatesNodeLimit);
    return {
      name: a.name,
      cloudcoreSet: a.cloudcoreSet,
      steps,
      models,
      knee: findKnee(steps),
      projection: input.header.target !== null && curveSteps.length > 0 ? project(models, steps, a.name, input.header.target, input.header.budget) : null,
    };
  });
  const others = input.steps.map((s) => s.machine.otherCoresMean).filter((v): v is number => v !== null);
  const cores = input.steps.find((s) => s.machine.cores !== null)?.machine.cores ?? null;
  const meanOthers = others.length > 0 ? others.reduce((a, b) => a + b, 0) / others.length : null;
  const maxOthers = others.length > 0 ? Math.max(...others) : null;
  const note =
    meanOthers === null
      ? 'The machine\'s load outside the sweep was not sampled.'
      : `Other processes on this machine used ${meanOthers.toFixed(2)} of ${cores ?? '?'} cores on average during the steps' windows (at most ${maxOthers!.toFixed(2)})` +
        (meanOthers >= 0.25 * (cores ?? 1) ? ': the machine was shared, so these figures carry its load and are not a measurement of the control plane alone.' : '.');
  const sharedSteps = input.steps.filter((s) => s.sharedMachine !== null).length;
  const sharedNote = sharedSteps > 0 ? ` In ${sharedSteps} of ${input.steps.length} steps the machine's CPU was saturated with processes outside the sweep as the largest consumer; the knee does not count that as this setup's limit, but every figure of those steps carries it.` : '';
  const done = input.steps.length;
  return {
    ...input.header,
    complete: done === input.header.plan.length && !input.header.interrupted,
    machineLoad: { cores, otherCoresMean: meanOthers, otherCoresMax: maxOthers, note: note + sharedNote },
    arms,
  };
}
