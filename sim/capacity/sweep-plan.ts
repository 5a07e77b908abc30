/**
 * Which runs a capacity sweep makes. cloudcore preallocates memory per unit of nodeLimit, so a
 * nodeLimit that grows with N would make the per-node and per-nodeLimit terms of its RSS
 * inseparable. The plan holds nodeLimit fixed across the steps (the largest step plus a margin)
 * and adds one step at the smallest N under a second, larger nodeLimit: the steps at the fixed
 * limit give the per-node slope, the extra step the per-nodeLimit one.
 */

export interface StepPlan {
  arm: string;
  nodes: number;
  nodeLimit: number | null;
  /** The step that only varies nodeLimit (excluded from the models that have no nodeLimit term). */
  separatesNodeLimit: boolean;
}

export interface PlanInput {
  steps: readonly number[];
  /** nodeLimit the user fixed (--cloudcore-set modules.cloudHub.nodeLimit=…); the sweep then cannot vary it. */
  fixedNodeLimit: number | undefined;
  /** attach: the user's cloudcore runs with its own nodeLimit, which the sweep cannot set. */
  canSetNodeLimit: boolean;
}

/** How much bigger the separation step's nodeLimit is than the sweep's. */
export const SEPARATION_FACTOR = 4;

/** The sweep's nodeLimit: room for the largest step, never below cloudcore's usual 1000. */
export function sweepNodeLimit(steps: readonly number[]): number {
  return Math.max(1000, Math.ceil((Math.max(...steps) + 100) / 100) * 100);
}

export function planSweep(input: PlanInput, arm: string): StepPlan[] {
  const steps = [...new Set(input.steps)].sort((a, b) => a - b);
  if (!input.canSetNodeLimit) return steps.map((nodes) => ({ arm, nodes, nodeLimit: null, separatesNodeLimit: false }));
  const limit = input.fixedNodeLimit ?? sweepNodeLimit(steps);
  const plan = steps.map((nodes) => ({ arm, nodes, nodeLimit: limit, separatesNodeLimit: false }));
  if (input.fixedNodeLimit === undefined) plan.push({ arm, nodes: steps[0]!, nodeLimit: limit * SEPARATION_FACTOR, separatesNodeLimit: true });
  return plan;
}

/** How the plan separated the two terms, in one sentence for the report. */
export function separationNote(plan: readonly StepPlan[]): string {
  const extra = plan.find((p) => p.separatesNodeLimit);
  const main = plan.find((p) => !p.separatesNodeLimit);
  if (!main || main.nodeLimit === null) return "cloudcore's nodeLimit is its own (attach): the sweep cannot vary it, so cloudcore's RSS is fitted as a + b·N and the nodeLimit share sits in a.";
  if (!extra) return `nodeLimit was fixed at ${main.nodeLimit} for every step (given with --cloudcore-set), so the nodeLimit share of cloudcore's RSS sits in the intercept a.`;
  return `nodeLimit was held at ${main.nodeLimit} for every step (so N alone moves between them), and one more step ran ${extra.nodes} nodes at nodeLimit ${extra.nodeLimit}: that step alone moves nodeLimit, which separates cloudcore's per-nodeLimit RSS from its per-node RSS.`;
}
