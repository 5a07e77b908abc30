/**
 * What makes two runs comparable: the same fleet size, cloud provider, KubeEdge version, scenario,
 * certificate mode and edgecore intervals. `twinlab compare` refuses runs whose setups differ (a 10k run is not a
 * regression of a 1k run), unless told to compare them anyway. Pure: reads two summaries.
 */
import type { ComparableSummary } from './compare.js';

export type SetupField = 'nodes' | 'provider' | 'kubeedgeVersion' | 'scenario' | 'certs' | 'edgeIntervals';

/** One side of a setup; null when the summary did not record it. */
export type RunSetup = Record<SetupField, string | number | null>;

export interface SetupDifference {
  field: SetupField;
  /** How the field is named to people: the flag that sets it. */
  label: string;
  baseline: string | number | null;
  current: string | number | null;
}

const LABELS: Record<SetupField, string> = {
  nodes: 'node count (--nodes)',
  provider: 'cloud provider (--cloud)',
  kubeedgeVersion: 'KubeEdge version (--kubeedge-version)',
  scenario: 'scenario (--scenario)',
  certs: 'certificates (--certs)',
  edgeIntervals: 'edgecore intervals (--edgecore-set)',
};

const FIELDS = Object.keys(LABELS) as SetupField[];

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** The setup a summary records; a plain run's scenario is "none". */
export function setupOf(s: ComparableSummary): RunSetup {
  const requested = s.nodes.requested ?? s.options?.nodes;
  return {
    nodes: typeof requested === 'number' ? requested : null,
    provider: text(s.cloud?.provider),
    kubeedgeVersion: text(s.cloud?.kubeedgeVersion) ?? text(s.options?.kubeedgeVersion),
    // The scenario's own name, not the path it was loaded from: a built-in and its file are one scenario.
    scenario: s.scenario === undefined && s.options === undefined ? null : (text(s.scenario?.name) ?? text(s.options?.scenario) ?? 'none'),
    certs: text(s.options?.certs),
    edgeIntervals: s.options === undefined ? null : (text(s.options.edgecoreSet) ?? "edgecore's defaults"),
  };
}

/** Every field whose values differ; a field one summary lacks counts as a difference, one both lack does not. */
export function setupDifferences(baseline: ComparableSummary, current: ComparableSummary): SetupDifference[] {
  const a = setupOf(baseline);
  const b = setupOf(current);
  return FIELDS.filter((f) => a[f] !== b[f]).map((f) => ({ field: f, label: LABELS[f], baseline: a[f], current: b[f] }));
}

/** `node count (--nodes): 1000 → 10000`, one per difference. */
export function describeDifference(d: SetupDifference): string {
  const shown = (v: string | number | null): string => (v === null ? 'not recorded' : typeof v === 'number' ? v.toLocaleString('en-US') : v);
  return `${d.label}: ${shown(d.baseline)} → ${shown(d.current)}`;
}
