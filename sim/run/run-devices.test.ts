/**
 * Where a run's devices come from: the scenario's section (perNode overridable by the flag), or
 * `--devices-per-node`/`--device-protocol` alone with the built-in scenario's cycles.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isTwinlabError } from '../errors.js';
import type { DevicesConfig } from '../scenario/scenario-schema.js';
import { runDevicesConfig } from './run-devices.js';
import { parseSimOptions, recordedOptions } from './sim-options.js';

const SCENARIO: DevicesConfig = { perNode: 2, protocol: 'modbus', collectCycle: 400, reportCycle: 400, stateReportCycle: 1200, layout: 'unit-ids', seed: 1 };

describe('run devices config', () => {
  it('no devices unless a flag or the scenario asks', () => {
    expect(runDevicesConfig(parseSimOptions([]), undefined)).toBeUndefined();
    expect(runDevicesConfig(parseSimOptions(['--devices-per-node', '0']), undefined)).toBeUndefined();
  });

  it('flags alone: the built-in cycles, scaled with --time-scale', () => {
    const o = parseSimOptions(['--devices-per-node', '3', '--device-protocol', 'onvif', '--time-scale', '0.1']);
    expect(runDevicesConfig(o, undefined)).toEqual({ perNode: 3, protocol: 'onvif', collectCycle: 2000, reportCycle: 2000, stateReportCycle: 6000, layout: 'unit-ids', seed: 1 });
    expect(recordedOptions(o)).toMatchObject({ devicesPerNode: 3, deviceProtocol: 'onvif' });
  });

  it("the scenario's section, perNode from the flag", () => {
    expect(runDevicesConfig(parseSimOptions([]), SCENARIO)).toBe(SCENARIO);
    expect(runDevicesConfig(parseSimOptions(['--devices-per-node', '5']), SCENARIO)).toEqual({ ...SCENARIO, perNode: 5 });
  });

  it("refuses another protocol than the scenario's, and bad flag values", () => {
    const codeOf = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (isTwinlabError(e)) return `${e.code}: ${e.message}`;
        throw e;
      }
      return 'accepted';
    };
    expect(codeOf(() => runDevicesConfig(parseSimOptions(['--device-protocol', 'onvif']), SCENARIO))).toMatch(new RegExp(`^${ErrorCodes.ConfigInvalid}: --device-protocol onvif: the scenario's devices are modbus`));
    expect(codeOf(() => parseSimOptions(['--device-protocol', 'bacnet']))).toMatch(/--device-protocol must be modbus or onvif/);
    expect(codeOf(() => parseSimOptions(['--devices-per-node', '101']))).toMatch(/--devices-per-node "101" must be a whole number from 0 to 100/);
    expect(codeOf(() => parseSimOptions(['--cloud', 'attach', '--cloudhub', 'wss://h:10000', '--certs-url', 'https://h:10002', '--devices-per-node', '1']))).toMatch(/needs --kubeconfig/);
  });
});
