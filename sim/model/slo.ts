/**
 * SLIs, SLOs and their verdicts as a run records and reports them. An SLI is a named set of samples
 * (percentiles), a histogram, or a single value; an SLO is a k6 threshold on one (`p(99)<=5000`).
 * Choosing, parsing and judging them is sim/record/slo.ts.
 */
import type { HistogramSnapshot } from './bucket-histogram.js';

export interface SliSamples {
  kind: 'samples';
  values: readonly number[];
}

export interface SliValue {
  kind: 'value';
  value: number | null;
}

/** A fixed-bucket histogram (large sample counts); percentiles interpolate inside the bucket, capped at the largest value seen. */
export interface SliHistogram {
  kind: 'histogram';
  snapshot: HistogramSnapshot;
  max: number;
}

export type Sli = SliSamples | SliValue | SliHistogram;

export interface SloSpec {
  sli: string;
  /** k6 threshold text, e.g. `p(99)<=5000`. */
  threshold: string;
  /** k6's behaviour: the SLO passes when its SLI has no data. Without it, no data fails. */
  optional?: boolean;
  /** `default`: added to every run by the verdict (README, "Verdicts"); absent: given by the user or the scenario. */
  origin?: 'default';
}

export interface SloResult {
  name: string;
  sli: string;
  threshold: string;
  value: number | null;
  /** True only when the SLI has data that meets the threshold, or has none and the SLO is optional. */
  pass: boolean;
  /** Why a value is missing: `no data`, or `not within N s` for a recovery that never happened. Null when there is a value. */
  reason?: string | null;
  optional?: boolean;
  origin?: 'default';
}

/** Why an SLI has no value, when the run can say more than "no data" (a recovery's wait window). */
export type MissingReasons = Readonly<Record<string, string>>;

export interface RunShape {
  /** The run created pods (or was asked to). */
  pods: boolean;
  /** Pods went through a real API server (not the loopback test peer). */
  apiWorkload: boolean;
  /** The scenario broke links or stopped processes on purpose. */
  disruptions?: boolean;
}
