import { describe, expect, it } from 'vitest';
import { encodeClientClose, encodeClientFrame } from './ws-frame-encoder.js';
import { OP_BINARY, OP_PING, OP_TEXT } from './ws-frame-decoder.js';
import { wsReceiver } from './ws-reference.js';

/** Decode client frames with ws's server-side Receiver, which insists on masking. */
async function serverSide(frames: Buffer[]): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const r = wsReceiver({ isServer: true, skipUTF8Validation: false });
  r.on('message', (data, binary) => out.push([binary ? 'binary' : 'text', data.toString()]));
  r.on('ping', (data) => out.push(['ping', data.toString()]));
  r.on('conclude', (code, reason) => out.push(['close', `${code} ${reason.toString()}`]));
  r.on('error', (err) => out.push(['error', err.message]));
  for (const f of frames) r.write(f);
  await new Promise((resolve) => setImmediate(resolve));
  return out;
}

describe('encodeClientFrame', () => {
  it('frames every length encoding so that ws (as a server) reads them back', async () => {
    for (const size of [0, 1, 125, 126, 65535, 65536, 70_000]) {
      const text = 'é'.repeat(Math.floor(size / 2)) + 'a'.repeat(size % 2);
      expect(await serverSide([encodeClientFrame(OP_TEXT, text)])).toEqual([['text', text]]);
    }
    expect(await serverSide([encodeClientFrame(OP_BINARY, Buffer.from('bin')), encodeClientFrame(OP_PING, 'p')])).toEqual([
      ['binary', 'bin'],
      ['ping', 'p'],
    ]);
  });

  it('masks with a fresh key per frame and sets FIN', () => {
    const a = encodeClientFrame(OP_TEXT, 'same payload');
    const b = encodeClientFrame(OP_TEXT, 'same payload');
    expect(a[0]).toBe(0x81);
    expect(a[1]! & 0x80).toBe(0x80);
    expect(a.subarray(2, 6).equals(b.subarray(2, 6))).toBe(false);
    expect(a.subarray(6).toString()).not.toBe('same payload');
  });

  it('writes close frames with and without a status code', async () => {
    expect(await serverSide([encodeClientClose(4000, Buffer.from('bye'))])).toEqual([['close', '4000 bye']]);
    expect(await serverSide([encodeClientClose(undefined)])).toEqual([['close', '1005 ']]);
  });
});
