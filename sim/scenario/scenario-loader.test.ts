import { describe, expect, it } from 'vitest';
import { ErrorCodes, isTwinlabError } from '../errors.js';
import { listBuiltInScenarios } from './scenarios-command.js';
import { loadScenarioFile, parseScenario } from './scenario-loader.js';

function invalid(text: string): { message: string; code: string; line: unknown } {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (e) {
    if (isTwinlabError(e)) return { message: e.message, code: e.code, line: e.context.line };
    throw e;
  }
  throw new Error('expected the scenario to be rejected');
}

const BASE = `name: t
description: a test
fleet:
  nodes: 10
  groups:
    - name: east
      share: 30%
timeline:
  - phase: ramp
`;

describe('scenario loader', () => {
  it('resolves groups to consecutive node ranges and names phases', () => {
    const s = parseScenario(`${BASE}  - phase: storm\n  - phase: storm\n    jitter: 5s\n  - phase: partition\n    group: east\n    duration: 2m\n`, 'ok.yaml');
    expect(s.groups.get('all')).toEqual({ first: 0, count: 10 });
    expect(s.groups.get('east')).toEqual({ first: 0, count: 3 });
    expect(s.phases.map((p) => p.name)).toEqual(['ramp', 'storm', 'storm-2', 'partition']);
    const partition = s.phases[3]!;
    expect(partition.phase === 'partition' && partition.duration).toBe(120_000);
    expect(s.scenario.grace).toBe(30_000);
  });

  it('names the file, line and column of an unknown group', () => {
    const e = invalid(`${BASE}  - phase: partition\n    group: west\n    duration: 10s\n`);
    expect(e.code).toBe(ErrorCodes.ScenarioInvalid);
    expect(e.message).toMatch(/^bad\.yaml:11:12: timeline\[1\]\.group: unknown group "west" \(known: all, east\)/);
    expect(e.line).toBe(11);
  });

  it('rejects a duration without a unit where it stands', () => {
    const e = invalid(`${BASE}  - phase: steady\n    duration: 10\n`);
    expect(e.message).toMatch(/^bad\.yaml:11:15: timeline\[1\]\.duration: a duration with a unit/);
  });

  it('rejects an unknown phase and unknown fields', () => {
    expect(invalid(`${BASE}  - phase: explode\n`).message).toMatch(/^bad\.yaml:10:12: timeline\[1\]\.phase: unknown phase; expected one of ramp, steady, .*, heal, devices$/);
    expect(invalid(`${BASE}  - phase: steady\n    duration: 1s\n    speed: 3\n`).message).toMatch(/timeline\[1\]: unknown field "speed"/);
  });

  it('rejects groups that do not fit the fleet and bad SLO thresholds', () => {
    expect(invalid(BASE.replace('share: 30%', 'count: 11')).message).toMatch(/fleet\.groups: groups need 11 nodes but the fleet has 10/);
    expect(invalid(`${BASE}slos:\n  - sli: ledger_lost\n    threshold: less than 3\n`).message).toMatch(/^bad\.yaml:12:16: slos\[0\]\.threshold: threshold "less than 3" is not k6 syntax/);
  });

  it('reads a devices section with its defaults and a devices phase with a fault and a desired value', () => {
    const s = parseScenario(
      `${BASE}  - phase: devices\n    group: east\n    duration: 1m\n    fault:\n      latency: 200ms\n      jitter: 50ms\n      exceptionRate: 0.1\n      dropRate: 0.02\n    desired:\n      property: humidity\n      value: "55.5"\ndevices:\n  perNode: 2\n`,
      'ok.yaml',
    );
    expect(s.scenario.devices).toEqual({ perNode: 2, protocol: 'modbus', collectCycle: 20_000, reportCycle: 20_000, stateReportCycle: 60_000, layout: 'unit-ids', seed: 1 });
    expect(s.phases[1]).toEqual({
      phase: 'devices',
      name: 'devices',
      group: 'east',
      duration: 60_000,
      fault: { latency: 200, jitter: 50, exceptionRate: 0.1, dropRate: 0.02 },
      desired: { property: 'humidity', value: '55.5' },
      timeout: 300_000,
    });
  });

  it('checks a devices phase against the devices section, where it stands', () => {
    const phase = `${BASE}  - phase: devices\n    duration: 10s\n`;
    expect(invalid(phase).message).toMatch(/^bad\.yaml:10:12: timeline\[1\]\.phase: a devices phase needs a top-level `devices:` section/);
    const e = invalid(`${phase}    fault:\n      soapFaultRate: 0.5\ndevices:\n  perNode: 1\n`);
    expect(e.message).toMatch(/^bad\.yaml:13:22: timeline\[1\]\.fault\.soapFaultRate: soapFaultRate does not apply to modbus devices/);
    expect(e.line).toBe(13);
    expect(invalid(`${phase}    fault:\n      exceptionRate: 0.5\ndevices:\n  perNode: 1\n  protocol: onvif\n`).message).toMatch(/fault\.exceptionRate: exceptionRate does not apply to onvif devices/);
    expect(invalid(`${phase}    desired:\n      property: humidity\n      value: "1"\ndevices:\n  perNode: 1\n  protocol: onvif\n`).message).toMatch(/timeline\[1\]\.desired: desired values need modbus devices/);
    expect(invalid(`${phase}    desired:\n      property: temperature\n      value: "1"\ndevices:\n  perNode: 1\n`).message).toMatch(
      /^bad\.yaml:13:17: timeline\[1\]\.desired\.property: "temperature" is not a writable property of the fake Modbus devices \(writable: humidity, targetTemperature, relay\)/,
    );
    expect(invalid(`${phase}devices:\n  perNode: 0\n`).message).toMatch(/devices\.perNode: /);
    expect(invalid(`${phase}devices:\n  perNode: 1\n  protocol: bacnet\n`).message).toMatch(/devices\.protocol: /);
  });

  it('reads a restart-cloud phase with its defaults; observe and downtime keep their unit, a bad signal is named where it stands', () => {
    const s = parseScenario(`${BASE}  - phase: restart-cloud\n    signal: SIGKILL\n    downtime: 10s\n    podChanges: 5\n  - phase: restart-cloud\n`, 'ok.yaml');
    expect(s.phases[1]).toEqual({ phase: 'restart-cloud', name: 'restart-cloud', signal: 'SIGKILL', downtime: 10_000, podChanges: 5, configMapChanges: 0, observe: 100_000, timeout: 300_000 });
    expect(s.phases[2]).toMatchObject({ signal: 'SIGTERM', downtime: 0, podChanges: 0 });
    expect(s.scenario.edge.leasePhase).toBe('after-register');
    const bad = invalid(`${BASE}  - phase: restart-cloud\n    signal: SIGHUP\n`);
    expect(bad.code).toBe(ErrorCodes.ScenarioInvalid);
    expect(bad.line).toBe(11);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(invalid('name: [unclosed\n').message).toMatch(/^bad\.yaml:\d+:\d+: not valid YAML/);
  });

  it('a --nodes override rescales share groups', () => {
    const s = loadScenarioFile('flapping', { nodes: 20 });
    expect(s.scenario.fleet.nodes).toBe(20);
    expect(s.groups.get('flappers')).toEqual({ first: 0, count: 6 });
  });

  it('every built-in scenario loads and has a description', () => {
    const all = listBuiltInScenarios();
    expect(all.map((s) => s.name)).toEqual(['cloud-restart', 'devices', 'flapping', 'half-open', 'join-storm', 'offline-autonomy', 'partition', 'reconnect-storm', 'soak', 'steady']);
    for (const s of all) expect(s.description.length).toBeGreaterThan(20);
  });
});
