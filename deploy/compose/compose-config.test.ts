/**
 * What can be checked of `docker compose up` without a Docker engine: compose.yaml and everything
 * it mounts (deploy/compose/**, charts/twinlab/dashboards/) are consistent with each other and
 * with twinlab itself — pinned images, loopback-only ports, scrape targets that exist, the
 * cloudcore config the init script renders, the `twinlab sim` flags, and a dashboard whose PromQL
 * names only metrics that exist. `docker compose config -q` runs when the compose plugin is
 * installed and skips, saying so, when it is not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cloudcoreConfig } from '../../sim/cloud/local/cloudcore-config.js';
import { loadCrds } from '../../sim/cloud/local/kubeedge-crds.js';
import { NODE_STATE_NAMES } from '../../sim/edge/edge-counters.js';
import { ALL_METRICS } from '../../sim/metrics/metric-catalogue.js';
import { parseSimOptions } from '../../sim/run/sim-options.js';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const composeDir = join(repo, 'deploy', 'compose');
const dashboardsDir = join(repo, 'charts', 'twinlab', 'dashboards');
const initScript = join(composeDir, 'init.sh');

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new Error(`${what} is not a mapping`);
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  return v;
}

function at(v: unknown, ...path: Array<string | number>): unknown {
  let cur: unknown = v;
  for (const key of path) {
    if (typeof key === 'number') cur = Array.isArray(cur) ? cur[key] : undefined;
    else cur = isObj(cur) ? cur[key] : undefined;
  }
  return cur;
}

function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

/**
 * Compose's variable interpolation as far as compose.yaml uses it: `$$` → `$`, `${VAR}`,
 * `${VAR:-default}` / `${VAR-default}` with nested defaults. Unset variables without a default
 * become empty, as compose does (with a warning).
 */
function interpolate(input: string, env: Record<string, string | undefined>): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === '$' && input[i + 1] === '$') {
      out += '$';
      i += 2;
    } else if (c === '$' && input[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      while (j < input.length && depth > 0) {
        if (input[j] === '{') depth++;
        else if (input[j] === '}') depth--;
        j++;
      }
      if (depth !== 0) throw new Error(`unterminated \${ in ${JSON.stringify(input)}`);
      const body = input.slice(i + 2, j - 1);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([\s\S]*))?$/.exec(body);
      if (!m) throw new Error(`unsupported interpolation \${${body}}`);
      const name = m[1] ?? '';
      const value = env[name];
      const op = m[2];
      const fallback = m[3] ?? '';
      if (op === ':-') out += value === undefined || value === '' ? interpolate(fallback, env) : value;
      else if (op === '-') out += value === undefined ? interpolate(fallback, env) : value;
      else out += value ?? '';
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The same walk over any YAML value. */
function interpolateDeep(v: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof v === 'string') return interpolate(v, env);
  if (Array.isArray(v)) return v.map((x) => interpolateDeep(x, env));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateDeep(x, env)]));
  return v;
}

const rawCompose = obj(readYaml(join(repo, 'compose.yaml')), 'compose.yaml');
/** compose.yaml as compose sees it with no TWINLAB_* variables set. */
const compose = obj(interpolateDeep(rawCompose, { HOME: homedir() }), 'compose.yaml');
const services = obj(compose.services, 'services');
const serviceNames = Object.keys(services);

function service(name: string): Obj {
  return obj(services[name], `service ${name}`);
}

interface Mount {
  type: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
  createHostPath: boolean;
}

/** A service's volumes, short or long syntax. */
function mounts(name: string): Mount[] {
  const list = at(service(name), 'volumes');
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error(`${name}.volumes is not a list`);
  return list.map((entry: unknown) => {
    if (typeof entry === 'string') {
      const [source = '', target = '', mode = ''] = entry.split(':');
      const bind = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
      return { type: bind ? 'bind' : 'volume', source, target, readOnly: mode.split(',').includes('ro'), createHostPath: true };
    }
    const e = obj(entry, `${name}.volumes[]`);
    return {
      type: e.type === 'bind' ? 'bind' : 'volume',
      source: str(e.source, `${name} volume source`),
      target: str(e.target, `${name} volume target`),
      readOnly: e.read_only === true,
      createHostPath: at(e, 'bind', 'create_host_path') !== false,
    };
  });
}

function mountAt(name: string, target: string): Mount | undefined {
  return mounts(name).find((m) => m.target === target);
}

function hostPath(source: string): string {
  return resolve(repo, source);
}

function runInit(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', [initScript, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scratch = mkdtempSync(join(tmpdir(), 'twinlab-compose-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function renderCloudcore(env: Record<string, string> = {}): { status: number | null; config: unknown; stderr: string } {
  const out = join(scratch, `cloudcore-${Math.random().toString(36).slice(2)}.yaml`);
  const r = runInit(['render-cloudcore-config', join(composeDir, 'cloudcore.yaml'), out], env);
  return { status: r.status, stderr: r.stderr, config: r.status === 0 ? readYaml(out) : undefined };
}

/** The init service's environment defaults, as compose passes them. */
function initEnv(): Record<string, string> {
  const env = obj(service('crds').environment, 'crds.environment');
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
}

function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  expect(parts).toHaveLength(4);
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

describe('compose.yaml', () => {
  it('parses and has the six services', () => {
    expect(serviceNames.sort()).toEqual(['cloudcore', 'crds', 'grafana', 'k3s', 'prometheus', 'twinlab']);
  });

  it('pins every image to a version tag, never latest', () => {
    for (const name of serviceNames) {
      const image = str(service(name).image, `${name}.image`);
      const m = /^([a-z0-9][a-z0-9._/-]*):([A-Za-z0-9._-]+)$/.exec(image);
      expect(m, `${name}: ${image} has no tag`).not.toBeNull();
      const tag = m?.[2] ?? '';
      expect(tag, `${name}: ${image}`).not.toMatch(/latest/i);
      expect(tag, `${name}: ${image} is not a full version`).toMatch(/^v?\d+\.\d+\.\d+(?:[-.][A-Za-z0-9.-]+)?$/);
    }
    expect(service('k3s').image).toMatch(/^rancher\/k3s:v1\.32\.\d+-k3s\d+$/);
    expect(service('cloudcore').image).toBe('kubeedge/cloudcore:v1.23.1');
    expect(service('prometheus').image).toMatch(/^prom\/prometheus:v\d/);
    expect(service('grafana').image).toMatch(/^grafana\/grafana:\d/);
    expect(service('twinlab').image).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/);
    // The init step uses the cluster's own image, so its kubectl matches the API server.
    expect(service('crds').image).toBe(service('k3s').image);
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published: string[] = [];
    for (const name of serviceNames) {
      const ports = at(service(name), 'ports');
      if (ports === undefined) continue;
      expect(Array.isArray(ports), `${name}.ports`).toBe(true);
      for (const p of ports as unknown[]) {
        if (typeof p === 'string' || typeof p === 'number') {
          const parts = String(p).split(':');
          expect(parts, `${name}: ${p} must be 127.0.0.1:HOST:CONTAINER`).toHaveLength(3);
          expect(parts[0], `${name}: ${p}`).toBe('127.0.0.1');
          published.push(`${name}:${parts[2]}`);
        } else {
          const e = obj(p, `${name}.ports[]`);
          expect(e.host_ip, `${name}: ${JSON.stringify(e)}`).toBe('127.0.0.1');
          published.push(`${name}:${String(e.target)}`);
        }
      }
    }
    expect(published.sort()).toEqual(
      ['cloudcore:10000', 'cloudcore:10002', 'grafana:3000', 'k3s:6443', 'prometheus:9090', 'twinlab:9464'].sort(),
    );
  });

  it('runs k3s as a privileged server without traefik, servicelb and metrics-server, kubeconfig in the shared volume', () => {
    const k3s = service('k3s');
    const command = (k3s.command as unknown[]).map(String);
    expect(command[0]).toBe('server');
    expect(command).toContain('--disable=traefik,servicelb,metrics-server');
    // The other containers reach the API server as https://k3s:6443: the name must be in its certificate.
    expect(command).toContain('--tls-san=k3s');
    expect(command).toContain('--write-kubeconfig=/kube/k3s.yaml');
    expect(k3s.privileged).toBe(true);
    expect(mountAt('k3s', '/kube')?.source).toBe('kube');
    const health = (at(k3s, 'healthcheck', 'test') as unknown[]).map(String);
    expect(health).toEqual(expect.arrayContaining(['/kube/k3s.yaml', '/readyz']));
  });

  it('orders start-up: k3s healthy → init completed → cloudcore → twinlab; every dependency exists', () => {
    for (const name of serviceNames) {
      const deps = at(service(name), 'depends_on');
      const list = Array.isArray(deps) ? deps.map(String) : isObj(deps) ? Object.keys(deps) : [];
      for (const d of list) expect(serviceNames, `${name} depends on ${d}`).toContain(d);
    }
    expect(at(service('crds'), 'depends_on', 'k3s', 'condition')).toBe('service_healthy');
    expect(at(service('cloudcore'), 'depends_on', 'crds', 'condition')).toBe('service_completed_successfully');
    expect(at(service('twinlab'), 'depends_on', 'cloudcore', 'condition')).toBe('service_started');
    expect(service('crds').restart).toBe('no');
  });

  it('declares every named volume it mounts, and every bind source exists in the repository', () => {
    const declared = Object.keys(obj(compose.volumes, 'volumes'));
    for (const name of serviceNames) {
      for (const m of mounts(name)) {
        if (m.type === 'volume') expect(declared, `${name}: volume ${m.source}`).toContain(m.source);
        else if (m.target !== '/crds' && m.target !== '/repo') expect(existsSync(hostPath(m.source)), `${name}: ${m.source}`).toBe(true);
      }
    }
    expect(mountAt('twinlab', '/repo')?.source).toBe('.');
    // The host's node_modules may be built for another OS: the container gets its own.
    expect(mountAt('twinlab', '/repo/node_modules')?.type).toBe('volume');
    expect(mountAt('crds', '/twinlab')).toMatchObject({ source: './deploy/compose', readOnly: true });
  });

  it('mounts the CRDs from TWINLAB_CRDS_DIR, by default the control-plane build cache, without creating it', () => {
    const crds = mountAt('crds', '/crds');
    expect(crds).toMatchObject({ type: 'bind', readOnly: true, createHostPath: false });
    expect(crds?.source).toBe(join(homedir(), '.cache', 'twinlab', 'controlplane'));
    const raw = (at(rawCompose, 'services', 'crds', 'volumes') as unknown[]).map((v) => (isObj(v) ? v.source : v));
    const overridden = interpolateDeep(raw, { HOME: '/home/u', TWINLAB_CRDS_DIR: '/src/kubeedge/build/crds' });
    expect(overridden).toContain('/src/kubeedge/build/crds');
  });

  it('gives cloudcore a fixed address inside the compose subnet, the one the init step advertises', () => {
    const subnet = str(at(compose, 'networks', 'twinlab', 'ipam', 'config', 0, 'subnet'), 'subnet');
    const ip = str(at(service('cloudcore'), 'networks', 'twinlab', 'ipv4_address'), 'cloudcore ipv4_address');
    const [base = '', bits = ''] = subnet.split('/');
    const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
    expect((ipv4ToInt(ip) & mask) >>> 0).toBe((ipv4ToInt(base) & mask) >>> 0);
    expect(initEnv().TWINLAB_CLOUDCORE_IP).toBe(ip);
    // Clear of k3s's own pod (10.42/16) and service (10.43/16) ranges.
    expect(subnet.startsWith('10.42.') || subnet.startsWith('10.43.')).toBe(false);
    for (const name of serviceNames) expect(JSON.stringify(at(service(name), 'networks')), name).toContain('twinlab');
  });

  it('starts cloudcore with the rendered config from the shared volume', () => {
    const cloudcore = service('cloudcore');
    expect(cloudcore.command).toEqual(['--config', '/kube/cloudcore.yaml']);
    expect(mountAt('cloudcore', '/kube')).toMatchObject({ source: 'kube', readOnly: true });
    expect(mountAt('crds', '/kube')).toMatchObject({ source: 'kube', readOnly: false });
  });

  describe('twinlab service', () => {
    const script = (env: Record<string, string | undefined>): string => {
      const raw = at(rawCompose, 'services', 'twinlab', 'command');
      expect(Array.isArray(raw)).toBe(true);
      const list = (raw as unknown[]).map(String);
      expect(list.slice(0, 2)).toEqual(['sh', '-c']);
      return interpolate(list[2] ?? '', env);
    };

    /** The argv `pnpm sim` gets, with the shell's $NODE_LIMIT as the init step computes it. */
    const simArgv = (env: Record<string, string | undefined>, nodeLimit: string): string[] => {
      const s = script(env);
      const at0 = s.indexOf('exec pnpm sim ');
      expect(at0).toBeGreaterThan(0);
      return s
        .slice(at0 + 'exec pnpm sim '.length)
        .replaceAll('$NODE_LIMIT', nodeLimit)
        .split(/\s+/)
        .filter(Boolean);
    };

    it('installs with pnpm 10 and the frozen lockfile, waits for cloudcore, then runs pnpm sim', () => {
      const s = script({});
      expect(s).toMatch(/^npm i -g pnpm@10 && pnpm install --frozen-lockfile && node deploy\/compose\/wait-for-cloudcore\.mjs https:\/\/cloudcore:10002 \d+ && /);
      expect(existsSync(join(composeDir, 'wait-for-cloudcore.mjs'))).toBe(true);
      expect(s).toContain("sed -n 's/^ *nodeLimit: *//p' /kube/cloudcore.yaml");
    });

    it('passes flags that twinlab sim accepts: attach to cloudcore, k3s kubeconfig, metrics on 0.0.0.0:9464', () => {
      const o = parseSimOptions(simArgv({}, '1100'));
      expect(o).toMatchObject({
        cloud: 'attach',
        cloudhub: 'wss://cloudcore:10000',
        certsUrl: 'https://cloudcore:10002',
        kubeconfig: '/kube/kubeconfig',
        cloudcoreMetrics: 'http://cloudcore:9091/metrics',
        nodes: 1000,
        nodeLimit: 1100,
        durationMs: 600_000,
        metricsHost: '0.0.0.0',
        metricsPort: 9464,
        insecureSkipHostnameCheck: true,
        progress: 'plain',
      });
      expect(mountAt('twinlab', '/kube')).toMatchObject({ source: 'kube', readOnly: true });
      const port = (service('twinlab').ports as string[]).find((p) => p.endsWith(':9464'));
      expect(port).toBe('127.0.0.1:9464:9464');
    });

    it('takes TWINLAB_NODES and TWINLAB_DURATION from the environment', () => {
      const o = parseSimOptions(simArgv({ TWINLAB_NODES: '5000', TWINLAB_DURATION: '90s' }, '5100'));
      expect(o.nodes).toBe(5000);
      expect(o.durationMs).toBe(90_000);
      expect(o.nodeLimit).toBe(5100);
    });
  });
});

describe('deploy/compose/init.sh', () => {
  it('is valid POSIX sh', () => {
    const r = spawnSync('sh', ['-n', initScript], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const entry = service('crds').entrypoint;
    expect(entry).toEqual(['/bin/sh', '/twinlab/init.sh']);
  });

  it('renders the cloudcore config with the settings of the local provider, adapted to a container', () => {
    const { status, config, stderr } = renderCloudcore(initEnv());
    expect(status, stderr).toBe(0);
    const ip = str(at(service('cloudcore'), 'networks', 'twinlab', 'ipv4_address'), 'ip');
    const local = cloudcoreConfig({
      runDir: '/run',
      kubeconfigPath: '/k',
      edgeCaCert: '/ca.crt',
      edgeCaKey: '/ca.key',
      websocketPort: 10000,
      httpsPort: 10002,
      monitorPort: 9091,
      nodeLimit: 1100,
    });
    expect(at(config, 'apiVersion')).toBe(local.apiVersion);
    expect(at(config, 'kind')).toBe(local.kind);
    // Everything the local provider switches off stays off.
    for (const path of [
      ['modules', 'iptablesManager', 'enable'],
      ['modules', 'cloudStream', 'enable'],
      ['modules', 'router', 'enable'],
      ['modules', 'cloudHub', 'quic', 'enable'],
      ['commonConfig', 'monitorServer', 'enableProfiling'],
    ]) {
      expect(at(local, ...path), path.join('.')).toBe(false);
      expect(at(config, ...path), path.join('.')).toBe(false);
    }
    expect(at(config, 'modules', 'cloudHub', 'enable')).toBe(true);
    expect(at(config, 'modules', 'cloudHub', 'websocket')).toMatchObject({ enable: true, address: '0.0.0.0', port: 10000 });
    expect(at(config, 'modules', 'cloudHub', 'https')).toMatchObject({ enable: true, address: '0.0.0.0', port: 10002 });
    expect(at(config, 'modules', 'cloudHub', 'unixsocket', 'enable')).toBe(false);
    expect(at(config, 'modules', 'cloudHub', 'nodeLimit')).toBe(1100);
    expect(at(config, 'modules', 'cloudHub', 'advertiseAddress')).toEqual([ip, '127.0.0.1']);
    expect(at(config, 'modules', 'cloudHub', 'dnsNames')).toContain('cloudcore');
    expect(at(config, 'commonConfig', 'monitorServer', 'bindAddress')).toBe('0.0.0.0:9091');
    expect(at(config, 'kubeAPIConfig', 'kubeConfig')).toBe('/kube/kubeconfig');
    // No TLS files: cloudcore makes its CA and server certificate and keeps them in Secrets.
    expect(at(config, 'modules', 'cloudHub', 'tlsCAFile')).toBeUndefined();
  });

  it('sizes nodeLimit like twinlab sim: TWINLAB_NODE_LIMIT, else max(1000, TWINLAB_NODES + 100)', () => {
    const limit = (env: Record<string, string>): unknown => at(renderCloudcore(env).config, 'modules', 'cloudHub', 'nodeLimit');
    expect(limit({})).toBe(1100);
    expect(limit({ TWINLAB_NODES: '10' })).toBe(1000);
    expect(limit({ TWINLAB_NODES: '5000' })).toBe(5100);
    expect(limit({ TWINLAB_NODES: '5000', TWINLAB_NODE_LIMIT: '20000' })).toBe(20000);
    expect(renderCloudcore({ TWINLAB_NODE_LIMIT: 'lots' }).status).not.toBe(0);
    expect(renderCloudcore({ TWINLAB_NODES: '-5' }).status).not.toBe(0);
    expect(renderCloudcore({ TWINLAB_CLOUDCORE_IP: 'cloudcore' }).status).not.toBe(0);
  });

  it('rewrites the k3s kubeconfig to reach the API server as https://k3s:6443', () => {
    const src = join(scratch, 'k3s.yaml');
    const out = join(scratch, 'kubeconfig');
    writeFileSync(src, 'apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: QUJD\n    server: https://127.0.0.1:6443\n  name: default\nkind: Config\n');
    const r = runInit(['rewrite-kubeconfig', src, out], { TWINLAB_K3S_SERVER: 'https://k3s:6443' });
    expect(r.status, r.stderr).toBe(0);
    expect(at(readYaml(out), 'clusters', 0, 'cluster', 'server')).toBe('https://k3s:6443');
    expect(initEnv().TWINLAB_K3S_SERVER).toBe('https://k3s:6443');
    writeFileSync(src, 'clusters: []\n');
    expect(runInit(['rewrite-kubeconfig', src, out]).status).not.toBe(0);
  });

  it('finds the CRDs in the build cache (newest complete copy), a build directory, or a CRD directory', () => {
    const root = join(scratch, 'controlplane');
    const crd = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.example.io\n';
    const complete = join(root, 'v1.23.1-aaaaaaaaaaaa', 'crds');
    mkdirSync(join(complete, 'apps'), { recursive: true });
    writeFileSync(join(complete, 'apps', 'a.yaml'), crd);
    writeFileSync(join(complete, '.complete'), 'x\n');
    // A newer copy the build script has not finished (no .complete) is passed over.
    const partial = join(root, 'v1.23.1-bbbbbbbbbbbb', 'crds');
    mkdirSync(partial, { recursive: true });
    writeFileSync(join(partial, 'a.yaml'), crd);
    expect(runInit(['find-crds', root]).stdout.trim()).toBe(complete);
    expect(runInit(['find-crds', join(root, 'v1.23.1-aaaaaaaaaaaa')]).stdout.trim()).toBe(complete);
    expect(runInit(['find-crds', complete]).stdout.trim()).toBe(complete);
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    expect(runInit(['find-crds', empty]).status).not.toBe(0);
  });

  const cacheRoot = join(process.env.TWINLAB_CACHE_DIR || join(homedir(), '.cache', 'twinlab'), 'controlplane');
  const cacheHasCrds = existsSync(cacheRoot) && readdirSync(cacheRoot).some((d) => existsSync(join(cacheRoot, d, 'crds', '.complete')));
  it.skipIf(!cacheHasCrds)(
    `finds KubeEdge's 13 CRDs in this machine's build cache${cacheHasCrds ? '' : ` — skipped: no CRDs under ${cacheRoot} (pnpm build:controlplane copies them there)`}`,
    () => {
      const r = runInit(['find-crds', cacheRoot]);
      expect(r.status, r.stderr).toBe(0);
      const crds = loadCrds(r.stdout.trim());
      expect(crds).toHaveLength(13);
      expect(crds.every((c) => String(at(c, 'spec', 'group')).endsWith('kubeedge.io'))).toBe(true);
    },
  );
});

describe('deploy/compose/prometheus.yml', () => {
  const prom = obj(readYaml(join(composeDir, 'prometheus.yml')), 'prometheus.yml');
  const jobs = (prom.scrape_configs as unknown[]).map((j) => obj(j, 'scrape config'));
  const targets = jobs.flatMap((j) =>
    ((j.static_configs as unknown[]) ?? []).flatMap((s) => ((at(s, 'targets') as unknown[]) ?? []).map((t) => ({ job: String(j.job_name), target: String(t) }))),
  );

  it('scrapes only compose services, on the ports they serve', () => {
    expect(targets.length).toBeGreaterThan(0);
    for (const { job, target } of targets) {
      const [host = ''] = target.split(':');
      expect(serviceNames, `${job}: ${target}`).toContain(host);
    }
    const byJob = Object.fromEntries(targets.map((t) => [t.job, t.target]));
    expect(byJob).toEqual({ twinlab: 'twinlab:9464', cloudcore: 'cloudcore:9091', 'kube-apiserver': 'k3s:6443' });
  });

  it('is the file the prometheus service loads, and its API-server token is one the init step writes', () => {
    expect(mountAt('prometheus', '/etc/prometheus/prometheus.yml')).toMatchObject({ source: './deploy/compose/prometheus.yml', readOnly: true });
    expect(service('prometheus').command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const apiserver = jobs.find((j) => j.job_name === 'kube-apiserver');
    const tokenFile = str(at(apiserver, 'authorization', 'credentials_file'), 'credentials_file');
    const dir = tokenFile.slice(0, tokenFile.lastIndexOf('/'));
    const promMount = mountAt('prometheus', dir);
    const initMount = mountAt('crds', dir);
    expect(promMount?.type).toBe('volume');
    expect(promMount?.source).toBe(initMount?.source);
    expect(readFileSync(initScript, 'utf8')).toContain(`mv ${tokenFile}.tmp ${tokenFile}`);
    // The RBAC the token comes with allows GET /metrics and nothing else.
    const rbac = readFileSync(join(composeDir, 'prometheus-rbac.yaml'), 'utf8');
    expect(rbac).toMatch(/nonResourceURLs: \["\/metrics"\]\s+verbs: \["get"\]/);
  });
});

describe('Grafana provisioning', () => {
  const provider = obj(at(readYaml(join(composeDir, 'grafana', 'provisioning', 'dashboards', 'twinlab.yaml')), 'providers', 0), 'dashboard provider');
  const datasource = obj(at(readYaml(join(composeDir, 'grafana', 'provisioning', 'datasources', 'prometheus.yaml')), 'datasources', 0), 'datasource');

  it('loads the dashboards from charts/twinlab/dashboards/', () => {
    const dashboards = mounts('grafana').find((m) => m.type === 'bind' && hostPath(m.source) === dashboardsDir);
    expect(dashboards, 'grafana mounts charts/twinlab/dashboards').toBeDefined();
    expect(dashboards?.readOnly).toBe(true);
    expect(at(provider, 'options', 'path')).toBe(dashboards?.target);
    expect(provider.type).toBe('file');
    expect(mountAt('grafana', '/etc/grafana/provisioning')).toMatchObject({ source: './deploy/compose/grafana/provisioning', readOnly: true });
    const home = str(at(service('grafana'), 'environment', 'GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'), 'home dashboard');
    expect(home.startsWith(`${dashboards?.target}/`)).toBe(true);
    expect(existsSync(join(dashboardsDir, home.slice((dashboards?.target.length ?? 0) + 1)))).toBe(true);
  });

  it('points the datasource at the prometheus service and lets anonymous visitors view', () => {
    expect(datasource.type).toBe('prometheus');
    const url = new URL(str(datasource.url, 'datasource url'));
    expect(serviceNames).toContain(url.hostname);
    expect(url.port).toBe('9090');
    expect(at(service('grafana'), 'environment')).toMatchObject({ GF_AUTH_ANONYMOUS_ENABLED: 'true', GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer' });
  });
});

// ---------------------------------------------------------------------------------------------
// Dashboards

const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);

/**
 * Metric names in a PromQL expression: identifiers that are not functions, keywords, label names
 * (inside `{}` or a `by (…)` clause), durations or Grafana variables.
 */
function promqlMetricNames(expr: string): string[] {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![\w$.:])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const name = m[1] ?? '';
    if (!PROMQL_WORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

const allowedMetrics = new Set<string>(['KubeEdge_CloudHub_connected_nodes']);
for (const m of ALL_METRICS) {
  if (m.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) allowedMetrics.add(m.name + suffix);
  else allowedMetrics.add(m.name);
}
/** The control plane's own exporters: Go and process collectors, kube-apiserver, etcd, client-go work queues. */
const CONTROL_PLANE_METRIC = /^(?:process|go|apiserver|etcd|workqueue)_[a-z_]+$/;
function metricAllowed(name: string): boolean {
  return allowedMetrics.has(name) || CONTROL_PLANE_METRIC.test(name);
}

interface Query {
  where: string;
  expr: string;
}

/** Every PromQL expression in a dashboard: panel targets (rows included) and query variables. */
function dashboardQueries(d: Obj): Query[] {
  const out: Query[] = [];
  const walk = (panels: unknown, prefix: string): void => {
    if (!Array.isArray(panels)) return;
    for (const p of panels) {
      const title = `${prefix}${String(at(p, 'title'))}`;
      const targets = at(p, 'targets');
      if (Array.isArray(targets)) for (const t of targets) out.push({ where: `panel "${title}" ${String(at(t, 'refId'))}`, expr: str(at(t, 'expr'), `expr in ${title}`) });
      walk(at(p, 'panels'), `${title} / `);
    }
  };
  walk(d.panels, '');
  for (const v of (at(d, 'templating', 'list') as unknown[] | undefined) ?? []) {
    if (at(v, 'type') !== 'query') continue;
    const q = at(v, 'query');
    const text = typeof q === 'string' ? q : String(at(q, 'query') ?? '');
    const lv = /^label_values\(\s*([^,)]+),/.exec(text);
    out.push({ where: `variable $${String(at(v, 'name'))}`, expr: lv ? (lv[1] ?? '') : text.replace(/^(?:label_values|query_result)\(/, '(') });
  }
  return out;
}

const dashboardFiles = readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'));
const dashboards = dashboardFiles.map((f) => ({ file: f, json: obj(JSON.parse(readFileSync(join(dashboardsDir, f), 'utf8')) as unknown, f) }));

describe('charts/twinlab/dashboards', () => {
  it('extracts metric names from PromQL (the checker checks itself)', () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(twinlab_ack_latency_seconds_bucket[$__rate_interval])))')).toEqual([
      'twinlab_ack_latency_seconds_bucket',
    ]);
    expect(promqlMetricNames('sum(twinlab_nodes{state="ready", shard=~"$shard"}) or vector(0)')).toEqual(['twinlab_nodes']);
    expect(promqlMetricNames('process_cpu_seconds_total{job="x"} and on (job, instance) KubeEdge_CloudHub_connected_nodes offset 5m').sort()).toEqual([
      'KubeEdge_CloudHub_connected_nodes',
      'process_cpu_seconds_total',
    ]);
    expect(promqlMetricNames('sum by (direction) (rate(twinlab_mesages_total[5m])) / 1e3')).toEqual(['twinlab_mesages_total']);
    expect(metricAllowed('twinlab_mesages_total')).toBe(false);
    expect(metricAllowed('twinlab_ack_latency_seconds_bucket')).toBe(true);
    expect(metricAllowed('twinlab_nodes_bucket')).toBe(false);
    expect(metricAllowed('process_resident_memory_bytes')).toBe(true);
    expect(metricAllowed('go_goroutines')).toBe(true);
    expect(metricAllowed('node_cpu_seconds_total')).toBe(false);
    expect(metricAllowed('twinlab_fault_active')).toBe(true);
  });

  it('holds twinlab-fleet.json, and every file is a dashboard with a uid, a title and panels', () => {
    expect(dashboardFiles).toContain('twinlab-fleet.json');
    for (const { file, json } of dashboards) {
      expect(typeof json.uid, file).toBe('string');
      expect(typeof json.title, file).toBe('string');
      expect(Array.isArray(json.panels), file).toBe(true);
      const ids = (json.panels as unknown[]).flatMap((p) => [at(p, 'id'), ...(((at(p, 'panels') as unknown[]) ?? []).map((c) => at(c, 'id')))]);
      expect(new Set(ids).size, `${file}: panel ids unique`).toBe(ids.length);
      // No installation-specific datasource uid: panels follow the $datasource variable.
      for (const p of json.panels as unknown[]) {
        if (at(p, 'type') === 'row') continue;
        expect(at(p, 'datasource', 'uid'), `${file}: ${String(at(p, 'title'))}`).toBe('${datasource}');
      }
    }
  });

  it('uses only metrics from the twinlab catalogue, KubeEdge_CloudHub_connected_nodes and the control plane\'s exporters', () => {
    const offenders: string[] = [];
    let checked = 0;
    for (const { file, json } of dashboards) {
      for (const q of dashboardQueries(json)) {
        const names = promqlMetricNames(q.expr);
        expect(names.length, `${file} ${q.where}: no metric in ${q.expr}`).toBeGreaterThan(0);
        for (const name of names) {
          checked++;
          if (!metricAllowed(name)) offenders.push(`${file} ${q.where}: ${name}`);
        }
      }
    }
    expect(offenders).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('uses only node states twinlab has', () => {
    const states = new Set<string>(NODE_STATE_NAMES);
    for (const { file, json } of dashboards) {
      for (const q of dashboardQueries(json)) {
        for (const m of q.expr.matchAll(/state\s*=\s*"([^"]*)"/g)) expect(states.has(m[1] ?? ''), `${file} ${q.where}: state "${m[1]}"`).toBe(true);
      }
    }
  });

  it('shows what the fleet dashboard is for', () => {
    const fleet = dashboards.find((d) => d.file === 'twinlab-fleet.json');
    const exprs = dashboardQueries(obj(fleet?.json, 'twinlab-fleet.json')).map((q) => q.expr.replace(/\s+/g, ' '));
    const has = (re: RegExp): boolean => exprs.some((e) => re.test(e));
    expect(has(/sum by \(state\) \(twinlab_nodes(\{[^}]*\})?\)/), 'nodes by state').toBe(true);
    expect(has(/twinlab_nodes_connected/) && has(/KubeEdge_CloudHub_connected_nodes/), 'connected: twinlab vs cloudcore').toBe(true);
    expect(has(/sum by \(direction, operation\) \(rate\(twinlab_messages_total/), 'message rate by direction/operation').toBe(true);
    expect(has(/histogram_quantile\(0\.5, .*twinlab_ack_latency_seconds_bucket/), 'ACK p50').toBe(true);
    expect(has(/histogram_quantile\(0\.99, .*twinlab_ack_latency_seconds_bucket/), 'ACK p99').toBe(true);
    expect(has(/twinlab_bootstrap_duration_seconds_bucket/), 'bootstrap duration').toBe(true);
    for (const m of ['twinlab_unanswered_requests_total', 'twinlab_malformed_frames_total', 'twinlab_duplicate_deliveries_total']) expect(has(new RegExp(m)), m).toBe(true);
    for (const m of ['twinlab_shard_rss_bytes', 'twinlab_shard_cpu_seconds_total', 'twinlab_shard_event_loop_lag_p99_seconds']) expect(has(new RegExp(m)), m).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// docker compose itself, where its plugin exists (no engine is needed for `config`)

function composeUnavailable(): string | null {
  const r = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (r.error) return 'no docker CLI on this machine';
  if (r.status !== 0) return `the docker CLI has no compose plugin (${(r.stderr || r.stdout).trim().split('\n')[0]})`;
  return null;
}
const composeSkip = composeUnavailable();

describe('docker compose config', () => {
  it.skipIf(composeSkip !== null)(`docker compose config -q accepts compose.yaml${composeSkip ? ` — skipped: ${composeSkip}` : ''}`, () => {
    const crdsDir = join(scratch, 'crds-for-config');
    mkdirSync(crdsDir, { recursive: true });
    const r = spawnSync('docker', ['compose', '-f', join(repo, 'compose.yaml'), 'config', '-q'], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, TWINLAB_CRDS_DIR: crdsDir },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
