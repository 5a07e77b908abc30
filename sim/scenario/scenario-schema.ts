/**
 * The scenario file: what a run does, as YAML. A fleet (size, groups), a workload, a timeline of
 * phases and SLO assertions. This schema is the single definition; the loader reports violations
 * with the file, line and column of the offending value.
 */
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** "90s", "5m", "1h", "250ms" → milliseconds. A bare number is not accepted: the unit must be explicit. */
export const durationMs = z
  .string({ error: 'a duration with a unit, e.g. 250ms, 30s, 5m, 2h' })
  .regex(DURATION, 'a duration with a unit, e.g. 250ms, 30s, 5m, 2h')
  .transform((text) => {
    const m = DURATION.exec(text)!;
    const v = Number(m[1]);
    const unit = m[2]!;
    return Math.round(v * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
  });

const share = z
  .string()
  .regex(/^\d+(\.\d+)?%$/, 'a percentage, e.g. 30%')
  .transform((t) => Number(t.slice(0, -1)) / 100)
  .refine((v) => v > 0 && v <= 1, 'a percentage in (0%, 100%]');

/** A named part of the fleet: by percentage or by count. Groups take consecutive node indices in file order. */
const group = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes, starting with a letter').refine((n) => n !== 'all', '"all" is reserved for the whole fleet'),
    share: share.optional(),
    count: z.number().int().positive().optional(),
  })
  .strict()
  .refine((g) => (g.share === undefined) !== (g.count === undefined), 'give exactly one of share or count');

const groupRef = z.string().default('all');
const direction = z.enum(['in', 'out', 'both']).default('both');
const probability = z.number().min(0).max(1);

const phaseBase = { name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes').optional() };

/** Wait until every node of the fleet is Ready, or `timeout`. */
const ramp = z.object({ ...phaseBase, phase: z.literal('ramp'), timeout: durationMs.prefault('5m') }).strict();
/** Nothing happens for `duration`: edgecore's default intervals. */
const steady = z.object({ ...phaseBase, phase: z.literal('steady'), duration: durationMs }).strict();
/** Pods bound to `group` are created, updated and deleted at the given rates for `duration`. */
const churn = z
  .object({
    ...phaseBase,
    phase: z.literal('churn'),
    group: groupRef,
    duration: durationMs,
    createsPerSecond: z.number().nonnegative().default(1),
    updatesPerSecond: z.number().nonnegative().default(1),
    deletesPerSecond: z.number().nonnegative().default(0.5),
  })
  .strict();
/** Every link of `group` is reset at once; the nodes reconnect on edgecore's timing (+ `jitter`); waits until all are Ready again and nothing is pending. */
const storm = z
  .object({ ...phaseBase, phase: z.literal('storm'), group: groupRef, jitter: durationMs.prefault('0s'), timeout: durationMs.prefault('5m') })
  .strict();
/** Links of `group` flap: each cycle a node goes down for `down` with `probability`, then up for `up`. */
const flap = z
  .object({
    ...phaseBase,
    phase: z.literal('flap'),
    group: groupRef,
    duration: durationMs,
    down: durationMs,
    up: durationMs,
    probability: probability.default(1),
    churn: z.boolean().default(false),
  })
  .strict();
/** `group` is cut off for `duration`: sockets stall silently and new dials hang; then the partition heals. */
const partition = z.object({ ...phaseBase, phase: z.literal('partition'), group: groupRef, duration: durationMs, timeout: durationMs.prefault('5m') }).strict();
/** Links of `group` stall (nothing moves, sockets stay open) in `direction` for `duration`. */
const blackhole = z
  .object({ ...phaseBase, phase: z.literal('blackhole'), group: groupRef, direction, duration: durationMs, timeout: durationMs.prefault('5m') })
  .strict();
/** Links of `group` stall silently in both directions: measures how long cloudcore and the API take to notice, and recovery after. */
const halfOpen = z.object({ ...phaseBase, phase: z.literal('half-open'), group: groupRef, duration: durationMs, timeout: durationMs.prefault('5m') }).strict();
/** Link delay and jitter on `group` for `duration`. */
const latency = z
  .object({ ...phaseBase, phase: z.literal('latency'), group: groupRef, duration: durationMs, delay: durationMs, jitter: durationMs.prefault('0ms'), direction })
  .strict();
/** `group` goes offline; the cloud changes pods bound to it meanwhile; its shards may be killed and restarted while offline. */
const offline = z
  .object({
    ...phaseBase,
    phase: z.literal('offline'),
    group: groupRef,
    duration: durationMs,
    /** Pods added, changed and deleted per node of the group during the outage. */
    changesPerNode: z.object({
      add: z.number().int().nonnegative().default(1),
      update: z.number().int().nonnegative().default(1),
      delete: z.number().int().nonnegative().default(1),
    }).strict().default({ add: 1, update: 1, delete: 1 }),
    restartShards: z.boolean().default(false),
    timeout: durationMs.prefault('5m'),
  })
  .strict();
/** Kill the shard processes hosting `group` (SIGKILL) and start them again from their meta stores. */
const restartShards = z.object({ ...phaseBase, phase: z.literal('restart-shards'), group: groupRef, timeout: durationMs.prefault('5m') }).strict();
/**
 * Restart cloudcore (local provider; attach with --cloud-restart-command or
 * --cloud-restart-deployment): stop it with `signal`, keep it down for `downtime`, start it again
 * with the same configuration and certificates. Right after the stop `podChanges` pods are
 * created, changed and deleted through the API and `configMapChanges` nodes' ConfigMaps (mounted
 * by a pod placed before the stop) are changed, for the resync to deliver. The phase then watches
 * for `observe` — every node reconnecting, Nodes turning Unknown in the API, which send failed
 * first on each node — and up to `timeout` for every Node to be Ready and every change delivered.
 * `observe` and `downtime` are real time under --time-scale: kube-controller-manager's 50 s grace,
 * the edge's 60 s re-send and cloudcore's own timers are not scaled.
 */
const restartCloud = z
  .object({
    ...phaseBase,
    phase: z.literal('restart-cloud'),
    signal: z.enum(['SIGTERM', 'SIGKILL']).default('SIGTERM'),
    downtime: durationMs.prefault('0s'),
    podChanges: z.number().int().nonnegative().default(0),
    /** Nodes whose ConfigMap (mounted by a pod placed before the stop) is changed during the outage. */
    configMapChanges: z.number().int().nonnegative().default(0),
    observe: durationMs.prefault('100s'),
    timeout: durationMs.prefault('5m'),
  })
  .strict();
/** Heal every fault still active and wait until every node is Ready. */
const heal = z.object({ ...phaseBase, phase: z.literal('heal'), timeout: durationMs.prefault('5m') }).strict();

/**
 * What the fake devices of a group do wrong for a devices phase: slow answers (`latency` +
 * up to `jitter`), Modbus exception answers (`exceptionRate`) or ONVIF SOAP faults
 * (`soapFaultRate`), and connections dropped unanswered (`dropRate`). Device time is physical:
 * `--time-scale` leaves these alone.
 */
const deviceFault = z
  .object({
    latency: durationMs.optional(),
    jitter: durationMs.optional(),
    exceptionRate: probability.optional(),
    soapFaultRate: probability.optional(),
    dropRate: probability.optional(),
  })
  .strict();
/**
 * The fake devices bound to `group` for `duration`: with `fault` they misbehave (the fault is
 * cleared at the end, then the phase waits up to `timeout` for reads to recover); with `desired`
 * the value is set on every device of the group at the start and the phase waits (up to `timeout`)
 * until every device reports it.
 */
const devicesPhase = z
  .object({
    ...phaseBase,
    phase: z.literal('devices'),
    group: groupRef,
    duration: durationMs,
    fault: deviceFault.optional(),
    desired: z.object({ property: z.string().min(1), value: z.string() }).strict().optional(),
    timeout: durationMs.prefault('5m'),
  })
  .strict();

export const phaseSchema = z.discriminatedUnion('phase', [ramp, steady, churn, storm, flap, partition, blackhole, halfOpen, latency, offline, restartShards, restartCloud, heal, devicesPhase]);

/** Every phase kind, in the order the schema lists them (for messages). */
export const PHASE_KINDS = phaseSchema.options.map((o) => o.shape.phase.value);

/**
 * Fake devices for the run: `perNode` per node across the fleet, started on 127.0.0.1 in the run
 * process and bound to the nodes (DeviceModels and Devices) once the ramp is done. Modbus devices
 * sit behind shared ports as unit ids (`unit-ids`, a gateway) or one per port (`ports`); every
 * value and fault draw follows `seed`. The cycles are the Devices' `collectCycle`/`reportCycle`
 * and `stateReport.reportCycle` (edgecore's DMI server takes 1 report per second per node, burst
 * 100: keep perNode × properties / collectCycle under that, or reports are refused).
 */
const devicesConfig = z
  .object({
    perNode: z.number().int().positive().max(100),
    protocol: z.enum(['modbus', 'onvif']).default('modbus'),
    collectCycle: durationMs.prefault('20s'),
    reportCycle: durationMs.prefault('20s'),
    stateReportCycle: durationMs.prefault('60s'),
    layout: z.enum(['unit-ids', 'ports']).default('unit-ids'),
    seed: z.number().int().nonnegative().max(2 ** 32 - 1).default(1),
  })
  .strict();

/** `optional: true` keeps k6's pass-on-no-data for this SLO; without it an SLI with no data fails. */
const slo = z
  .object({ sli: z.string().min(1), threshold: z.string().min(1), optional: z.boolean().optional() })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1),
    fleet: z
      .object({
        nodes: z.number().int().positive().max(200_000),
        shards: z.number().int().positive().optional(),
        /** Nodes connected per second during the ramp. */
        ramp: z.number().positive().default(200),
        certs: z.enum(['per-node', 'shared']).default('shared'),
        groups: z.array(group).default([]),
      })
      .strict(),
    workload: z
      .object({
        podsPerNode: z.number().int().nonnegative().default(0),
        /** Pod creations per second while the initial pods are placed. */
        podRate: z.number().positive().default(20),
      })
      .strict()
      .default({ podsPerNode: 0, podRate: 20 }),
    edge: z
      .object({
        /** Random extra sleep before each redial, on top of edgecore's fixed 30 s (0 = edgecore). */
        reconnectJitter: durationMs.prefault('0s'),
        /**
         * When each node's lease loop first renews: `after-register` (one period after registering,
         * as the join trace shows) or `random` (anywhere in its period: a fleet whose kubelets and
         * connections started apart, so which send a lost link catches first varies node to node).
         */
        leasePhase: z.enum(['after-register', 'random']).default('after-register'),
      })
      .strict()
      .default({ reconnectJitter: 0, leasePhase: 'after-register' }),
    devices: devicesConfig.optional(),
    /** How long after the last phase the ledger waits for deliveries before counting what is missing as lost. */
    grace: durationMs.prefault('30s'),
    timeline: z.array(phaseSchema).min(1),
    slos: z.array(slo).default([]),
  })
  .strict();

export type Scenario = z.output<typeof scenarioSchema>;
export type Phase = z.output<typeof phaseSchema>;
export type DevicesConfig = z.output<typeof devicesConfig>;
export type DeviceFaultSpec = z.output<typeof deviceFault>;
export type DevicesPhase = Extract<Phase, { phase: 'devices' }>;
