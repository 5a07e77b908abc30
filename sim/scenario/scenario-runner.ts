/**
 * Runs a scenario's timeline against a started cloud and fleet: one phase after another, each
 * applying its faults or workload, waiting for what it measures, and recording its start, end and
 * recovery times. Runs in the main process; it reaches the shards only through the ports below.
 */
import type { PhaseRecord } from '../model/run-sections.js';
import type { RunEvent } from '../model/run-events.js';
import type { LoadedScenario, NodeRange } from './scenario-loader.js';
import type { Phase } from './scenario-schema.js';
import type { LinkTracker } from './link-tracker.js';
import type { PodRef, ScenarioWorkload } from './scenario-workload.js';
import { Fault, describeFault, type LinkFaultSpec } from '../chaos/link-fault.js';
import { DevicePhases, type ScenarioDevicesPort } from './device-phase.js';
import type { CloudRestarter } from '../cloud/control-plane.js';
import type { FleetFault, FleetFaultOutcome } from '../fleet/controller/fleet-faults.js';
import type { FirstFailedSend } from '../record/first-failed-sends.js';
import type { CloudRestartRecord } from '../model/run-sections.js';
import { cloudRestartOutcome } from './cloud-restart-outcome.js';
import { ConfigInvalidError } from '../errors.js';


export interface ScenarioPorts {
  /** The run's start: phase times are seconds since it. */
  runStartedAtMs: number;
  nodeName(index: number): string;
  workload: ScenarioWorkload | undefined;
  /** The run's fake devices when the scenario has a `devices` section. */
  devices?: ScenarioDevicesPort | undefined;
  links: LinkTracker;
  /** Put a fault in force on the fleet: a link fault, a shard crash (counting pods before and after), a new reconnect jitter. */
  injectFault<F extends FleetFault>(fault: F): Promise<FleetFaultOutcome[F['kind']]>;
  /** End link fault `id`. */
  healFault(id: string): Promise<void>;
  /** Nodes Ready (registered and connected) across the fleet, from the latest snapshots. */
  readyNodes(): number;
  /** Objects expected on nodes and not delivered yet. */
  pendingDeliveries(): number;
  /** Nodes the cloud counts as connected right now (cloudcore's gauge, or the loopback peer's sessions); null if unknown. */
  cloudConnected(): Promise<number | null>;
  /** Nodes of `range` the API shows NotReady since `sinceMs`; null without an API. */
  apiNotReady(range: NodeRange, sinceMs: number): number | null;
  /** Nodes of `range` the API shows Ready again since `sinceMs`; null without an API. */
  apiReadyAgain(range: NodeRange, sinceMs: number): number | null;
  /** Restarts cloudcore, when the cloud can (local; attach with a restart hook). */
  cloudRestart?: CloudRestarter | undefined;
  /** Nodes of `range` the API showed NotReady at or after `sinceMs`, with the stretch's end; null without an API. */
  apiNotReadySpans?(range: NodeRange, sinceMs: number): Map<number, { fromMs: number; toMs: number | null }> | null;
  /** Each node's first failed send at or after `sinceMs`, by node name. */
  firstFailedSends?(sinceMs: number): ReadonlyMap<string, FirstFailedSend>;
  /** Objects the nodes received again with a version they already had (cloudcore's re-sends), so far. */
  resentObjects?(): number;
  /** What the workload changed in `phase` and how much of it the nodes hold now. */
  phaseDeliveries?(phase: string): { expected: number; delivered: number };
  record(event: RunEvent): void;
  interrupted(): boolean;
  log(line: string): void;
}

const POLL_MS = 250;

export class ScenarioRunner {
  private readonly pods = new Map<string, PodRef[]>();
  private podSeq = 0;
  private revision = 0;
  private faultSeq = 0;
  private readonly active = new Set<string>();
  private readonly failures = new Map<string, number>();
  private jitterMs: number;
  private readonly devices: DevicePhases | undefined;
  /** The running phase's node-by-node account, when it keeps one (restart-cloud). */
  private phaseDetail: CloudRestartRecord | undefined;

  constructor(
    private readonly loaded: LoadedScenario,
    private readonly ports: ScenarioPorts,
  ) {
    this.jitterMs = loaded.scenario.edge.reconnectJitter;
    const restart = loaded.phases.find((p) => p.phase === 'restart-cloud');
    if (restart && !ports.cloudRestart) {
      throw new ConfigInvalidError(
        `phase ${restart.name} (restart-cloud): this cloud cannot restart cloudcore — use --cloud local, or --cloud attach with --cloud-restart-command CMD or --cloud-restart-deployment NAMESPACE/NAME`,
        { option: '--cloud' },
      );
    }
    this.devices = ports.devices
      ? new DevicePhases(ports.devices, {
          group: (name) => this.group(name),
          record: (e) => ports.record(e),
          log: (line) => ports.log(line),
          interrupted: () => ports.interrupted(),
          sleep: (ms) => this.sleep(ms),
          waitFor: (done, ms) => this.waitFor(done, ms),
        })
      : undefined;
  }

  /** Run every phase, then the grace period; returns the phase records (also recorded as events). */
  async run(): Promise<PhaseRecord[]> {
    const records: PhaseRecord[] = [];
    for (const phase of this.loaded.phases) {
      if (this.ports.interrupted()) break;
      const startMs = Date.now();
      this.ports.record({ t: 'phase-start', atMs: startMs, name: phase.name, kind: phase.phase });
      this.ports.log(`phase ${phase.name} (${phase.phase}) started`);
      let recovery: Record<string, number | null> = {};
      this.phaseDetail = undefined;
      try {
        recovery = await this.runPhase(phase);
      } finally {
        const record: PhaseRecord = {
          name: phase.name,
          kind: phase.phase,
          startS: this.seconds(startMs),
          endS: this.seconds(Date.now()),
          recovery,
          ...('timeout' in phase && typeof phase.timeout === 'number' ? { timeoutS: phase.timeout / 1000 } : {}),
        };
        if (this.phaseDetail) record.cloudRestart = this.phaseDetail;
        records.push(record);
        this.ports.record({ t: 'phase-end', atMs: Date.now(), record });
        this.ports.log(`phase ${phase.name} ended${Object.keys(recovery).length ? `: ${Object.entries(recovery).map(([k, v]) => `${k}=${v ?? 'never'}`).join(' ')}` : ''}`);
      }
    }
    await this.healAll();
    for (const [line, n] of this.failures) if (n > 1) this.ports.log(`${line}: ${n} times`);
    const graceMs = this.loaded.scenario.grace;
    if (!this.ports.interrupted() && graceMs > 0 && this.ports.pendingDeliveries() > 0) {
      this.ports.log(`grace: up to ${graceMs / 1000} s for ${this.ports.pendingDeliveries()} pending deliveries`);
      await this.waitFor(() => this.ports.pendingDeliveries() === 0, graceMs);
    }
    return records;
  }

  /** Heal every fault still active (also on the way out of a failed or interrupted run). */
  async healAll(): Promise<void> {
    this.devices?.clearAll();
    for (const id of [...this.active]) await this.heal(id);
  }

  private async runPhase(phase: Phase & { name: string }): Promise<Record<string, number | null>> {
    switch (phase.phase) {
      case 'ramp':
        return this.ramp(phase.timeout);
      case 'steady':
        await this.sleep(phase.duration);
        return {};
      case 'churn':
        await this.churn(phase.name, this.group(phase.group), phase.duration, phase);
        return {};
      case 'storm':
        return this.storm(phase.name, phase.group, phase.jitter, phase.timeout);
      case 'flap': {
        const range = this.group(phase.group);
        const before = await this.ports.cloudConnected();
        const id = await this.apply(phase.name, phase.group, Fault.flap({ downMs: phase.down, upMs: phase.up, probability: phase.probability }));
        if (phase.churn) await this.churn(phase.name, range, phase.duration, { createsPerSecond: 1, updatesPerSecond: 1, deletesPerSecond: 0.5 });
        else await this.sleep(phase.duration);
        await this.heal(id);
        return this.recover(range, Date.now(), 300_000, before);
      }
      case 'partition':
      case 'blackhole':
      case 'half-open':
        return this.stall(phase);
      case 'latency': {
        const id = await this.apply(phase.name, phase.group, Fault.delay({ ms: phase.delay, jitterMs: phase.jitter, direction: phase.direction }));
        await this.sleep(phase.duration);
        await this.heal(id);
        return {};
      }
      case 'offline':
        return this.offline(phase);
      case 'restart-shards': {
        const range = this.group(phase.group);
        const t0 = Date.now();
        await this.restart(phase.name, range);
        return this.recover(range, t0, phase.timeout);
      }
      case 'restart-cloud':
        return this.restartCloud(phase);
      case 'heal': {
        await this.healAll();
        const all = this.group('all');
        const took = await this.waitFor(() => this.ports.readyNodes() >= all.count, phase.timeout);
        return { allReadyS: took };
      }
      case 'devices':
        if (!this.devices) throw new Error(`phase ${phase.name}: the run has no devices`); // the loader requires a devices section
        return this.devices.run(phase);
    }
  }

  /** Wait for the fleet to be Ready, then place the initial pods. */
  private async ramp(timeoutMs: number): Promise<Record<string, number | null>> {
    const t0 = Date.now();
    const all = this.group('all');
    const readyS = await this.waitFor(() => this.ports.readyNodes() >= all.count, timeoutMs);
    const w = this.loaded.scenario.workload;
    if (this.ports.workload && w.podsPerNode > 0 && !this.ports.interrupted()) {
      const total = all.count * w.podsPerNode;
      await this.paced(total, w.podRate, async (i) => this.createPod('ramp', i % all.count));
    }
    const devices = this.devices ? await this.devices.afterRamp(Math.max(0, t0 + timeoutMs - Date.now())) : {};
    return { allReadyS: readyS, ...devices };
  }

  private async storm(phase: string, group: string, jitterMs: number, timeoutMs: number): Promise<Record<string, number | null>> {
    if (jitterMs !== this.jitterMs) {
      await this.ports.injectFault({ kind: 'reconnect-jitter', ms: jitterMs });
      this.jitterMs = jitterMs;
    }
    const range = this.group(group);
    const t0 = Date.now();
    const id = await this.apply(phase, group, Fault.reset());
    this.forget(id, t0);
    return this.recover(range, t0, timeoutMs);
  }

  /** partition, blackhole, half-open: links stall silently for the duration, then come back. */
  private async stall(phase: Extract<Phase, { phase: 'partition' | 'blackhole' | 'half-open' }> & { name: string }): Promise<Record<string, number | null>> {
    const range = this.group(phase.group);
    // A partition also makes new dials hang; a blackhole or half-open link only goes silent.
    const fault = phase.phase === 'partition' ? Fault.partition() : Fault.stall({ direction: phase.phase === 'blackhole' ? phase.direction : 'both' });
    const before = await this.ports.cloudConnected();
    const t0 = Date.now();
    const id = await this.apply(phase.name, phase.group, fault);
    let cloudNoticedS: number | null = null;
    let apiNotReadyS: number | null = null;
    const end = t0 + phase.duration;
    // Watch the cloud's side while the links are stalled: its connected-nodes count dropping by
    // the group, and (real clouds) the Nodes turning NotReady.
    while (Date.now() < end && !this.ports.interrupted()) {
      if (cloudNoticedS === null && before !== null) {
        const now = await this.ports.cloudConnected();
        if (now !== null && now <= before - range.count) cloudNoticedS = this.since(t0);
      }
      if (apiNotReadyS === null) {
        const n = this.ports.apiNotReady(range, t0);
        if (n !== null && n >= range.count) apiNotReadyS = this.since(t0);
      }
      await this.sleep(Math.min(1000, Math.max(0, end - Date.now())));
    }
    const healedAt = Date.now();
    await this.heal(id);
    const recovered = await this.recover(range, healedAt, phase.timeout, before);
    const apiBack = this.ports.apiReadyAgain(range, healedAt);
    return {
      cloudNoticedS,
      ...(this.ports.apiNotReady(range, t0) !== null ? { apiNotReadyS } : {}),
      ...recovered,
      ...(apiBack !== null ? { apiReadyAgainS: await this.apiReadyAfter(range, healedAt, phase.timeout) } : {}),
    };
  }

  private async apiReadyAfter(range: NodeRange, sinceMs: number, timeoutMs: number): Promise<number | null> {
    const left = Math.max(0, timeoutMs - (Date.now() - sinceMs));
    const took = await this.waitFor(() => (this.ports.apiReadyAgain(range, sinceMs) ?? range.count) >= range.count, left);
    return took === null ? null : this.since(sinceMs);
  }

  /**
   * The group goes offline (links reset, dials refused); the cloud adds, changes and deletes pods
   * bound to it; optionally its shards are killed and restarted from their meta stores while still
   * offline; then the network returns and every change must arrive.
   */
  private async offline(phase: Extract<Phase, { phase: 'offline' }> & { name: string }): Promise<Record<string, number | null>> {
    const range = this.group(phase.group);
    const t0 = Date.now();
    const id = await this.apply(phase.name, phase.group, Fault.down({ dial: 'refuse', link: 'reset' }));
    await this.waitFor(() => this.ports.links.downSince(range, t0) >= range.count, 10_000);
    const c = phase.changesPerNode;
    if (this.ports.workload) {
      for (let k = 0; k < range.count && !this.ports.interrupted(); k++) {
        const node = range.first + k;
        // Change pods the node held before the outage: the first ones updated, the last ones deleted.
        const held = [...(this.pods.get(this.ports.nodeName(node)) ?? [])];
        for (let a = 0; a < c.add; a++) await this.createPod(phase.name, node);
        for (let u = 0; u < c.update && u < held.length; u++) await this.updatePod(phase.name, held[u]!);
        for (let d = 0; d < c.delete && held.length - 1 - d >= c.update; d++) await this.deletePod(phase.name, held[held.length - 1 - d]!);
      }
    }
    const out: Record<string, number | null> = {};
    if (phase.restartShards && !this.ports.interrupted()) {
      const check = await this.restart(phase.name, range);
      out.restoredPods = check.podsAfter;
    }
    await this.sleep(Math.max(0, t0 + phase.duration - Date.now()));
    const healedAt = Date.now();
    await this.heal(id);
    return { ...out, ...(await this.recover(range, healedAt, phase.timeout)) };
  }

  /**
   * Stop cloudcore, change pods while it is down, start it again; then follow the fleet back: every
   * node reconnected, the Nodes the API turned Unknown (and back), what each node's first failed
   * send predicted, what cloudcore re-sent and whether the outage's changes arrived.
   */
  private async restartCloud(phase: Extract<Phase, { phase: 'restart-cloud' }> & { name: string }): Promise<Record<string, number | null>> {
    const restarter = this.ports.cloudRestart!; // checked when the runner was made
    const all = this.group('all');
    const cmNodes = await this.mountConfigMaps(`${phase.name}-setup`, all, phase.configMapChanges, phase.timeout);
    const resentBefore = this.ports.resentObjects?.() ?? 0;
    const whileDown = async (): Promise<void> => {
      await this.changePods(phase.name, all, phase.podChanges);
      await this.changeConfigMaps(phase.name, cmNodes);
    };
    const r = await restarter.restartCloudcore({ signal: phase.signal, downtimeMs: phase.downtime, whileDown });
    const t0 = r.stoppedAtMs;
    this.ports.log(`restart-cloud: ${r.detail}; serving again ${((r.readyAtMs - t0) / 1000).toFixed(1)} s after the stop`);
    const deadline = t0 + phase.timeout;
    const back = await this.waitFor(() => this.ports.links.upSince(all, t0) >= all.count, Math.max(0, deadline - Date.now()));
    const allReconnectedS = back === null ? null : this.since(t0);
    // The API's view needs real time: a lost lease is re-sent after 60 s, kube-controller-manager waits 50 s.
    await this.sleep(Math.max(0, t0 + phase.observe - Date.now()));
    const apiBack = async (): Promise<boolean> => (this.ports.apiReadyAgain(all, t0) ?? all.count) >= all.count && this.ports.pendingDeliveries() === 0;
    await this.waitFor(apiBack, Math.max(0, deadline - Date.now()));
    const spans = this.ports.apiNotReadySpans?.(all, t0) ?? null;
    const names = Array.from({ length: all.count }, (_, k) => this.ports.nodeName(all.first + k));
    const outcome = cloudRestartOutcome({
      nodes: names,
      firstFailed: this.ports.firstFailedSends?.(t0) ?? new Map(),
      unknown: spans ? new Map([...spans].map(([i, s]) => [this.ports.nodeName(i), s])) : null,
      stoppedAtMs: t0,
    });
    this.phaseDetail = { signal: phase.signal, detail: r.detail, stoppedS: this.seconds(t0), readyS: this.seconds(r.readyAtMs), ...outcome.record };
    const changed = this.ports.phaseDeliveries?.(phase.name) ?? { expected: 0, delivered: 0 };
    return {
      cloudReadyS: Math.round((r.readyAtMs - t0) / 100) / 10,
      allReconnectedS,
      ...outcome.recovery,
      objectsResent: this.ports.resentObjects ? this.ports.resentObjects() - resentBefore : null,
      changedDuringOutage: changed.expected,
      changedDelivered: changed.delivered,
      configMapsChanged: cmNodes.length,
    };
  }

  /**
   * Place a pod mounting its node's ConfigMap on `n` nodes spread over `range` and wait until they
   * are delivered: cloudcore then sends those nodes every change of their ConfigMap.
   */
  private async mountConfigMaps(phase: string, range: NodeRange, n: number, timeoutMs: number): Promise<number[]> {
    const w = this.ports.workload;
    if (!w?.createPodWithConfigMap || n === 0) return [];
    const nodes: number[] = [];
    for (let k = 0; k < Math.min(n, range.count) && !this.ports.interrupted(); k++) {
      const node = range.first + Math.floor((k * range.count) / Math.min(n, range.count));
      const name = `${this.ports.nodeName(node)}-cm${++this.podSeq}`;
      try {
        const r = await w.createPodWithConfigMap(this.ports.nodeName(node), name);
        // kept out of the churn's pod lists: deleting it would stop the ConfigMap's changes reaching the node
        this.ports.record({ t: 'expect', atMs: r.atMs, node: this.ports.nodeName(node), kind: 'pod', namespace: w.namespace, name, uid: r.uid, resourceVersion: r.resourceVersion, phase });
        nodes.push(node);
      } catch (e) {
        this.workloadError('restart-cloud', e);
      }
    }
    await this.waitFor(() => this.ports.pendingDeliveries() === 0, timeoutMs);
    return nodes;
  }

  private async changeConfigMaps(phase: string, nodes: readonly number[]): Promise<void> {
    const w = this.ports.workload;
    if (!w?.updateConfigMap) return;
    for (const i of nodes) {
      if (this.ports.interrupted()) return;
      const node = this.ports.nodeName(i);
      try {
        const r = await w.updateConfigMap(node);
        if (r) this.ports.record({ t: 'expect', atMs: r.atMs, node, kind: 'configmap', namespace: w.namespace, name: r.name, uid: r.uid, resourceVersion: r.resourceVersion, phase });
      } catch (e) {
        this.workloadError('restart-cloud', e);
      }
    }
  }

  /** `n` pod changes spread over `range` while cloudcore is down: creations, label updates and deletions in turn. */
  private async changePods(phase: string, range: NodeRange, n: number): Promise<void> {
    if (!this.ports.workload) return;
    for (let k = 0; k < n && !this.ports.interrupted(); k++) {
      const node = range.first + ((k * 7919) % range.count);
      const live = this.pods.get(this.ports.nodeName(node)) ?? [];
      try {
        if (k % 3 === 0 || live.length === 0) await this.createPod(phase, node);
        else if (k % 3 === 1) await this.updatePod(phase, live[0]!);
        else await this.deletePod(phase, live[live.length - 1]!);
      } catch (e) {
        this.workloadError('restart-cloud', e);
      }
    }
  }

  private async restart(phase: string, range: NodeRange): Promise<{ podsAfter: number }> {
    const check = await this.ports.injectFault({ kind: 'shard-crash', span: range });
    this.ports.record({ t: 'restore-check', atMs: Date.now(), phase, ...check });
    this.ports.log(`restart-shards: ${check.nodes} nodes, pods before ${check.podsBefore}, after ${check.podsAfter}, lost ${check.lost}, duplicated ${check.duplicated}`);
    return check;
  }

  /**
   * Seconds from `sinceMs` until every node of `range` is back, then until nothing is pending.
   * `reconnect`: every node has redialled since (a storm dropped them all). `healthy`: every link
   * is up and the cloud counts as many connected nodes as before the fault (`cloudBefore`) — a
   * node whose link only stalled, or that was up when a flap ended, needs no reconnect.
   */
  private async recover(range: NodeRange, sinceMs: number, timeoutMs: number, cloudBefore?: number | null): Promise<Record<string, number | null>> {
    const healthy = async (): Promise<boolean> => {
      if (this.ports.links.upNow(range) < range.count) return false;
      if (cloudBefore === undefined || cloudBefore === null) return true;
      const now = await this.ports.cloudConnected();
      return now === null || now >= cloudBefore;
    };
    const ready = await this.waitFor(cloudBefore === undefined ? () => this.ports.links.upSince(range, sinceMs) >= range.count : healthy, timeoutMs);
    const allReadyS = ready === null ? null : this.since(sinceMs);
    const left = Math.max(0, timeoutMs - (Date.now() - sinceMs));
    const delivered = await this.waitFor(() => this.ports.pendingDeliveries() === 0, left);
    return { allReadyS, allDeliveredS: delivered === null ? null : this.since(sinceMs) };
  }

  private async churn(phase: string, range: NodeRange, durationMs: number, rates: { createsPerSecond: number; updatesPerSecond: number; deletesPerSecond: number }): Promise<void> {
    if (!this.ports.workload) {
      await this.sleep(durationMs);
      return;
    }
    const end = Date.now() + durationMs;
    const total = rates.createsPerSecond + rates.updatesPerSecond + rates.deletesPerSecond;
    if (total <= 0) {
      await this.sleep(durationMs);
      return;
    }
    let next = Date.now();
    let k = 0;
    while (Date.now() < end && !this.ports.interrupted()) {
      const node = range.first + (k++ % range.count);
      const pick = ((k * 0.6180339887) % 1) * total;
      const live = this.pods.get(this.ports.nodeName(node)) ?? [];
      try {
        if (pick < rates.createsPerSecond || live.length === 0) await this.createPod(phase, node);
        else if (pick < rates.createsPerSecond + rates.updatesPerSecond) await this.updatePod(phase, live[k % live.length]!);
        else await this.deletePod(phase, live[k % live.length]!);
      } catch (e) {
        this.workloadError('churn', e);
      }
      next += 1000 / total;
      await this.sleep(Math.max(0, Math.min(end, next) - Date.now()));
    }
  }

  /** Log the first failure of each kind; count the rest (printed when the run ends). */
  private workloadError(what: string, e: unknown): void {
    const line = `${what}: ${describeError(e)}`;
    const n = (this.failures.get(line) ?? 0) + 1;
    this.failures.set(line, n);
    if (n === 1) this.ports.log(`${line} (repeats are counted)`);
  }

  /** Workload calls that failed, by message. */
  get workloadFailures(): ReadonlyMap<string, number> {
    return this.failures;
  }

  private async createPod(phase: string, nodeIndex: number): Promise<void> {
    const w = this.ports.workload!;
    const node = this.ports.nodeName(nodeIndex);
    const name = `${node}-s${++this.podSeq}`;
    const r = await w.createPod(node, name);
    const ref: PodRef = { node, namespace: w.namespace, name, uid: r.uid };
    let list = this.pods.get(node);
    if (!list) this.pods.set(node, (list = []));
    list.push(ref);
    this.ports.record({ t: 'expect', atMs: r.atMs, node, kind: 'pod', namespace: w.namespace, name, uid: r.uid, resourceVersion: r.resourceVersion, phase });
  }

  private async updatePod(phase: string, pod: PodRef): Promise<void> {
    const r = await this.ports.workload!.updatePod(pod, ++this.revision);
    if (r) this.ports.record({ t: 'expect', atMs: r.atMs, node: pod.node, kind: 'pod', namespace: pod.namespace, name: pod.name, uid: pod.uid, resourceVersion: r.resourceVersion, phase });
  }

  private async deletePod(phase: string, pod: PodRef): Promise<void> {
    const list = this.pods.get(pod.node);
    if (list) list.splice(list.indexOf(pod), 1);
    const r = await this.ports.workload!.deletePod(pod);
    if (r) this.ports.record({ t: 'expect', atMs: r.atMs, node: pod.node, kind: 'pod', namespace: pod.namespace, name: pod.name, uid: pod.uid, resourceVersion: null, phase });
  }

  private async apply(phase: string, group: string, fault: LinkFaultSpec): Promise<string> {
    const range = this.group(group);
    const id = `${phase}-${++this.faultSeq}`;
    const atMs = Date.now();
    await this.ports.injectFault({ kind: 'link', id, spec: fault, span: range });
    this.active.add(id);
    this.ports.record({ t: 'fault-start', atMs, id, phase, kind: fault.kind, detail: describeFault(fault), group, nodes: range.count });
    return id;
  }

  /** One-shot faults (reset) end as soon as they are applied. */
  private forget(id: string, atMs: number): void {
    if (this.active.delete(id)) this.ports.record({ t: 'fault-end', atMs, id });
  }

  private async heal(id: string): Promise<void> {
    if (!this.active.has(id)) return;
    await this.ports.healFault(id);
    this.active.delete(id);
    this.ports.record({ t: 'fault-end', atMs: Date.now(), id });
  }

  private group(name: string): NodeRange {
    const g = this.loaded.groups.get(name);
    if (!g) throw new Error(`unknown group ${name}`); // the loader checked every reference
    return g;
  }

  /** Poll `done` until true or `timeoutMs`; resolves with the seconds it took, null on timeout or interrupt. */
  private async waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number | null> {
    const t0 = Date.now();
    for (;;) {
      if (await done()) return this.since(t0);
      if (this.ports.interrupted() || Date.now() - t0 >= timeoutMs) return null;
      await this.sleep(POLL_MS);
    }
  }

  /** Run `task` `n` times at `ratePerSecond`, at most 16 in flight. */
  private async paced(n: number, ratePerSecond: number, task: (i: number) => Promise<void>): Promise<void> {
    const t0 = Date.now();
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < n && !this.ports.interrupted(); i++) {
      const due = t0 + (i * 1000) / ratePerSecond;
      if (due > Date.now()) await this.sleep(due - Date.now());
      const p = task(i)
        .catch((e: unknown) => this.workloadError('workload', e))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= 16) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  /** Sleep in slices, so an interrupt is noticed within POLL_MS. */
  private async sleep(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.ports.interrupted()) {
      const left = end - Date.now();
      if (left <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, POLL_MS)));
    }
  }

  private since(t0: number): number {
    return Math.round((Date.now() - t0) / 100) / 10;
  }

  private seconds(atMs: number): number {
    return Math.round((atMs - this.ports.runStartedAtMs) / 100) / 10;
  }
}

/** One line for a failed API call: the Kubernetes Status message when there is one. */
export function describeError(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && 'body' in e) {
    const { code, body } = e as { code: unknown; body: unknown };
    let message: unknown;
    try {
      message = (typeof body === 'string' ? (JSON.parse(body) as { message?: unknown }) : (body as { message?: unknown }))?.message;
    } catch {
      message = undefined;
    }
    return `HTTP ${String(code)}${typeof message === 'string' ? `: ${message}` : ''}`;
  }
  return e instanceof Error ? e.message : String(e);
}
