/**
 * Polling readiness checks for control-plane components: a TCP port that accepts connections, an
 * HTTP(S) endpoint that answers 200, and a wait loop that gives up early when the process it waits
 * on has exited.
 */
import { connect } from 'node:net';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { SupervisedProcess } from './supervised-process.js';

export class ProcessExitedError extends Error {
  constructor(readonly proc: SupervisedProcess) {
    const s = proc.exitStatus;
    super(`exited early (${s?.signal ? `signal ${s.signal}` : `code ${s?.code ?? '?'}`})`);
  }
}

export class ReadinessTimeoutError extends Error {}

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Fail as soon as this process exits. */
  proc?: SupervisedProcess;
}

export async function waitUntil(check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
  for (;;) {
    if (opts.proc && !opts.proc.running) throw new ProcessExitedError(opts.proc);
    let ok = false;
    try {
      ok = await check();
    } catch {
      ok = false;
    }
    if (ok) return;
    if (opts.proc && !opts.proc.running) throw new ProcessExitedError(opts.proc);
    if (Date.now() > deadline) throw new ReadinessTimeoutError(`${opts.what} not ready after ${opts.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export function tcpAccepts(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** GET `url`; resolves with status and body. TLS is not verified: this is a liveness probe. */
export function probeGet(url: string, timeoutMs = 2_000): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const onRes = (res: import('node:http').IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    };
    const req =
      u.protocol === 'https:'
        ? httpsGet(u, { rejectUnauthorized: false, timeout: timeoutMs }, onRes)
        : httpGet(u, { timeout: timeoutMs }, onRes);
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

export async function answers200(url: string): Promise<boolean> {
  return (await probeGet(url)).status === 200;
}
