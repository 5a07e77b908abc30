/**
 * Test-only access to the `ws` package's own frame parser and framer, the reference the lean
 * framing is checked against. @types/ws does not declare them, so they are typed here.
 */
import * as ws from 'ws';

export interface WsReceiver {
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (err: Error & { code?: string; [key: symbol]: unknown }) => void): this;
}

export interface WsReceiverOptions {
  isServer?: boolean;
  maxPayload?: number;
  skipUTF8Validation?: boolean;
  allowSynchronousEvents?: boolean;
}

export interface WsFrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1?: boolean;
}

interface WsInternals {
  Receiver: new (options: WsReceiverOptions) => WsReceiver;
  Sender: { frame(data: Buffer | string, options: WsFrameOptions): Buffer[] };
}

const internals = ws as unknown as WsInternals;

export function wsReceiver(options: WsReceiverOptions): WsReceiver {
  return new internals.Receiver(options);
}

/** One frame as `ws` writes it (server side: unmasked unless `mask`). */
export function wsFrame(data: Buffer | string, options: Partial<WsFrameOptions> & { opcode: number }): Buffer {
  return Buffer.concat(internals.Sender.frame(data, { fin: true, mask: false, readOnly: false, ...options }));
}
