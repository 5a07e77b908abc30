/**
 * Load a scenario: YAML → schema → cross-checks (groups exist and fit, SLO thresholds parse,
 * phase names unique). Every failure is a ScenarioInvalidError whose message starts with
 * `file:line:col` of the offending value, so an editor can jump to it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ScenarioInvalidError, isTwinlabError } from '../errors.js';
import { parseThreshold } from '../record/slo.js';
import { THERMOMETER_PLC_POINTS } from '../workload/device-objects.js';
import { PHASE_KINDS, scenarioSchema, type Phase, type Scenario } from './scenario-schema.js';

/** A scenario ready to run: phases named, groups resolved to node index ranges for the fleet size. */
export interface LoadedScenario {
  scenario: Scenario;
  /** The file it came from, or `built-in:<name>`. */
  source: string;
  phases: Array<Phase & { name: string }>;
  groups: Map<string, NodeRange>;
}

export interface NodeRange {
  first: number;
  count: number;
}

export interface ScenarioOverrides {
  nodes?: number;
}

const BUILT_IN_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scenarios');

export function builtInScenarioDir(): string {
  return BUILT_IN_DIR;
}

/** `name` of a built-in, or a path to a YAML file. */
export function resolveScenarioPath(ref: string): { file: string; source: string } {
  if (/^[a-z][a-z0-9-]*$/.test(ref)) return { file: path.join(BUILT_IN_DIR, `${ref}.yaml`), source: `built-in:${ref}` };
  return { file: path.resolve(ref), source: ref };
}

export function loadScenarioFile(ref: string, overrides: ScenarioOverrides = {}): LoadedScenario {
  const { file, source } = resolveScenarioPath(ref);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
    throw new ScenarioInvalidError(`${file}: cannot read scenario (${why})`, { file });
  }
  return parseScenario(text, file, source, overrides);
}

/** Parse and check scenario text; `file` is used in messages only. */
export function parseScenario(text: string, file: string, source = file, overrides: ScenarioOverrides = {}): LoadedScenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): string => {
    const p = lines.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  const yamlError = doc.errors[0];
  if (yamlError) {
    throw new ScenarioInvalidError(`${at(yamlError.pos[0])}: not valid YAML: ${yamlError.message.split('\n')[0]}`, { file, ...posOf(lines, yamlError.pos[0]) });
  }
  const result = scenarioSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw invalidAt(doc, lines, file, issue.path, describeIssue(issue));
  }
  const scenario = result.data;
  if (overrides.nodes !== undefined) scenario.fleet.nodes = overrides.nodes;

  let groups: Map<string, NodeRange>;
  try {
    groups = resolveGroups(scenario);
  } catch (e) {
    if (!isTwinlabError(e)) throw e;
    throw invalidAt(doc, lines, file, ['fleet', 'groups'], e.message);
  }
  const used = new Map<string, number>();
  const phases = scenario.timeline.map((phase, i) => {
    if ('group' in phase && !groups.has(phase.group)) {
      const known = ['all', ...[...groups.keys()].filter((g) => g !== 'all')].join(', ');
      throw invalidAt(doc, lines, file, ['timeline', i, 'group'], `unknown group ${JSON.stringify(phase.group)} (known: ${known})`);
    }
    if (phase.phase === 'devices') {
      const why = devicesPhaseProblem(scenario, phase);
      if (why) throw invalidAt(doc, lines, file, ['timeline', i, ...why.path], why.reason);
    }
    const base = phase.name ?? phase.phase;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    if (phase.name !== undefined && n > 1) throw invalidAt(doc, lines, file, ['timeline', i, 'name'], `phase name ${JSON.stringify(base)} is used twice`);
    return { ...phase, name: n === 1 ? base : `${base}-${n}` };
  });
  scenario.slos.forEach((slo, i) => {
    try {
      parseThreshold(slo.threshold, `slos[${i}]`);
    } catch (e) {
      throw invalidAt(doc, lines, file, ['slos', i, 'threshold'], e instanceof Error ? e.message.replace(/^slos\[\d+\]: /, '') : String(e));
    }
  });
  return { scenario, source, phases, groups };
}

/** What is wrong with a devices phase given the scenario's `devices` section: the path under the phase and why; undefined when fine. */
function devicesPhaseProblem(scenario: Scenario, phase: Extract<Phase, { phase: 'devices' }>): { path: Array<string | number>; reason: string } | undefined {
  const d = scenario.devices;
  if (!d) return { path: ['phase'], reason: 'a devices phase needs a top-level `devices:` section (perNode, protocol)' };
  const f = phase.fault;
  const other = d.protocol === 'modbus' ? (['soapFaultRate'] as const) : (['jitter', 'exceptionRate'] as const);
  for (const key of other) {
    if (f?.[key] !== undefined) return { path: ['fault', key], reason: `${key} does not apply to ${d.protocol} devices (modbus: latency, jitter, exceptionRate, dropRate; onvif: latency, soapFaultRate, dropRate)` };
  }
  if (phase.desired) {
    if (d.protocol !== 'modbus') return { path: ['desired'], reason: 'desired values need modbus devices: the ONVIF properties are read-only' };
    const writable = THERMOMETER_PLC_POINTS.filter((p) => p.access === 'ReadWrite').map((p) => p.name);
    if (!writable.includes(phase.desired.property)) {
      return { path: ['desired', 'property'], reason: `${JSON.stringify(phase.desired.property)} is not a writable property of the fake Modbus devices (writable: ${writable.join(', ')})` };
    }
  }
  return undefined;
}

/** Groups take consecutive node indices in file order; `all` is the whole fleet. */
export function resolveGroups(scenario: Scenario): Map<string, NodeRange> {
  const nodes = scenario.fleet.nodes;
  const out = new Map<string, NodeRange>([['all', { first: 0, count: nodes }]]);
  let next = 0;
  for (const g of scenario.fleet.groups) {
    if (out.has(g.name)) throw new ScenarioInvalidError(`group ${JSON.stringify(g.name)} is defined twice`, { file: '' });
    const count = g.count ?? Math.max(1, Math.round((g.share ?? 0) * nodes));
    if (next + count > nodes) {
      throw new ScenarioInvalidError(`groups need ${next + count} nodes but the fleet has ${nodes} (group ${JSON.stringify(g.name)})`, { file: '' });
    }
    out.set(g.name, { first: next, count });
    next += count;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return `unknown phase; expected one of ${PHASE_KINDS.join(', ')}`;
  }
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) return `missing required field (${issue.message.replace(/^Invalid input: /, '')})`;
  return issue.message;
}

function posOf(lines: LineCounter, offset: number): { line: number; column: number } {
  const p = lines.linePos(offset);
  return { line: p.line, column: p.col };
}

/** Point at the deepest node of `issuePath` that exists in the document. */
function invalidAt(doc: Document, lines: LineCounter, file: string, issuePath: ReadonlyArray<PropertyKey>, reason: string): ScenarioInvalidError {
  const keys = issuePath.map((k) => (typeof k === 'symbol' ? String(k) : k)) as Array<string | number>;
  let offset = 0;
  for (let depth = keys.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(keys.slice(0, depth), true);
    if (isNode(node) && node.range) {
      offset = node.range[0];
      break;
    }
  }
  const p = lines.linePos(offset);
  const dotted = keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
  return new ScenarioInvalidError(`${file}:${p.line}:${p.col}: ${dotted ? `${dotted}: ` : ''}${reason}`, { file, line: p.line, column: p.col, path: dotted });
}
