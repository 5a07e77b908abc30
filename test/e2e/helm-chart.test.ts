/**
 * The Helm chart charts/twinlab/ through Helm v4 itself: `helm lint` and `helm template` over the
 * chart's defaults and every ci/*.yaml values file; what the manifests say (shards take their index
 * from the hostname, the token from a Secret file, metrics on the pod IP, resources from the bench);
 * and that the values schema and the shard plan refuse nonsense.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_DIR, helm, helmSkipReason, render, type Manifest } from './support/helm.js';

const CI_VALUES = readdirSync(path.join(CHART_DIR, 'ci'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => path.join(CHART_DIR, 'ci', f));
const ci = (name: string): string => path.join(CHART_DIR, 'ci', `${name}-values.yaml`);

function one(manifests: Manifest[], kind: string): Record<string, unknown> & Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Record<string, unknown> & Manifest;
}

interface Container {
  args: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

interface StatefulSetView {
  spec: {
    replicas: number;
    serviceName: string;
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
    template: {
      spec: {
        containers: Container[];
        volumes: Array<{ name: string; secret?: { secretName: string; items: Array<{ key: string; path: string }> }; emptyDir?: object }>;
        affinity?: { podAntiAffinity: Record<string, unknown> };
      };
    };
  };
}

function shardContainer(manifests: Manifest[]): Container {
  return (one(manifests, 'StatefulSet') as unknown as StatefulSetView).spec.template.spec.containers[0]!;
}

function env(c: Container): Record<string, string> {
  return Object.fromEntries(c.env.map((e) => [e.name, e.value ?? `fieldRef:${e.valueFrom?.fieldRef?.fieldPath ?? '?'}`]));
}

/** Exit code and stderr of a render expected to fail. */
function refused(valuesFiles: string[], set: string[]): string {
  const r = helm(['template', 't', CHART_DIR, ...valuesFiles.flatMap((f) => ['-f', f]), ...set.flatMap((s) => ['--set', s])]);
  expect(r.code, r.stdout.slice(0, 200)).not.toBe(0);
  return r.stderr;
}

describe.skipIf(helmSkipReason !== '')(helmSkipReason ? `helm chart (skipped: ${helmSkipReason})` : 'helm chart charts/twinlab/ with Helm v4', () => {
  it('passes helm lint with its defaults and with every ci values file', () => {
    expect(CI_VALUES.length).toBeGreaterThanOrEqual(4);
    for (const args of [[], ...CI_VALUES.map((f) => ['-f', f])]) {
      const r = helm(['lint', CHART_DIR, '--strict', ...args]);
      expect(r.code, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('renders shards that take their index from the pod, the token from a Secret file and metrics on the pod IP', () => {
    const manifests = render('load', [ci('token-value')]);
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Secret', 'Service', 'StatefulSet']);
    const sts = one(manifests, 'StatefulSet') as unknown as StatefulSetView & Manifest;
    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.serviceName).toBe('load-twinlab');
    const c = shardContainer(manifests);
    expect(c.args).toEqual(['shard']);
    expect(c.args.join(' ')).not.toContain('--index');
    const e = env(c);
    expect(e).toMatchObject({
      TWINLAB_SHARDS: '2',
      TWINLAB_NODES: '40',
      TWINLAB_TOKEN_FILE: '/etc/twinlab/token/token',
      TWINLAB_METRICS_HOST: 'fieldRef:status.podIP',
      TWINLAB_METRICS_PORT: '9464',
      TWINLAB_CLOUDHUB: 'wss://cloudcore.kubeedge.svc:10000',
    });
    expect(e.TWINLAB_TOKEN).toBeUndefined();
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    const token = sts.spec.template.spec.volumes.find((v) => v.name === 'token');
    expect(token?.secret).toMatchObject({ secretName: 'load-twinlab-token', items: [{ key: 'tokendata', path: 'token' }] });
    const secret = one(manifests, 'Secret') as Manifest & { data: { tokendata: string } };
    expect(Buffer.from(secret.data.tokendata, 'base64').toString()).toBe('0123456789abcdef.eyJhbGciOiJIUzI1NiJ9.ci-only-not-a-real-token');
    const service = one(manifests, 'Service') as Manifest & { spec: { clusterIP: string; ports: Array<{ name: string; port: number }> } };
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports).toEqual([{ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(sts.spec.template.spec.volumes.find((v) => v.name === 'cert-cache')?.emptyDir).toEqual({});
    expect(sts.spec.template.spec.affinity?.podAntiAffinity).toHaveProperty('preferredDuringSchedulingIgnoredDuringExecution');
  });

  it('puts shards under the run controller when control.url is set: the channel URL, the run token from its own Secret file', () => {
    const manifests = render('load', [ci('token-value'), ci('controlled')]);
    const sts = one(manifests, 'StatefulSet') as unknown as StatefulSetView & Manifest;
    const c = shardContainer(manifests);
    expect(env(c)).toMatchObject({
      TWINLAB_SHARDS: '3',
      TWINLAB_CONTROL_URL: 'ws://twinlab-controller.twinlab.svc:7443/twinlab/v1/shards',
      TWINLAB_CONTROL_TOKEN_FILE: '/etc/twinlab/control/token',
    });
    expect(env(c).TWINLAB_CONTROL_CA).toBeUndefined();
    expect(c.volumeMounts).toContainEqual(expect.objectContaining({ name: 'control-token', mountPath: '/etc/twinlab/control' }));
    expect(sts.spec.template.spec.volumes.find((v) => v.name === 'control-token')?.secret).toMatchObject({ secretName: 'twinlab-control-token', items: [{ key: 'token', path: 'token' }] });
    // Without control.url nothing of it is rendered.
    expect(env(shardContainer(render('load', [ci('token-value')]))).TWINLAB_CONTROL_URL).toBeUndefined();
  });

  it('ships the Grafana dashboards unchanged in a ConfigMap labelled for the sidecar', () => {
    const cm = one(render('load', [ci('token-value')]), 'ConfigMap') as Manifest & { data: Record<string, string> };
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dir = path.join(CHART_DIR, 'dashboards');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(Object.keys(cm.data).sort()).toEqual(files.sort());
    for (const f of files) expect(JSON.parse(cm.data[f]!)).toEqual(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
    expect(render('x', [ci('existing-secret')]).some((m) => m.kind === 'ConfigMap')).toBe(false);
  });

  it('sizes each shard from the bench: memory from KB per node, CPU from % of a core per 10k nodes', () => {
    // 100k nodes / 6 shards = 16,667 per shard, shared certs: 192 MiB + 16,667 × 58 KiB = 1137 MiB,
    // CPU 16,667 × 19 m / 1000 = 317 m; limit 3/2 of the memory request.
    const large = shardContainer(render('big', [ci('large')]));
    expect(large.resources).toEqual({ requests: { cpu: '317m', memory: '1137Mi' }, limits: { memory: '1705Mi' } });
    // 5000 / 3 = 1667 per shard with per-node certs: 192 + 1667 × 100 KiB → 355 MiB; CPU at its floor.
    expect(shardContainer(render('pn', [ci('existing-secret')])).resources).toEqual({ requests: { cpu: '100m', memory: '355Mi' }, limits: { memory: '532Mi' } });
    // Given requests and limits replace the computed ones.
    expect(shardContainer(render('pm', [ci('podmonitor')])).resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
  });

  it('adds a PodMonitor, a PVC per shard, hard anti-affinity and the scenario ConfigMap only when asked', () => {
    const pm = render('pm', [ci('podmonitor')]);
    const podMonitor = one(pm, 'PodMonitor') as Manifest & { spec: { podMetricsEndpoints: Array<{ port: string; interval: string }> } };
    expect(podMonitor.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(podMonitor.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    expect(render('d', [ci('token-value')]).some((m) => m.kind === 'PodMonitor')).toBe(false);

    const big = render('big', [ci('large')]);
    const sts = one(big, 'StatefulSet') as unknown as StatefulSetView;
    expect(sts.spec.volumeClaimTemplates?.map((v) => v.metadata.name)).toEqual(['cert-cache']);
    expect(sts.spec.template.spec.volumes.some((v) => v.name === 'cert-cache')).toBe(false);
    expect(sts.spec.template.spec.affinity?.podAntiAffinity).toHaveProperty('requiredDuringSchedulingIgnoredDuringExecution');
    const scenario = big.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'big-twinlab-scenario') as (Manifest & { data: Record<string, string> }) | undefined;
    expect(scenario?.data['scenario.yaml']).toContain('reconnectJitter: 20s');
    expect(env(shardContainer(big))).toMatchObject({ TWINLAB_SCENARIO: '/etc/twinlab/scenario/scenario.yaml', TWINLAB_INSECURE_SKIP_HOSTNAME_CHECK: 'true', TWINLAB_SHARDS: '6' });
  });

  it('refuses nonsense values through the schema', () => {
    const base = [ci('token-value')];
    expect(refused(base, ['fleet.nodes=-5'])).toMatch(/fleet\/nodes': minimum: got -5, want 1/);
    expect(refused(base, ['fleet.nodes=0'])).toMatch(/fleet\/nodes/);
    expect(refused(base, ['fleet.shards=0'])).toMatch(/fleet\/shards/);
    expect(refused(base, ['fleet.ramp=0'])).toMatch(/fleet\/ramp/);
    expect(refused(base, ['fleet.certs=none'])).toMatch(/fleet\/certs/);
    expect(refused(base, ['cloud.cloudhub=ws://cloudcore:10000'])).toMatch(/cloud\/cloudhub/);
    expect(refused(base, ['metrics.port=70000'])).toMatch(/metrics\/port/);
    expect(refused(base, ['fleet.node=10'])).toMatch(/additional properties 'node' not allowed|additionalProperties/);
    expect(refused([], ['token.existingSecret=', 'token.value='])).toMatch(/token/);
    expect(refused(base, ['control.url=ws://controller:7443/twinlab/v1/shards'])).toMatch(/control/);
    expect(refused(base, ['control.url=http://controller:7443', 'control.tokenSecret=t'])).toMatch(/control\/url/);
  });

  it('refuses a shard plan that cannot run: more shards than nodes, over open files, over source ports, over nodeLimit', () => {
    const base = [ci('token-value')];
    expect(refused(base, ['fleet.nodes=3', 'fleet.shards=4'])).toContain('fleet.shards (4) is larger than fleet.nodes (3): every shard needs at least one node');
    expect(refused(base, ['fleet.nodes=100000', 'fleet.shards=4'])).toContain(
      '25000 nodes per shard (fleet.nodes 100000 / fleet.shards 4) need 25000 sockets, over shardLimits.openFiles 20000 minus 1000 reserved: use fleet.shards >= 6',
    );
    expect(refused(base, ['fleet.nodes=100000', 'fleet.shards=3', 'shardLimits.openFiles=1048576'])).toContain(
      '33334 nodes per shard (fleet.nodes 100000 / fleet.shards 3) need 33334 source ports from one pod IP toward one cloudcore address, over shardLimits.sourcePorts 28000: use fleet.shards >= 4',
    );
    expect(refused(base, ['cloud.nodeLimit=30'])).toContain("fleet.nodes (40) is over cloudcore's nodeLimit (cloud.nodeLimit 30): cloudcore would refuse 10 nodes");
    // At the limits exactly, it renders: 19,000 per shard is the largest the defaults allow.
    expect(shardContainer(render('edge', base, ['fleet.nodes=38000', 'fleet.shards=2'])).env.find((x) => x.name === 'TWINLAB_NODES')?.value).toBe('38000');
  });
});
