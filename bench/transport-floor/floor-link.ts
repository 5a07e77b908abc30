/**
 * One connection of the transport floor: a TLS client socket carrying one virtual node's frames
 * and nothing else. It reads through net's `onread` into the process's one shared buffer, as the
 * hub link does, knows a reply only by its length (the server sends nothing else), and writes the
 * ACK from inside the read callback, as a node answers a Lease reply.
 */
import type { OnReadOpts } from 'node:net';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import { OP_TEXT } from '../../sim/edge/hub/ws-frame-decoder.js';
import { encodeClientFrame } from '../../sim/edge/hub/ws-frame-encoder.js';
import { ACK_TEXT, REPLY_FRAME_BYTES } from './node-traffic.js';

/**
 * Every connection of the process decrypts into this buffer. A read is consumed before the next
 * lands (the callback runs synchronously on one thread) and nothing of it is kept, so one buffer
 * serves all, and no Buffer is allocated per read.
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

/** Counters shared by all links of the process. */
export interface LinkTally {
  open: number;
  failed: number;
  dropped: number;
  socketErrors: number;
  ackWrites: number;
  socketWrites: number;
  replyReads: number;
  readCallbacks: number;
}

export interface LinkOptions {
  port: number;
  secureContext: SecureContext;
  handshakeTimeoutMs: number;
  /** 0: one socket write per frame; otherwise pieces of at most this many bytes, one in flight. */
  writeChunkBytes: number;
  tally: LinkTally;
  /** The dial has ended, up or failed: called once. */
  onSettled: () => void;
}

export class FloorLink {
  private up = false;
  private settled = false;
  /** Reply bytes read since the last whole reply: a reply may arrive split, or several together. */
  private replyBytes = 0;
  private writing = false;
  /** Pieces waiting for the write in flight (chunked mode only). */
  private queue: Buffer[] | undefined;
  private readonly onWritten = (err?: Error | null): void => this.written(err);
  private readonly socket: TLSSocket;

  constructor(private readonly options: LinkOptions) {
    // tls.connect takes net's `onread` (documented there, absent from its type).
    const connectOptions: tls.ConnectionOptions & { onread: OnReadOpts } = {
      host: '127.0.0.1',
      port: options.port,
      // No SNI for an address; the certificate is still checked against its IP SAN.
      servername: '',
      secureContext: options.secureContext,
      onread: { buffer: READ_BUFFER, callback: (length) => this.onRead(length) },
    };
    const socket = tls.connect(connectOptions);
    this.socket = socket;
    socket.setTimeout(options.handshakeTimeoutMs);
    socket.once('secureConnect', () => {
      this.up = true;
      options.tally.open++;
      socket.setTimeout(0);
      socket.setNoDelay(true);
      this.settle();
    });
    socket.once('timeout', () => {
      if (!this.up) socket.destroy(new Error(`TLS handshake not done after ${options.handshakeTimeoutMs} ms`));
    });
    socket.on('error', () => {
      if (this.up) options.tally.socketErrors++;
    });
    socket.once('close', () => {
      if (this.up) {
        this.up = false;
        options.tally.open--;
        options.tally.dropped++;
      } else if (!this.settled) {
        options.tally.failed++;
        this.settle();
      }
    });
  }

  get isUp(): boolean {
    return this.up;
  }

  /** The protocol and cipher this connection negotiated, once up. */
  negotiated(): { protocol: string; cipher: string } | undefined {
    if (!this.up) return undefined;
    return { protocol: this.socket.getProtocol() ?? 'unknown', cipher: this.socket.getCipher().standardName };
  }

  /** Mask and write one text frame. */
  sendText(text: string): void {
    this.write(encodeClientFrame(OP_TEXT, text));
  }

  close(): void {
    this.up = false;
    this.settled = true;
    this.socket.destroy();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.options.onSettled();
  }

  /** `length` bytes decrypted into READ_BUFFER, borrowed until this returns (only counted). */
  private onRead(length: number): boolean {
    const tally = this.options.tally;
    tally.readCallbacks++;
    this.replyBytes += length;
    while (this.replyBytes >= REPLY_FRAME_BYTES) {
      this.replyBytes -= REPLY_FRAME_BYTES;
      tally.replyReads++;
      if (this.up) {
        tally.ackWrites++;
        this.sendText(ACK_TEXT);
      }
    }
    return true;
  }

  private write(frame: Buffer): void {
    if (this.options.writeChunkBytes === 0) {
      this.options.tally.socketWrites++;
      this.socket.write(frame);
    } else if (this.writing) (this.queue ??= []).push(frame);
    else this.writePiece(frame);
  }

  /**
   * The hub link's write pattern: a piece of at most writeChunkBytes, the rest from the write
   * callback. It keeps TLSWrap from growing a 16 KiB output buffer per connection, at the price of
   * a second encrypted write for a lease.
   */
  private writePiece(bytes: Buffer): void {
    let piece = bytes;
    if (bytes.length > this.options.writeChunkBytes) {
      piece = bytes.subarray(0, this.options.writeChunkBytes);
      (this.queue ??= []).unshift(bytes.subarray(this.options.writeChunkBytes));
    }
    this.writing = true;
    this.options.tally.socketWrites++;
    this.socket.write(piece, this.onWritten);
  }

  private written(err: Error | null | undefined): void {
    this.writing = false;
    if (err || this.socket.destroyed) {
      this.queue = undefined;
      return;
    }
    const next = this.queue?.shift();
    if (next === undefined) return;
    if (this.queue!.length === 0) this.queue = undefined;
    this.writePiece(next);
  }
}
