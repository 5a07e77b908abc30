import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, hasWireContent } from './codec.js';
import { readTraceMessages, TRACE_DIR, traceDirPresent, type TraceWsMessage } from './fixtures/trace-lines.js';

/**
 * Every WebSocket message recorded between a real edgecore and cloudcore v1.23.1 must decode and
 * re-encode to the exact bytes that crossed the wire (the recorded text plus viaduct's `\n`).
 */
const present = traceDirPresent();
const SKIP_REASON = `SKIPPED: trace directory ${TRACE_DIR} not found`;
const messages: TraceWsMessage[] = present ? readTraceMessages() : [];
const label = (m: TraceWsMessage): string => `${m.file}:${m.line} t=${m.t} ${m.dir}`;

describe('kubeedge-v1.23.1 traces: byte-exact round trip', () => {
  if (!present) {
    it(SKIP_REASON, (ctx) => ctx.skip(SKIP_REASON));
    return;
  }

  it('holds the 185 ws-text messages the trace README counts', () => {
    expect(messages).toHaveLength(185);
  });

  it('the cut-out data text is exactly the line’s data value', () => {
    for (const m of messages) expect(JSON.parse(m.data), label(m)).toEqual(m.parsed);
  });

  it.each(messages.map((m) => [label(m), m] as const))('%s', (_name, m) => {
    const wire = m.data + '\n';
    expect(encodeMessage(decodeMessage(wire))).toBe(wire);
    expect(encodeMessage(decodeMessage(m.data))).toBe(wire);
    expect(encodeMessage(decodeMessage(Buffer.from(wire, 'utf8')))).toBe(wire);
  });

  it('only the five redacted frames need their wire text: everything cloudcore and edgecore wrote is Go-canonical', () => {
    const needWire = messages.filter((m) => hasWireContent(decodeMessage(m.data))).map(label);
    const redacted = messages.filter((m) => m.data.includes('<redacted-')).map(label);
    expect(redacted).toHaveLength(5);
    expect(needWire).toEqual(redacted);
    for (const m of messages) {
      const canonical = encodeMessage(decodeMessage(m.data, { wireContent: false }));
      if (m.data.includes('<redacted-')) {
        // The redaction wrote a raw `<…>` that Go would have escaped; the rest of the frame is Go's.
        expect(canonical, label(m)).toBe(m.data.replaceAll('<redacted-', '\\u003credacted-').replace(/(\\u003credacted-[a-z]+)>/g, '$1\\u003e') + '\n');
      } else {
        expect(canonical, label(m)).toBe(m.data + '\n');
      }
    }
  });
});
