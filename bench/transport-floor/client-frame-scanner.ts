/**
 * The floor server's view of a client byte stream: where each masked client frame starts and how
 * long its payload is, nothing else (payloads are skipped, never unmasked). Counting frames rather
 * than read chunks keeps one reply per lease whether TLS delivers a lease in one read, in pieces
 * (the `--write-chunk` mode writes it in two) or together with the frames around it.
 */
export class ClientFrameScanner {
  /** Payload bytes of the current frame still to skip. */
  private skip = 0;
  /** A header split across reads, kept until the rest arrives (rare: at most 13 bytes). */
  private carry: Buffer | undefined;

  constructor(private readonly onFrame: (payloadLength: number) => void) {}

  push(chunk: Buffer): void {
    let bytes = chunk;
    if (this.carry !== undefined) {
      bytes = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let at = 0;
    while (at < bytes.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const header = headerAt(bytes, at);
      if (header === undefined) {
        this.carry = Buffer.from(bytes.subarray(at));
        return;
      }
      at += header.headerBytes;
      this.skip = header.payloadLength;
      this.onFrame(header.payloadLength);
    }
  }
}

/** The header at `at`, or undefined when `bytes` ends inside it. */
function headerAt(bytes: Buffer, at: number): { headerBytes: number; payloadLength: number } | undefined {
  if (bytes.length - at < 2) return undefined;
  const second = bytes[at + 1]!;
  const masked = (second & 0x80) !== 0;
  const len7 = second & 0x7f;
  const extBytes = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const headerBytes = 2 + extBytes + (masked ? 4 : 0);
  if (bytes.length - at < headerBytes) return undefined;
  const payloadLength =
    len7 === 126 ? bytes.readUInt16BE(at + 2) : len7 === 127 ? bytes.readUInt32BE(at + 2) * 0x1_0000_0000 + bytes.readUInt32BE(at + 6) : len7;
  return { headerBytes, payloadLength };
}
