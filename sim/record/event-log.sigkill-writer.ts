/**
 * Child process for event-log.sigkill.test.ts: appends numbered records to the log named by its
 * first argument, as fast as it can, until the test kills it with SIGKILL. Prints `started` once
 * the first batch is on disk.
 */
import { EventLog } from './event-log.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: event-log.sigkill-writer.ts <file>');
const log = EventLog.open(file, { flushIntervalMs: 5, maxBatch: 500 });
let seq = 0;
let announced = false;

function burst(): void {
  for (let i = 0; i < 200; i++) {
    // Lines of varying length, some with multi-byte characters, so a cut can fall anywhere.
    log.append({ t: 'tick', atMs: seq, seq, pad: 'é·x'.repeat(seq % 97) });
    seq++;
  }
  if (!announced && log.eventsWritten > 0) {
    announced = true;
    process.stdout.write('started\n');
  }
  setImmediate(burst);
}
burst();
