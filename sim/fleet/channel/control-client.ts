/**
 * The shard's end of the network control channel: dial the controller with the run's token, say
 * hello, and hand the shard service a ShardPort — the same service a forked shard runs on IPC.
 */
import { WebSocket } from 'ws';
import { ErrorCodes, TwinlabError } from '../../errors.js';
import type { ControllerToShard, ShardToController } from '../ipc-messages.js';
import { bearer, CONTROL_MAX_FRAME_BYTES, CONTROL_PROTOCOL_VERSION, type ShardHello } from './control-protocol.js';
import type { ShardPort } from './shard-port.js';

export interface ControlDialOptions {
  /** `ws://host:port/twinlab/v1/shards` or `wss://…`. */
  url: string;
  /** The run's token. A secret: never logged. */
  token: string;
  hello: Omit<ShardHello, 'type' | 'protocol'>;
  /** PEM CA that signed the controller's certificate (wss). */
  ca?: string;
  connectTimeoutMs?: number;
  /** Where a frame the shard cannot read is reported (the shard's log). */
  warn?: (line: string) => void;
}

/** Dial the controller; resolves once the channel is open and the hello is sent. */
export function dialControl(options: ControlDialOptions): Promise<ShardPort> {
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, {
      headers: { Authorization: bearer(options.token) },
      maxPayload: CONTROL_MAX_FRAME_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: options.connectTimeoutMs ?? 10_000,
      ...(options.ca ? { ca: options.ca } : {}),
    });
    const handlers: Array<(m: ControllerToShard) => void> = [];
    const disconnects: Array<() => void> = [];
    let open = false;
    let gone = false;
    const goneOnce = (): void => {
      if (gone) return;
      gone = true;
      for (const h of disconnects) h();
    };
    ws.on('unexpected-response', (_req, res) => {
      const refusal = res.statusCode === 401 ? 'the controller refused the run token' : `the controller answered HTTP ${res.statusCode}`;
      reject(new TwinlabError(ErrorCodes.ControlChannel, `control channel ${options.url}: ${refusal}`, { status: res.statusCode }));
      ws.terminate();
    });
    ws.on('error', (error) => {
      if (!open) reject(new TwinlabError(ErrorCodes.ControlChannel, `control channel ${options.url}: ${error.message}`, {}, { cause: error }));
    });
    ws.on('close', (code, reason) => {
      if (open && code !== 1000 && code !== 1001) warn(`control channel closed: ${reason.toString() || 'no reason'} (${code})`);
      goneOnce();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let message: ControllerToShard;
      try {
        if (isBinary) throw new Error('a binary frame');
        message = JSON.parse(data.toString('utf8')) as ControllerToShard;
        if (typeof message !== 'object' || message === null || typeof message.type !== 'string') throw new Error('no "type"');
      } catch (error) {
        // A controller that sends garbage cannot be followed: leave as if it had gone.
        warn(`control channel: a frame from the controller is not a message (${data.length} bytes: ${error instanceof Error ? error.message : String(error)}); closing`);
        ws.close(4002, 'malformed frame');
        return;
      }
      for (const h of handlers) h(message);
    });
    ws.on('open', () => {
      open = true;
      const hello: ShardHello = { type: 'hello', protocol: CONTROL_PROTOCOL_VERSION, ...options.hello };
      ws.send(JSON.stringify(hello));
      resolve({
        send(message: ShardToController) {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
        },
        onMessage(handler) {
          handlers.push(handler);
        },
        onDisconnect(handler) {
          disconnects.push(handler);
        },
        close: () =>
          new Promise<void>((done) => {
            if (ws.readyState !== WebSocket.OPEN) return done();
            // Let what was sent reach the controller, then close.
            const drain = (): void => {
              if (ws.bufferedAmount > 0) {
                setTimeout(drain, 20);
                return;
              }
              ws.once('close', () => done());
              ws.close(1000, 'shard done');
              setTimeout(done, 2_000).unref();
            };
            drain();
          }),
      });
    });
  });
}
