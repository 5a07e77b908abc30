/**
 * The command line of `pnpm bench floor`, parsed and checked: every bad value fails with a
 * ConfigInvalidError naming its flag, before anything is started.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigInvalidError } from '../../sim/errors.js';

export const FLOOR_USAGE =
  'pnpm bench floor [--nodes 10000] [--shards <cores>] [--settle 15s] [--seconds 60] [--time-scale 1] [--write-chunk 0] [--connect-rate 500] [--out reports/bench-floor-<timestamp>.json]';

/** The scheduling tick of every client process. */
export const TICK_MS = 100;
/** The smallest time scale that still leaves two ticks per lease period (10 s × 0.02 = 200 ms). */
export const MIN_TIME_SCALE = 0.02;
/** A TLS record carries at most 16 KiB of plaintext; smaller than 64 bytes would split even the headers. */
const WRITE_CHUNK_RANGE = [64, 16_384] as const;

export interface FloorOptions {
  nodes: number;
  /** Client processes. */
  shards: number;
  /** Wait between the last connection coming up and the steady window. */
  settleS: number;
  /** Length of the steady window. */
  seconds: number;
  /** Multiplies the 10 s lease and 15 s keepalive periods. */
  timeScale: number;
  /** 0: one socket write per frame; otherwise frames go out in pieces of at most this many bytes, as the hub link writes them (950). */
  writeChunkBytes: number;
  /** New connections per second, per client process. */
  connectPerSecond: number;
  out: string;
}

function fail(flag: string, detail: string, value: unknown): never {
  throw new ConfigInvalidError(`--${flag} ${detail}, got ${JSON.stringify(value)}. Usage: ${FLOOR_USAGE}`, { flag, value });
}

function wholeNumber(flag: string, raw: string, min: number): number {
  const v = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(v) || v < min) fail(flag, `must be a whole number ≥ ${min}`, raw);
  return v;
}

/** Seconds from `60`, `60s`, `1.5m` or `500ms`. */
function duration(flag: string, raw: string, min: { value: number; inclusive: boolean }): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) fail(flag, 'must be a duration like 60, 60s, 1.5m or 500ms', raw);
  const v = Number(m[1]);
  const s = m[2] === 'ms' ? v / 1000 : m[2] === 'm' ? v * 60 : v;
  if (min.inclusive ? s < min.value : s <= min.value) fail(flag, `must be ${min.inclusive ? '≥' : '>'} ${min.value} s`, raw);
  return s;
}

export function parseFloorOptions(argv: readonly string[], now: Date = new Date(), cores: number = os.cpus().length): FloorOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        nodes: { type: 'string', default: '10000' },
        shards: { type: 'string', default: String(Math.max(1, cores)) },
        settle: { type: 'string', default: '15s' },
        seconds: { type: 'string', default: '60' },
        'time-scale': { type: 'string', default: '1' },
        'write-chunk': { type: 'string', default: '0' },
        'connect-rate': { type: 'string', default: '500' },
        out: { type: 'string' },
      },
    }));
  } catch (e) {
    // node:util names the flag ("Unknown option '--node'", "Option '--nodes <value>' argument missing").
    throw new ConfigInvalidError(`${e instanceof Error ? e.message : String(e)}. Usage: ${FLOOR_USAGE}`, { argv: [...argv] });
  }
  const nodes = wholeNumber('nodes', values.nodes, 1);
  const shards = wholeNumber('shards', values.shards, 1);
  if (shards > nodes) fail('shards', `must not exceed --nodes (${nodes}): a client process needs at least one connection`, values.shards);
  const timeScale = Number(values['time-scale']);
  if (!Number.isFinite(timeScale) || timeScale < MIN_TIME_SCALE || values['time-scale'].trim() === '') {
    fail('time-scale', `must be a number ≥ ${MIN_TIME_SCALE} (a lease period of at least two ${TICK_MS} ms ticks)`, values['time-scale']);
  }
  const writeChunkBytes = wholeNumber('write-chunk', values['write-chunk'], 0);
  if (writeChunkBytes !== 0 && (writeChunkBytes < WRITE_CHUNK_RANGE[0] || writeChunkBytes > WRITE_CHUNK_RANGE[1])) {
    fail('write-chunk', `must be 0 (whole frames) or ${WRITE_CHUNK_RANGE[0]}–${WRITE_CHUNK_RANGE[1]} bytes`, values['write-chunk']);
  }
  const out = values.out ?? `reports/bench-floor-${now.toISOString().replace(/[:.]/g, '-')}.json`;
  if (out.trim() === '') fail('out', 'must be a file path', values.out);
  return {
    nodes,
    shards,
    settleS: duration('settle', values.settle, { value: 0, inclusive: true }),
    seconds: duration('seconds', values.seconds, { value: 0, inclusive: false }),
    timeScale,
    writeChunkBytes,
    connectPerSecond: wholeNumber('connect-rate', values['connect-rate'], 1),
    out,
  };
}
