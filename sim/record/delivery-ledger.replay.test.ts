import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryLedger, type Receipt } from './delivery-ledger.js';
import { change, got, SECTION } from './delivery-ledger.test-kit.js';
import { EventLog, readEventLog } from './event-log.js';
import type { Expectation } from '../model/run-events.js';

describe('DeliveryLedger replayed from an event log', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('rebuilds exactly the section the live ledger gave', async () => {
    dir = mkdtempSync(join(tmpdir(), 'twinlab-ledger-replay-'));
    const file = join(dir, 'events.jsonl');
    const live = new DeliveryLedger({ trackedKinds: ['pod'] });
    const log = EventLog.open(file, { maxBatch: 7, fsync: false });
    const expectAndLog = (e: Expectation): void => {
      live.expect(e);
      log.append({ t: 'expect', ...e });
    };
    const receiptAndLog = (e: Receipt): void => {
      live.receipt(e);
      log.append({ t: 'receipt', ...e });
    };
    for (let i = 0; i < 200; i++) {
      const node = `n${i % 7}`;
      const phase = ['ramp', 'storm', 'heal'][i % 3]!;
      if (i % 9 === 0) receiptAndLog(got(node, `o${i}`, 'insert', String(100 + i), i)); // ahead of its expectation
      expectAndLog(change(node, `o${i}`, String(100 + i), i, phase));
      if (i % 4 !== 0) receiptAndLog(got(node, `o${i}`, 'insert', String(100 + i), i + (i % 5) * 3, `m${i}`));
      if (i % 6 === 0) receiptAndLog(got(node, `o${i}`, 'insert', String(100 + i), i + 9, `m${i}`));
      if (i % 10 === 0) receiptAndLog(got(node, `o${i}`, 'update', String(99 + i), i + 11));
      if (i % 11 === 0) expectAndLog(change(node, `o${i}`, null, i + 20, 'heal'));
      receiptAndLog(got(node, 'lease', 'update', String(i), i, undefined, 'lease'));
    }
    log.close();

    const replayed = new DeliveryLedger({ trackedKinds: ['pod'] });
    const { events, tornTail } = await readEventLog(file);
    expect(tornTail).toBe(false);
    for (const { t, ...call } of events) {
      if (t === 'expect') replayed.expect(call as unknown as Expectation);
      else replayed.receipt(call as unknown as Receipt);
    }
    const section = live.section(SECTION);
    expect(section.totals.expected).toBe(200);
    expect(section.totals.lost).toBeGreaterThan(0);
    expect(section.totals.duplicated).toBeGreaterThan(0);
    expect(section.totals.reordered).toBeGreaterThan(0);
    expect(JSON.stringify(replayed.section(SECTION))).toBe(JSON.stringify(section));
    expect(replayed.stats()).toEqual(live.stats());
  });
});
