/**
 * One node's devicetwin with its mappers: the devices devicecontroller made members of the node,
 * the DeviceModels and Devices metamanager handed over, a mapper loop per device, and the upstream
 * side of edgecore's devicetwin — each DMI report (rate-limited as edgecore's DMI server does)
 * becomes a `twin/edge_updated` or `state/update` message kept in the confirm map until the cloud
 * answers "OK", re-sent while unanswered, dropped while the node is disconnected.
 * Created by a virtual node only once a device message reaches it, so a node without devices
 * costs nothing and sends nothing a node without devicetwin would not.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Message } from '../../protocol/kubeedge/message.js';
import type { MetaRecord } from '../meta-store.js';
import { pick } from '../../util/json-pick.js';
import type { DeviceCounters } from './device-counters.js';
import { DeviceMapper, type MapperHost } from './device-mapper.js';
import type { DeviceRuntime } from './device-runtime.js';
import { deviceIdOf, parseDevice, parseDeviceModel, type DeviceModelSpec, type DevicePropertySpec } from './device-spec.js';
import {
  MEMBERSHIP_DETAIL_RESOURCE,
  membershipDetailContent,
  parseMembershipUpdate,
  rfc3339Seconds,
  stateResource,
  stateUpdateContent,
  twinFrame,
  twinResource,
  twinUpdateContent,
} from './twin-messages.js';
import { NO_TIMER, type TimerId, type TimerTarget, type TimerWheel } from '../../scheduler/timer-wheel.js';

/** How a node's devicetwin reaches the wire: its hub link, through the node's own send path. */
export interface TwinUplink {
  readonly nodeName: string;
  /** Write one frame; false when the link would not take it. */
  transmit(text: string, operation: string, resource: string): boolean;
}

interface Unconfirmed {
  readonly text: string;
  readonly operation: string;
  readonly resource: string;
  /** Wheel time of the first send. */
  readonly sentAt: number;
}

const T_CONFIRM = 1;

export class NodeDevices implements TimerTarget, MapperHost {
  readonly wheel: TimerWheel;
  private readonly models = new Map<string, DeviceModelSpec>();
  private readonly mappers = new Map<string, { mapper: DeviceMapper; specKey: string }>();
  /** devicetwin's DeviceList: device id → property → twin edge version. */
  private readonly members = new Map<string, Map<string, number>>();
  /** devicetwin's ConfirmMap: msg_id → what to re-send. */
  private readonly unconfirmed = new Map<string, Unconfirmed>();
  private connected: boolean;
  private tokens: number;
  private tokensAt: number;
  private confirmTimer: TimerId = NO_TIMER;
  private stopped = false;

  constructor(
    private readonly rt: DeviceRuntime,
    readonly counters: DeviceCounters,
    private readonly uplink: TwinUplink,
    connected: boolean,
  ) {
    this.wheel = rt.wheel;
    this.connected = connected;
    this.tokens = rt.timings.dmiBurst;
    this.tokensAt = rt.wheel.now();
  }

  get deviceCount(): number {
    return this.mappers.size;
  }

  get unconfirmedCount(): number {
    return this.unconfirmed.size;
  }

  /** The mapper of a device (tests, diagnostics). */
  mapper(id: string): DeviceMapper | undefined {
    return this.mappers.get(id)?.mapper;
  }

  isMember(id: string): boolean {
    return this.members.has(id);
  }

  // ------------------------------------------------------------ from the cloud

  /** A `twin` group message without a parent: devicecontroller's membership push (never ACKed). */
  onTwinMessage(m: Message): void {
    if (this.stopped || !(m.route.resource ?? '').includes('membership')) return;
    this.counters.cloudMessages += 1;
    const update = parseMembershipUpdate(m.content);
    if (!update) return;
    for (const d of update.added) {
      if (this.members.has(d.id)) continue;
      this.members.set(d.id, new Map());
      this.counters.members += 1;
    }
    for (const d of update.removed) {
      if (this.members.delete(d.id)) this.counters.members -= 1;
    }
  }

  /** The cloud's `response` to a report (devicetwin's Confirm). True when it answered one of ours. */
  onConfirm(parentId: string): boolean {
    const u = this.unconfirmed.get(parentId);
    if (!u) return false;
    this.unconfirmed.delete(parentId);
    this.counters.unconfirmed -= 1;
    this.counters.reportsConfirmed += 1;
    this.counters.confirmLatencyMs.observe(this.wheel.now() - u.sentAt);
    return true;
  }

  /** A DeviceModel or Device the node stored and ACKed (metamanager → devicetwin → DMI → mapper). */
  onObject(type: string, operation: string, content: unknown, receivedAtMs: number): void {
    if (this.stopped) return;
    this.counters.cloudMessages += 1;
    if (type === 'devicemodel') {
      const model = parseDeviceModel(content);
      if (!model) return;
      const id = `${model.namespace}/${model.name}`;
      if (operation === 'delete') this.models.delete(id);
      else this.models.set(id, model);
      return;
    }
    if (type !== 'device') return;
    const id = deviceIdOf(content);
    if (!id) return;
    const entry = this.mappers.get(id);
    if (operation === 'delete') {
      if (entry) {
        entry.mapper.stop();
        this.mappers.delete(id);
      }
      return;
    }
    const namespace = id.slice(0, id.indexOf('/'));
    const modelName = pick(content, 'spec', 'deviceModelRef', 'name');
    const spec = parseDevice(content, typeof modelName === 'string' ? this.models.get(`${namespace}/${modelName}`) : undefined);
    if (!spec) return;
    // A digest, not the text: a node may hold many devices, and only "did the spec change" is asked of it.
    const specKey = createHash('sha1').update(JSON.stringify(pick(content, 'spec') ?? null)).digest('base64');
    if (entry) {
      // edgecore's DMI worker passes an update on only when the spec changed.
      if (entry.specKey === specKey) return;
      entry.specKey = specKey;
      entry.mapper.update(spec, () => this.rt.io.open(spec, this.uplink.nodeName), receivedAtMs);
      return;
    }
    const io = this.rt.io.open(spec, this.uplink.nodeName);
    if (!io) return; // no mapper speaks this protocol: edgecore's RegisterDevice fails and nothing runs
    const mapper = new DeviceMapper(spec, io, this);
    this.mappers.set(id, { mapper, specKey });
    mapper.start(receivedAtMs);
  }

  /**
   * A restarted node: the DeviceModels and Devices its meta store kept. edgecore's devicetwin keeps
   * its device list (the membership) in the same database, so a stored Device is a member again and
   * its mapper starts; reports wait for the hub as any report made offline does.
   */
  restore(records: readonly MetaRecord[]): void {
    const parsed = records.flatMap((r) => {
      try {
        return [{ type: r.type, body: JSON.parse(r.body) as unknown, at: r.updatedAt }];
      } catch {
        return [];
      }
    });
    for (const r of parsed) if (r.type === 'devicemodel') this.onObject('devicemodel', 'insert', r.body, r.at);
    for (const r of parsed) {
      if (r.type !== 'device') continue;
      const id = deviceIdOf(r.body);
      if (id && !this.members.has(id)) {
        this.members.set(id, new Map());
        this.counters.members += 1;
      }
      this.onObject('device', 'insert', r.body, r.at);
    }
  }

  /**
   * The hub (re)connected. devicetwin asks for its membership detail on every connect after a
   * disconnect (communicate.go `dealLifeCycle`); the cloud never answers, so it stays in the
   * confirm map and is re-sent with everything else.
   */
  onConnected(): void {
    if (this.stopped || this.connected) return;
    this.connected = true;
    const now = Date.now();
    const msgId = randomUUID();
    const text = twinFrame(msgId, now, 'get', MEMBERSHIP_DETAIL_RESOURCE, membershipDetailContent(randomUUID(), now, this.uplink.nodeName));
    this.counters.detailRequests += 1;
    this.send(msgId, text, 'get', MEMBERSHIP_DETAIL_RESOURCE);
  }

  onDisconnected(): void {
    this.connected = false;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const { mapper } of this.mappers.values()) mapper.stop();
    this.mappers.clear();
    this.counters.members -= this.members.size;
    this.members.clear();
    this.counters.unconfirmed -= this.unconfirmed.size;
    this.unconfirmed.clear();
    if (this.confirmTimer !== NO_TIMER) this.wheel.cancel(this.confirmTimer);
    this.confirmTimer = NO_TIMER;
  }

  // ------------------------------------------------------------ from the mappers (DMI)

  reportTwin(mapper: DeviceMapper, property: DevicePropertySpec, value: string, _readAtMs: number): void {
    if (this.stopped || !this.admit()) return;
    const twins = this.members.get(mapper.id);
    if (!twins) {
      // DealDeviceTwin: "update rejected due to the device is not existed"
      this.counters.reportsNotMember += 1;
      return;
    }
    const version = (twins.get(property.name) ?? 0) + 1;
    twins.set(property.name, version);
    if (!this.connected) {
      this.counters.reportsDroppedOffline += 1;
      return;
    }
    const now = Date.now();
    const msgId = randomUUID();
    const resource = twinResource(mapper.id);
    // The mapper's TwinData carries the desired value it started with as its observedDesired.
    const content = twinUpdateContent(randomUUID(), now, { property: property.name, actual: value, expected: property.desired, version, valueTimestamp: now });
    this.counters.twinReports += 1;
    this.send(msgId, twinFrame(msgId, now, 'update', resource, content), 'update', resource);
  }

  reportState(mapper: DeviceMapper, state: string): void {
    if (this.stopped || !this.admit()) return;
    if (!this.members.has(mapper.id)) {
      this.counters.reportsNotMember += 1;
      return;
    }
    if (!this.connected) {
      this.counters.reportsDroppedOffline += 1;
      return;
    }
    const now = Date.now();
    const lower = state.toLowerCase();
    const lastOnline = lower === 'online' || lower === 'ok' ? rfc3339Seconds(now) : '';
    const msgId = randomUUID();
    const resource = stateResource(mapper.id);
    this.counters.stateReports += 1;
    this.send(msgId, twinFrame(msgId, now, 'update', resource, stateUpdateContent(randomUUID(), now, mapper.spec.name, state, lastOnline)), 'update', resource);
  }

  desiredWritten(mapper: DeviceMapper, property: DevicePropertySpec, value: string, receivedAtMs: number, ok: boolean): void {
    this.rt.events.desiredWritten?.(this.uplink.nodeName, mapper.id, property.name, value, receivedAtMs, Date.now(), ok);
  }

  // ------------------------------------------------------------ confirm loop

  onTimer(_kind: number, now: number): void {
    this.confirmTimer = NO_TIMER;
    if (this.stopped || this.unconfirmed.size === 0) return;
    if (this.connected) {
      // checkConfirm: every waiting message goes again, same msg_id, same bytes.
      for (const u of this.unconfirmed.values()) {
        if (this.uplink.transmit(u.text, u.operation, u.resource)) this.counters.reportsResent += 1;
      }
    }
    this.confirmTimer = this.wheel.scheduleAt(this, T_CONFIRM, now + this.rt.timings.confirmResendMs);
  }

  private send(msgId: string, text: string, operation: string, resource: string): void {
    this.uplink.transmit(text, operation, resource);
    const max = this.rt.timings.maxUnconfirmed;
    if (this.unconfirmed.size >= max) {
      const oldest = this.unconfirmed.keys().next().value;
      if (oldest !== undefined) {
        this.unconfirmed.delete(oldest);
        this.counters.unconfirmed -= 1;
        this.counters.unconfirmedOverflow += 1;
      }
    }
    this.unconfirmed.set(msgId, { text, operation, resource, sentAt: this.wheel.now() });
    this.counters.unconfirmed += 1;
    if (this.confirmTimer === NO_TIMER) this.confirmTimer = this.wheel.schedule(this, T_CONFIRM, this.rt.timings.confirmResendMs);
  }

  /** edgecore's DMI server: `rate.NewLimiter(rate.Every(1s), 100)` shared by every mapper of the node. */
  private admit(): boolean {
    const t = this.rt.timings;
    if (t.dmiRatePerSecond <= 0) return true;
    const now = this.wheel.now();
    this.tokens = Math.min(t.dmiBurst, this.tokens + ((now - this.tokensAt) * t.dmiRatePerSecond) / 1000);
    this.tokensAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.counters.reportsRateLimited += 1;
    return false;
  }
}
