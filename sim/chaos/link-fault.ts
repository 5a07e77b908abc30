/**
 * Link faults between a virtual node and cloudcore, as plain JSON specs: the `Fault` façade builds
 * them, `parseLinkFault` validates them where they cross IPC, `describeFault` names them in a
 * report. The shard side (chaos-engine.ts) turns each spec into a strategy on the node's link.
 *
 * Faults act on the WebSocket byte stream above TLS (TLS records, alerts and the TCP handshake
 * are not delayed) and follow TCP semantics: held bytes are delayed, never dropped, reordered or
 * cut, until the link itself closes. `ms` values are one-way: a delay on `both` adds 2·ms to a
 * round trip.
 */
import { z } from 'zod';
import { ConfigInvalidError } from '../errors.js';

export type Direction = 'in' | 'out' | 'both';
/** How a dial fails while a link is down: at once (ECONNREFUSED/ENETUNREACH) or at the handshake timeout (a SYN into a partition). */
export type DialFailure = 'refuse' | 'timeout';

const ms = z.number().finite().nonnegative();
const positiveMs = z.number().finite().positive();
const direction = z.enum(['in', 'out', 'both']);
const dial = z.enum(['refuse', 'timeout']);

const delaySchema = z.object({ kind: z.literal('delay'), ms, jitterMs: ms, direction }).strict();
const bandwidthSchema = z
  .object({ kind: z.literal('bandwidth'), bytesPerSecond: z.number().finite().positive(), direction })
  .strict();
const stallSchema = z.object({ kind: z.literal('stall'), direction }).strict();
const resetSchema = z.object({ kind: z.literal('reset') }).strict();
const slowCloseSchema = z.object({ kind: z.literal('slow-close'), afterMs: ms }).strict();
const downSchema = z.object({ kind: z.literal('down'), dial, link: z.enum(['reset', 'stall']) }).strict();
const flapSchema = z
  .object({
    kind: z.literal('flap'),
    downMs: positiveMs,
    upMs: positiveMs,
    probability: z.number().min(0).max(1),
    dial,
    seed: z.number().int(),
    sync: z.boolean(),
  })
  .strict();

const singleSchema = z.discriminatedUnion('kind', [
  delaySchema,
  bandwidthSchema,
  stallSchema,
  resetSchema,
  slowCloseSchema,
  downSchema,
  flapSchema,
]);
const combinedSchema = z.object({ kind: z.literal('combined'), faults: z.array(singleSchema).min(1) }).strict();

export const linkFaultSchema = z.discriminatedUnion('kind', [...singleSchema.options, combinedSchema]);

/** Hold each byte `ms` (± up to `jitterMs`, uniformly) in `direction`; order is kept, so jitter never reorders. */
export type DelayFaultSpec = z.output<typeof delaySchema>;
/** At most `bytesPerSecond` in `direction` (a token bucket; bursts up to a tenth of a second's worth). */
export type BandwidthFaultSpec = z.output<typeof bandwidthSchema>;
/** Blackhole in `direction`: the socket stays open, nothing moves (outbound bytes are held, inbound reads stop so TCP pushes back); healing delivers what was held, in order. */
export type StallFaultSpec = z.output<typeof stallSchema>;
/** One shot: every live link of the selected nodes is destroyed with a TCP RST. */
export type ResetFaultSpec = z.output<typeof resetSchema>;
/**
 * One shot: the edge half-closes each live link. Bytes a fault still holds go out first, then TLS
 * close_notify and FIN; from then on the node's sends fail (send() returns false, counted as send
 * failures, not as a lost link) while downstream frames are still read and delivered. `afterMs`
 * later the socket is destroyed and the node sees the link close, unless the cloud closed it
 * first (cloudcore reads EOF and ends the session).
 */
export type SlowCloseFaultSpec = z.output<typeof slowCloseSchema>;
/**
 * The node's network is gone while the fault lasts. `link: 'reset'` destroys the live link with an
 * RST (offline); `link: 'stall'` leaves it open and silent in both directions (partition). New
 * dials fail per `dial`. Healing lets the node's own redial policy bring it back.
 */
export type DownFaultSpec = z.output<typeof downSchema>;
/**
 * Each selected node cycles: with `probability` per cycle it goes down (as `down` with
 * `link: 'reset'`) for `downMs`, then is up for `upMs`. Nodes' cycles are staggered evenly over
 * one cycle (`sync: false`) or aligned with the fault's start (`sync: true`); which cycles go down
 * is a deterministic function of node index, cycle number and `seed`.
 */
export type FlapFaultSpec = z.output<typeof flapSchema>;
/** Several faults under one id, applied and healed together (e.g. delay + bandwidth). */
export type CombinedFaultSpec = z.output<typeof combinedSchema>;

export type SingleFaultSpec = z.output<typeof singleSchema>;
export type LinkFaultSpec = z.output<typeof linkFaultSchema>;

/** Specs that act once when applied and are never active afterwards. */
export function isOneShot(spec: LinkFaultSpec): boolean {
  return spec.kind === 'reset' || spec.kind === 'slow-close';
}

/** The first few schema problems as `path: message`. */
export function describeIssues(error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
  const more = error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : '';
  return `${issues.join('; ')}${more}`;
}

/** Validate a spec from IPC, a file or a caller; throws ConfigInvalidError naming the bad field. */
export function parseLinkFault(raw: unknown): LinkFaultSpec {
  const r = linkFaultSchema.safeParse(raw);
  if (!r.success) throw new ConfigInvalidError(`invalid link fault: ${describeIssues(r.error)}`, { fault: raw });
  if (r.data.kind === 'combined') {
    const oneShots = r.data.faults.filter(isOneShot).length;
    if (oneShots > 0) throw new ConfigInvalidError('invalid link fault: a combined fault cannot hold reset or slow-close (they act once; apply them alone)', { fault: raw });
  }
  return r.data;
}

/** Builders for link-fault specs; each result is validated and plain JSON. */
export const Fault = {
  delay(o: { ms: number; jitterMs?: number; direction?: Direction }): DelayFaultSpec {
    return build({ kind: 'delay', ms: o.ms, jitterMs: o.jitterMs ?? 0, direction: o.direction ?? 'both' });
  },
  bandwidth(o: { bytesPerSecond: number; direction?: Direction }): BandwidthFaultSpec {
    return build({ kind: 'bandwidth', bytesPerSecond: o.bytesPerSecond, direction: o.direction ?? 'both' });
  },
  stall(o: { direction?: Direction } = {}): StallFaultSpec {
    return build({ kind: 'stall', direction: o.direction ?? 'both' });
  },
  /** A stall in both directions. */
  blackhole(): StallFaultSpec {
    return Fault.stall({ direction: 'both' });
  },
  reset(): ResetFaultSpec {
    return build({ kind: 'reset' });
  },
  slowClose(o: { afterMs: number }): SlowCloseFaultSpec {
    return build({ kind: 'slow-close', afterMs: o.afterMs });
  },
  down(o: { dial?: DialFailure; link?: 'reset' | 'stall' } = {}): DownFaultSpec {
    return build({ kind: 'down', dial: o.dial ?? 'refuse', link: o.link ?? 'reset' });
  },
  /** A network partition: live links stall silently, new dials hang until the handshake timeout. */
  partition(): DownFaultSpec {
    return Fault.down({ dial: 'timeout', link: 'stall' });
  },
  flap(o: { downMs: number; upMs: number; probability?: number; dial?: DialFailure; seed?: number; sync?: boolean }): FlapFaultSpec {
    return build({
      kind: 'flap',
      downMs: o.downMs,
      upMs: o.upMs,
      probability: o.probability ?? 1,
      dial: o.dial ?? 'refuse',
      seed: o.seed ?? 0,
      sync: o.sync ?? false,
    });
  },
  /** Several faults on the same nodes under one id. */
  combine(...faults: SingleFaultSpec[]): CombinedFaultSpec {
    return build({ kind: 'combined', faults });
  },
} as const;

function build<T extends LinkFaultSpec>(spec: T): T {
  return parseLinkFault(spec) as T;
}

/** One line for a report: `delay 200±50 ms both`, `bandwidth 64 KB/s out`, `flap 5 s down / 10 s up, p=0.5, dials refused`. */
export function describeFault(spec: LinkFaultSpec): string {
  switch (spec.kind) {
    case 'delay':
      return `delay ${spec.ms}${spec.jitterMs > 0 ? `±${spec.jitterMs}` : ''} ms ${spec.direction}`;
    case 'bandwidth':
      return `bandwidth ${rate(spec.bytesPerSecond)} ${spec.direction}`;
    case 'stall':
      return `stall ${spec.direction}`;
    case 'reset':
      return 'reset';
    case 'slow-close':
      return `slow close, destroyed after ${duration(spec.afterMs)}`;
    case 'down':
      return `down, link ${spec.link === 'reset' ? 'reset' : 'stalled'}, ${dials(spec.dial)}`;
    case 'flap':
      return `flap ${duration(spec.downMs)} down / ${duration(spec.upMs)} up, p=${spec.probability}, ${dials(spec.dial)}${spec.sync ? ', in sync' : ''}`;
    case 'combined':
      return spec.faults.map(describeFault).join(' + ');
  }
}

function dials(d: DialFailure): string {
  return d === 'refuse' ? 'dials refused' : 'dials time out';
}

function duration(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function rate(bytesPerSecond: number): string {
  if (bytesPerSecond >= 1_000_000) return `${trim(bytesPerSecond / 1_000_000)} MB/s`;
  if (bytesPerSecond >= 1000) return `${trim(bytesPerSecond / 1000)} KB/s`;
  return `${trim(bytesPerSecond)} B/s`;
}

function trim(v: number): string {
  return String(Math.round(v * 100) / 100);
}
