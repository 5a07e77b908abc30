import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ErrorCodes, TwinlabError } from '../../errors.js';
import { cloudcoreConfig } from './cloudcore-config.js';
import { CLOUDCORE_KNOBS } from './cloudcore-defaults.js';
import { parseCloudcoreSet } from './cloudcore-knobs.js';
import { configLeaves } from './config-path.js';

function failure(values: string[]): TwinlabError {
  try {
    parseCloudcoreSet(values);
  } catch (e) {
    if (e instanceof TwinlabError) return e;
    throw e;
  }
  throw new Error(`parseCloudcoreSet(${JSON.stringify(values)}) did not throw`);
}

const runDir = '/tmp/twinlab-run-x';
const input = {
  runDir,
  kubeconfigPath: `${runDir}/admin.kubeconfig`,
  edgeCaCert: `${runDir}/pki/edge-ca.crt`,
  edgeCaKey: `${runDir}/pki/edge-ca.key`,
  websocketPort: 41000,
  httpsPort: 41002,
  monitorPort: 41091,
  nodeLimit: 2500,
};

describe('--cloudcore-set parsing', () => {
  it('parses numbers and booleans as the field is typed, in the order given', () => {
    const set = parseCloudcoreSet(['modules.edgeController.buffer.queryNode=2048', 'kubeAPIConfig.qps=500', 'modules.deviceController.enable=false', 'modules.cloudHub.nodeLimit=3000']);
    expect(set).toEqual({ 'modules.edgeController.buffer.queryNode': 2048, 'kubeAPIConfig.qps': 500, 'modules.deviceController.enable': false, 'modules.cloudHub.nodeLimit': 3000 });
    expect(Object.keys(set)[0]).toBe('modules.edgeController.buffer.queryNode');
  });

  it('refuses an unknown field, naming the flag, the path and the fields settable near it', () => {
    const e = failure(['modules.edgeController.buffer.queryNodes=1']);
    expect(e.code).toBe(ErrorCodes.ConfigInvalid);
    expect(e.message).toContain('--cloudcore-set modules.edgeController.buffer.queryNodes');
    expect(e.message).toContain('settable under modules.edgeController.buffer:');
    expect(e.message).toContain('queryNode');
    const far = failure(['nosuch.section=1']).message;
    expect(far).toContain('settable fields are in commonConfig.monitorServer, kubeAPIConfig, modules.cloudHub, modules.edgeController');
  });

  it('refuses a section, which is not a scalar', () => {
    expect(failure(['modules.edgeController.buffer=1']).message).toContain('is a section, not a scalar field');
  });

  it('refuses the paths, addresses and ports the provider writes, so nothing points at the host', () => {
    for (const key of ['modules.cloudHub.tlsCAFile', 'kubeAPIConfig.kubeConfig', 'modules.cloudHub.websocket.port', 'modules.cloudHub.unixsocket.address', 'modules.iptablesManager.enable', 'commonConfig.monitorServer.bindAddress']) {
      const e = failure([`${key}=1`]);
      expect(e.message, key).toContain('written by the local provider');
      expect(e.message, key).toContain(`--cloudcore-set ${key}`);
    }
  });

  it('offers no string field at all: every knob is a number or a boolean', () => {
    expect(Object.values(CLOUDCORE_KNOBS).every((s) => s.kind === 'int' || s.kind === 'bool')).toBe(true);
    const written = new Set(configLeaves(cloudcoreConfig(input)).filter(([, v]) => typeof v === 'string').map(([k]) => k.replace(/\[\d+\]$/, '')));
    expect(Object.keys(CLOUDCORE_KNOBS).filter((k) => written.has(k))).toEqual([]);
  });

  it('refuses a value of the wrong type or out of range, saying what is expected', () => {
    expect(failure(['kubeAPIConfig.qps=fast']).message).toBe(
      '--cloudcore-set kubeAPIConfig.qps="fast": expected a whole number from 1 to 2147483647 (cloudcore\'s default 2500)',
    );
    expect(failure(['kubeAPIConfig.qps=0']).message).toContain('from 1 to');
    expect(failure(['modules.edgeController.buffer.queryNode=1.5']).message).toContain('expected a whole number');
    expect(failure(['modules.edgeController.load.queryNodeWorkers=0']).message).toContain('from 1 to');
    expect(failure(['modules.cloudHub.nodeLimit=200000000']).message).toContain('from 1 to 100000000');
    expect(failure(['modules.deviceController.enable=yes']).message).toContain("expected true or false (cloudcore's default true)");
    expect(parseCloudcoreSet(['modules.edgeController.buffer.queryNode=0'])).toEqual({ 'modules.edgeController.buffer.queryNode': 0 });
  });

  it('refuses a malformed item and a field given twice with different values', () => {
    expect(failure(['kubeAPIConfig.qps']).message).toContain('expected key.path=value');
    expect(failure(['=5']).message).toContain('expected key.path=value');
    expect(failure(['kubeAPIConfig.qps=5', 'kubeAPIConfig.qps=6']).message).toContain('given twice');
    expect(parseCloudcoreSet(['kubeAPIConfig.qps=5', 'kubeAPIConfig.qps=5'])).toEqual({ 'kubeAPIConfig.qps': 5 });
  });

  it('writes the knobs into the config over the provider\'s own fields, creating sections', () => {
    const set = parseCloudcoreSet(['modules.edgeController.buffer.queryNode=2048', 'kubeAPIConfig.qps=500', 'modules.cloudHub.nodeLimit=3000']);
    const cfg = parse(stringify(cloudcoreConfig({ ...input, nodeLimit: 3000, set }))) as {
      kubeAPIConfig: unknown;
      modules: { edgeController: { buffer: unknown }; cloudHub: { nodeLimit: number; websocket: { port: number } } };
    };
    expect(cfg.modules.edgeController.buffer).toEqual({ queryNode: 2048 });
    expect(cfg.kubeAPIConfig).toEqual({ master: '', kubeConfig: `${runDir}/admin.kubeconfig`, qps: 500 });
    expect(cfg.modules.cloudHub.nodeLimit).toBe(3000);
    expect(cfg.modules.cloudHub.websocket.port).toBe(41000);
  });
});
