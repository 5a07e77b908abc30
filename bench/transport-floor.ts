/**
 * `pnpm bench floor`: the floor under `pnpm bench`'s steady CPU — what Node's TLS client sockets
 * cost carrying the same frames at the same rates as the virtual nodes, with no node model at all.
 * A harness self-test of this machine's transport, never a KubeEdge measurement.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigInvalidError, ExitCodes } from '../sim/errors.js';
import { parseFloorOptions, type FloorOptions } from './transport-floor/floor-options.js';
import { floorReport, floorText } from './transport-floor/floor-report.js';
import { floorResult } from './transport-floor/floor-result.js';
import { measureTransportFloor } from './transport-floor/floor-run.js';

export async function runTransportFloor(argv: readonly string[]): Promise<void> {
  let options: FloorOptions;
  try {
    options = parseFloorOptions(argv);
  } catch (e) {
    if (!(e instanceof ConfigInvalidError)) throw e;
    process.stderr.write(`${e.toLine()}\n`);
    process.exitCode = ExitCodes.InvalidInput;
    return;
  }
  const loadAvg1m = os.loadavg()[0] ?? 0;
  const run = await measureTransportFloor(options, (line) => process.stderr.write(`${line}\n`));
  const report = floorReport(run, floorResult(run), `pnpm bench floor ${argv.join(' ')}`.trim(), loadAvg1m);
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log('');
  console.log(floorText(report));
  console.log(`\n${report.method.note}. JSON: ${options.out}`);
}
