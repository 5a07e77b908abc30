/**
 * Incremental decoder for the frames a WebSocket server sends a client (RFC 6455 §5): unmasked,
 * messages possibly fragmented (cloudcore splits anything over 4082 bytes into a FIN=0 text frame
 * plus continuations), control frames interleaved. It holds no buffer while idle, and any byte
 * sequence ends either in frames or in one protocol error — never an exception.
 *
 * A pushed chunk is only borrowed for the call: the socket reads every link into one shared buffer
 * (tls-hub-link.ts). Frames are handed to the sink during `push`; what the decoder keeps past it
 * (a partial frame, a fragment of an unfinished message) is copied first.
 */

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** Close codes RFC 6455 §7.4.1 prescribes for the failures the decoder detects. */
export const CLOSE_PROTOCOL_ERROR = 1002;
export const CLOSE_TOO_BIG = 1009;
/** Reported as a close code when the close frame carried none (never sent on the wire). */
export const CLOSE_NO_STATUS = 1005;

/** ws's default `maxPayload`: 100 MiB. */
export const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

export interface FrameSink {
  /** A complete (reassembled) data message. `data` may share memory with the pushed chunk: valid only during the call. */
  onFrameMessage(data: Buffer, binary: boolean): void;
  onFramePing(data: Buffer): void;
  onFramePong(data: Buffer): void;
  /** A close frame; the decoder ignores everything after it. */
  onFrameClose(code: number, reason: Buffer): void;
  /** A protocol violation; `code` is the close code to answer with. The decoder ignores everything after it. */
  onFrameError(code: number, message: string): void;
}

const EMPTY: Buffer = Buffer.alloc(0);

/** Close codes a peer may send (RFC 6455 §7.4, as ws accepts them). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

export class FrameDecoder {
  /** Unparsed bytes, oldest first; empty between frames in the common case. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Header of the frame whose payload is awaited: opcode, FIN, payload length; -1 = reading a header. */
  private opcode = -1;
  private fin = false;
  private payloadLength = 0;
  private fragments: Buffer[] | undefined;
  private fragmentBytes = 0;
  private fragmentBinary = false;
  private done = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxPayload = DEFAULT_MAX_PAYLOAD,
  ) {}

  /** Whether a close frame or an error has ended the stream. */
  get ended(): boolean {
    return this.done;
  }

  /** Decode what `chunk` completes. The chunk is borrowed: nothing keeps a view of it after the call. */
  push(chunk: Buffer): void {
    if (this.done || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.done) {
      if (this.opcode < 0) {
        if (!this.readHeader()) break;
      } else {
        if (this.buffered < this.payloadLength) break;
        const payload = this.take(this.payloadLength);
        const opcode = this.opcode;
        this.opcode = -1;
        this.onPayload(opcode, payload);
      }
    }
    // Bytes of a frame still to come: earlier chunks are copies already; copy what is left of this one.
    const last = this.chunks.length - 1;
    if (last >= 0) this.chunks[last] = Buffer.from(this.chunks[last]!);
  }

  /** Parse one frame header if it is all there; false when more bytes are needed. */
  private readHeader(): boolean {
    if (this.buffered < 2) return false;
    const head = this.peek(Math.min(this.buffered, 10));
    const b0 = head[0]!;
    const b1 = head[1]!;
    if ((b0 & 0x70) !== 0) return this.fail(CLOSE_PROTOCOL_ERROR, 'RSV1, RSV2 and RSV3 must be clear');
    if ((b1 & 0x80) !== 0) return this.fail(CLOSE_PROTOCOL_ERROR, 'MASK must be clear');
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    let length = b1 & 0x7f;
    let headerLength = 2;
    if (length === 126) headerLength = 4;
    else if (length === 127) headerLength = 10;

    // The first two bytes decide the opcode and FIN checks; judge them before waiting for an
    // extended length, as ws does (a bad opcode fails at once, not when more bytes arrive).
    if (opcode === OP_CLOSE || opcode === OP_PING || opcode === OP_PONG) {
      if (!fin) return this.fail(CLOSE_PROTOCOL_ERROR, 'FIN must be set');
      if (length > 125) return this.fail(CLOSE_PROTOCOL_ERROR, `invalid payload length ${length}`);
    } else if (opcode === OP_CONTINUATION) {
      if (!this.fragments) return this.fail(CLOSE_PROTOCOL_ERROR, 'invalid opcode 0');
    } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
      if (this.fragments) return this.fail(CLOSE_PROTOCOL_ERROR, `invalid opcode ${opcode}`);
    } else {
      return this.fail(CLOSE_PROTOCOL_ERROR, `invalid opcode ${opcode}`);
    }
    if (this.buffered < headerLength) return false;

    if (length === 126) {
      length = head.readUInt16BE(2);
    } else if (length === 127) {
      const high = head.readUInt32BE(2);
      // Above 2^53 - 1 a JS number cannot hold the length exactly.
      if (high > 0x1fffff) return this.fail(CLOSE_TOO_BIG, 'Unsupported WebSocket frame: payload length > 2^53 - 1');
      length = high * 0x100000000 + head.readUInt32BE(6);
    }
    if (opcode < OP_CLOSE && length + this.fragmentBytes > this.maxPayload) {
      return this.fail(CLOSE_TOO_BIG, 'Max payload size exceeded');
    }
    this.skip(headerLength);
    this.opcode = opcode;
    this.fin = fin;
    this.payloadLength = length;
    return true;
  }

  private onPayload(opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP_PING:
        this.sink.onFramePing(payload);
        return;
      case OP_PONG:
        this.sink.onFramePong(payload);
        return;
      case OP_CLOSE:
        this.onClose(payload);
        return;
    }
    if (opcode !== OP_CONTINUATION) {
      if (this.fin) {
        this.sink.onFrameMessage(payload, opcode === OP_BINARY);
        return;
      }
      this.fragments = [Buffer.from(payload)];
      this.fragmentBytes = payload.length;
      this.fragmentBinary = opcode === OP_BINARY;
      return;
    }
    const fragments = this.fragments!;
    this.fragmentBytes += payload.length;
    if (!this.fin) {
      fragments.push(Buffer.from(payload));
      return;
    }
    fragments.push(payload);
    const message = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments, this.fragmentBytes);
    this.fragments = undefined;
    this.fragmentBytes = 0;
    this.sink.onFrameMessage(message, this.fragmentBinary);
  }

  private onClose(payload: Buffer): void {
    if (payload.length === 1) {
      this.fail(CLOSE_PROTOCOL_ERROR, 'invalid payload length 1');
      return;
    }
    let code = CLOSE_NO_STATUS;
    let reason = EMPTY;
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) {
        this.fail(CLOSE_PROTOCOL_ERROR, `invalid status code ${code}`);
        return;
      }
      reason = payload.subarray(2);
    }
    this.end();
    this.sink.onFrameClose(code, reason);
  }

  private fail(code: number, message: string): false {
    this.end();
    this.sink.onFrameError(code, `Invalid WebSocket frame: ${message}`);
    return false;
  }

  private end(): void {
    this.done = true;
    this.chunks = [];
    this.buffered = 0;
    this.fragments = undefined;
    this.fragmentBytes = 0;
  }

  /** The first `n` buffered bytes as one contiguous buffer (merging head chunks only when split). */
  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first;
    let merged: Buffer = first;
    let count = 1;
    while (merged.length < n) {
      merged = Buffer.concat([merged, this.chunks[count]!]);
      count++;
    }
    this.chunks.splice(0, count, merged);
    return merged;
  }

  private skip(n: number): void {
    this.take(n);
  }

  /** Remove and return the first `n` buffered bytes; zero-copy when they lie in one chunk. */
  private take(n: number): Buffer {
    this.buffered -= n;
    if (n === 0) return EMPTY;
    const first = this.chunks[0]!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.chunks[0]!;
      const want = n - offset;
      if (chunk.length <= want) {
        chunk.copy(out, offset);
        offset += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(out, offset, 0, want);
        this.chunks[0] = chunk.subarray(want);
        offset = n;
      }
    }
    return out;
  }
}
