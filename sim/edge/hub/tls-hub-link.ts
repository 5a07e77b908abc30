/**
 * A lean CloudHub WebSocket client: `tls.connect`, the opening handshake written and checked by
 * hand (same request bytes as the `ws` client), and frames through FrameDecoder/encodeClientFrame.
 * It exists for memory: no http.ClientRequest, no stream-based Receiver/Sender, no per-connection
 * buffers while idle — only the TLS socket and a few fields per node. What crosses the wire is the
 * same as with `ws`: TLS with the node's client certificate, the same upgrade request, masked frames.
 */
import { isIP, type OnReadOpts } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { hubUrl, type HubDialer, type HubDialOptions, type HubLink, type HubListener } from './hub-link.js';
import {
  CLOSE_NO_STATUS,
  FrameDecoder,
  OP_PONG,
  OP_TEXT,
  type FrameSink,
} from './ws-frame-decoder.js';
import { encodeClientClose, encodeClientFrame } from './ws-frame-encoder.js';
import { checkUpgradeResponse, MAX_RESPONSE_HEAD_BYTES, newWebSocketKey, upgradeRequest } from './upgrade-handshake.js';

/**
 * Bytes per TLS write. Node's TLSWrap encrypts into a ring of buffers whose first one is 1 KiB;
 * a record that does not fit (or one written while the previous is still queued) adds a 16 KiB
 * buffer that stays for the connection's life. Writing at most this much (plus ≤ 69 bytes of
 * record overhead, CBC-SHA256 being the worst cloudcore allows) and waiting for each write to
 * drain keeps that buffer from being allocated — about 11–16 KB per node. TLS record
 * boundaries are invisible to the WebSocket peer; the frames are byte-identical.
 */
export const TLS_WRITE_CHUNK = 950;

/**
 * The one buffer every link in the process decrypts into (net.Socket's `onread`): no Buffer per
 * read and no readable-stream pass per message. A read is consumed before the next one lands (the
 * callback runs synchronously, on one thread); the frame decoder copies the partial frames it keeps,
 * the handshake copies a partial response head and the fault layer copies what it holds.
 */
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

const HANDSHAKE = 0;
const OPEN = 1;
const CLOSED = 2;

/** What a hub dial needs beyond the options: the request head's fixed headers, as the ws client sends them. */
export function hubHeaders(options: Pick<HubDialOptions, 'nodeName' | 'projectId'>): Array<readonly [string, string]> {
  return [
    ['User-Agent', 'Go-http-client/1.1'],
    ['Connectionuse', 'msg'],
    ['Node_id', options.nodeName],
    ['Project_id', options.projectId],
  ];
}

/**
 * The fault layer's hold on one link (sim/chaos): set on a link only while a fault shapes it, so
 * an unfaulted link pays one field check per write and per read. Bytes given to it come back, in
 * order, through `passOut` and `passIn`.
 */
export interface LinkChaos {
  /** Frame bytes on their way out (the upgrade request, frames, pongs, close frames). */
  outbound(link: TlsHubLink, bytes: Buffer): void;
  /** Decrypted bytes read from the socket (the upgrade response, then frames). */
  inbound(link: TlsHubLink, chunk: Buffer): void;
  /** False once the edge has half-closed the link: sends fail as on a socket shut for writing. */
  readonly sendable: boolean;
}

export interface TlsHubLinkTarget {
  host: string;
  port: number;
  /** Request path, e.g. `/<projectID>/<node>/events`. */
  path: string;
  /** The Host header: `host[:port]` as dialled. */
  hostHeader: string;
}

export class TlsHubLink implements HubLink, FrameSink {
  private readonly socket: TLSSocket;
  private phase = HANDSHAKE;
  /** Sec-WebSocket-Key until the response has been checked. */
  private key: string | undefined;
  /** Partial response head while the upgrade is in flight. */
  private head: Buffer | undefined;
  private decoder: FrameDecoder | undefined;
  /** Bytes waiting for the write in flight to drain; undefined when none. */
  private queue: Buffer[] | undefined;
  private writing = false;
  /** End the socket once the queue has drained (after a close frame). */
  private endWhenDrained = false;
  private readonly onWritten = (err?: Error | null): void => this.written(err);
  /** The fault layer on this link, or undefined (the common case: no fault). */
  chaos: LinkChaos | undefined = undefined;

  constructor(
    target: TlsHubLinkTarget,
    options: Pick<HubDialOptions, 'secureContext' | 'handshakeTimeoutMs' | 'checkServerIdentity'>,
    headers: ReadonlyArray<readonly [string, string]>,
    private readonly listener: HubListener,
  ) {
    const key = newWebSocketKey();
    this.key = key;
    // tls.connect takes net's `onread` (documented there; absent from its type).
    const connectOptions: tls.ConnectionOptions & { onread: OnReadOpts } = {
      host: target.host,
      port: target.port,
      // As ws does: SNI with a name, none with an address.
      servername: isIP(target.host) ? '' : target.host,
      secureContext: options.secureContext,
      ...(options.checkServerIdentity ? { checkServerIdentity: options.checkServerIdentity } : {}),
      onread: { buffer: READ_BUFFER, callback: (length, buffer) => this.onData(buffer as Buffer, length) },
    };
    const socket = tls.connect(connectOptions);
    this.socket = socket;
    socket.setTimeout(options.handshakeTimeoutMs);
    // In TLS 1.3 the client is connected before its last flight has drained; writing in the
    // same tick would overflow TLSWrap's first output buffer (see TLS_WRITE_CHUNK).
    socket.once('secureConnect', () =>
      setImmediate(() => {
        if (this.phase === HANDSHAKE) this.write(Buffer.from(upgradeRequest(target.path, target.hostHeader, headers, key), 'latin1'));
      }),
    );
    socket.once('timeout', () => {
      if (this.phase === HANDSHAKE) this.fail('Opening handshake has timed out');
    });
    socket.on('error', (err: Error) => this.finish(err.message));
    socket.once('close', () => this.finish(`closed (1006)`));
  }

  get isOpen(): boolean {
    return this.phase === OPEN && !this.socket.destroyed && (this.chaos === undefined || this.chaos.sendable);
  }

  send(text: string): boolean {
    if (!this.isOpen) return false;
    this.write(encodeClientFrame(OP_TEXT, text));
    return true;
  }

  terminate(): void {
    this.socket.destroy();
  }

  onFrameMessage(data: Buffer): void {
    if (this.phase === OPEN) this.listener.onHubMessage(this, data);
  }

  onFramePing(data: Buffer): void {
    if (this.isOpen) this.write(encodeClientFrame(OP_PONG, data));
  }

  onFramePong(): void {}

  /** Answer the close as ws does (echo the code and reason, then end the socket). */
  onFrameClose(code: number, reason: Buffer): void {
    if (this.isOpen) this.closeWith(encodeClientClose(code === CLOSE_NO_STATUS ? undefined : code, reason));
    this.finish(reason.length > 0 ? reason.toString() : `closed (${code})`);
  }

  onFrameError(code: number, message: string): void {
    if (this.isOpen) this.closeWith(encodeClientClose(code));
    this.finish(message);
  }

  private closeWith(frame: Buffer): void {
    this.write(frame);
    this.endWhenDrained = true;
    if (!this.writing) this.socket.end();
  }

  /** Queue bytes; they go out in TLS_WRITE_CHUNK pieces, one write in flight at a time. */
  private write(bytes: Buffer): void {
    if (this.chaos !== undefined) this.chaos.outbound(this, bytes);
    else if (this.writing) (this.queue ??= []).push(bytes);
    else this.writeChunk(bytes);
  }

  private writeChunk(bytes: Buffer): void {
    let chunk = bytes;
    if (bytes.length > TLS_WRITE_CHUNK) {
      chunk = bytes.subarray(0, TLS_WRITE_CHUNK);
      (this.queue ??= []).unshift(bytes.subarray(TLS_WRITE_CHUNK));
    }
    this.writing = true;
    this.socket.write(chunk, this.onWritten);
  }

  private written(err: Error | null | undefined): void {
    this.writing = false;
    if (err || this.socket.destroyed) {
      this.queue = undefined;
      return;
    }
    const next = this.queue?.shift();
    if (next) {
      if (this.queue!.length === 0) this.queue = undefined;
      this.writeChunk(next);
    } else if (this.endWhenDrained) {
      this.socket.end();
    }
  }

  /** `length` bytes read into the shared buffer: borrowed until this returns. */
  private onData(buffer: Buffer, length: number): true {
    if (this.chaos !== undefined) this.chaos.inbound(this, Buffer.from(buffer.subarray(0, length)));
    else this.receive(buffer.subarray(0, length));
    return true;
  }

  /** Decrypted bytes, borrowed for the call: whatever is kept past it is copied. */
  private receive(chunk: Buffer): void {
    if (this.phase === OPEN) {
      this.decoder!.push(chunk);
      return;
    }
    if (this.phase !== HANDSHAKE) return;
    const head = this.head ? Buffer.concat([this.head, chunk]) : chunk;
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_RESPONSE_HEAD_BYTES) this.fail('Invalid HTTP response: head too large');
      else this.head = head === chunk ? Buffer.from(chunk) : head;
      return;
    }
    this.head = undefined;
    const verdict = checkUpgradeResponse(head.toString('latin1', 0, end), this.key!);
    this.key = undefined;
    if (!verdict.ok) {
      this.fail(verdict.reason);
      return;
    }
    this.phase = OPEN;
    this.decoder = new FrameDecoder(this);
    this.socket.setTimeout(0);
    this.socket.setNoDelay(true);
    this.listener.onHubOpen(this);
    const rest = head.subarray(end + 4);
    if (rest.length > 0 && this.phase === OPEN) this.decoder.push(rest);
  }

  // ---- for the fault layer (sim/chaos) ----

  /** Bytes the fault layer releases: written in order behind anything already queued. Dropped once the link has closed. */
  passOut(bytes: Buffer): void {
    if (this.phase === CLOSED || this.socket.destroyed || this.socket.writableEnded) return;
    if (this.writing) (this.queue ??= []).push(bytes);
    else this.writeChunk(bytes);
  }

  /** Bytes the fault layer releases to the handshake or the frame decoder. */
  passIn(chunk: Buffer): void {
    if (this.phase !== CLOSED) this.receive(chunk);
  }

  /**
   * Stop reading the socket: TCP's window closes, the peer's writes back up, and a FIN or RST from
   * the peer goes unnoticed; the socket stays open. `pause()` alone only stops 'data' events (the
   * handle reads on, up to the stream's high-water mark, and an EOF still ends the socket), so the
   * TLS handle's reading is stopped too, as net.Socket itself does for backpressure. Returns
   * whether the handle was stopped (and must be restarted).
   */
  pauseInbound(): boolean {
    this.socket.pause();
    const handle = this.handle();
    if (!handle?.reading || typeof handle.readStop !== 'function') return false;
    handle.reading = false;
    handle.readStop();
    return true;
  }

  resumeInbound(restartHandle: boolean): void {
    if (this.socket.destroyed) return;
    const handle = this.handle();
    if (restartHandle && handle && !handle.reading && typeof handle.readStart === 'function') {
      handle.reading = true;
      handle.readStart();
    }
    this.socket.resume();
  }

  private handle(): { reading?: boolean; readStop?: () => number; readStart?: () => number } | null | undefined {
    return (this.socket as unknown as { _handle?: { reading?: boolean; readStop?: () => number; readStart?: () => number } | null })._handle;
  }

  /** Whether the link has not closed yet (open or still in its handshake). */
  get live(): boolean {
    return this.phase !== CLOSED && !this.socket.destroyed;
  }

  /**
   * Destroy the socket with a TCP RST. Node offers `resetAndDestroy()` only on a plain TCP socket
   * (nodejs/node#49484), so the TLS socket's TCP handle is closed with its `reset` in place of
   * `close`. Returns false when that handle is not there (a runtime without it) and the socket
   * was only destroyed; a socket still connecting has nothing to reset and is just destroyed.
   */
  reset(): boolean {
    if (this.socket.destroyed || this.socket.connecting) {
      // Nothing established to reset: the dial is simply abandoned.
      this.socket.destroy();
      return true;
    }
    const tcp = (this.socket as unknown as { _handle?: { _parent?: { reset?: unknown; close?: unknown } } | null })._handle?._parent;
    const rst = tcp !== undefined && typeof tcp.reset === 'function';
    if (rst) tcp.close = tcp.reset;
    this.socket.destroy();
    return rst;
  }

  /** Send TLS close_notify and FIN once what is queued has been written; reading goes on. */
  halfClose(): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    this.endWhenDrained = true;
    if (!this.writing) this.socket.end();
  }

  private fail(reason: string): void {
    this.finish(reason);
    this.socket.destroy();
  }

  private finish(reason: string): void {
    if (this.phase === CLOSED) return;
    const opened = this.phase === OPEN;
    this.phase = CLOSED;
    this.key = undefined;
    this.head = undefined;
    this.decoder = undefined;
    this.listener.onHubClosed(this, opened, reason);
  }
}

/** Dial with the lean client: the same request, TLS and frames, a fraction of the memory. */
export const dialTlsHub: HubDialer = (options, listener) => {
  const base = new URL(options.cloudhubUrl);
  const host = base.hostname.startsWith('[') ? base.hostname.slice(1, -1) : base.hostname;
  const port = base.port === '' ? 443 : Number(base.port);
  const path = new URL(hubUrl(options.cloudhubUrl, options.projectId, options.nodeName)).pathname;
  return new TlsHubLink({ host, port, path, hostHeader: base.host }, options, hubHeaders(options), listener);
};
