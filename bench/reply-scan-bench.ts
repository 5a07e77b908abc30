/**
 * Cost of taking a Lease reply: the full decoder plus re-serialising the Lease (what a node did
 * before) against the envelope and canonical-spelling check of reply-scan.ts (what it does now),
 * on every successful Lease reply cloudcore v1.23.1 sent in the traces.
 * Run: `npx tsx bench/reply-scan-bench.ts` (needs ../shared/traces beside the repository).
 */
import { decodeMessage } from '../sim/protocol/kubeedge/codec.js';
import { readTraceMessages } from '../sim/protocol/kubeedge/fixtures/trace-lines.js';
import { goJsonStringify } from '../sim/protocol/kubeedge/go-json.js';
import { objectRespText, scanReplyEnvelope } from '../sim/protocol/kubeedge/reply-scan.js';

const replies = readTraceMessages()
  .filter((m) => m.dir === 'cloud->edge' && m.data.includes('"operation":"response","resource":"kube-node-lease/') && m.data.includes('"Err":null}'))
  .map((m) => Buffer.from(m.data + '\n'));
if (replies.length === 0) throw new Error('no Lease replies found in the traces');

function usPer(run: (frame: Buffer) => unknown, rounds: number): number {
  for (let i = 0; i < 20_000; i++) run(replies[i % replies.length]!);
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) run(replies[i % replies.length]!);
  return Number(process.hrtime.bigint() - start) / rounds / 1000;
}

const decoded = usPer((f) => goJsonStringify((decodeMessage(f, { wireContent: false }).content as { Object: unknown }).Object), 200_000);
const scanned = usPer((f) => {
  const text = f.toString('latin1');
  const envelope = scanReplyEnvelope(text);
  if (envelope === undefined || objectRespText(text, envelope) === undefined) throw new Error('a trace Lease reply was not taken');
}, 200_000);
const bytes = replies.reduce((n, f) => n + f.length, 0) / replies.length;
console.log(JSON.stringify({ replies: replies.length, meanBytes: Math.round(bytes), decodeAndStringifyUs: +decoded.toFixed(2), scanUs: +scanned.toFixed(2) }));
