/**
 * Runs the loopback peer in its own Node process (for benchmarks, so the peer's CPU and memory
 * are not the harness's), driven over typed IPC (peer-ipc.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { PeerEvents } from './loopback-peer.js';
import type { ParentToPeer, PeerCommand, PeerCommandResults, PeerEventName, PeerProcessConfig, PeerToParent } from './peer-ipc.js';
import type { PeerStats } from './peer-stats.js';
import { childEntry } from '../../util/child-entry.js';
import { pidLedger } from '../../util/pid-ledger.js';

export interface PeerProcessHandle {
  hubUrl: string;
  hubPort: number;
  pid: number;
  stats(): Promise<PeerStats>;
  command<C extends PeerCommand>(command: C): Promise<PeerCommandResults[C['kind']]>;
  /** Peer events, when started with `forwardEvents: true`. */
  onEvent<N extends PeerEventName>(name: N, listener: (payload: PeerEvents[N][0]) => void): void;
  stop(): Promise<void>;
}

export interface PeerProcessOptions extends PeerProcessConfig {
  /** How long to wait for the child to report ready. Default 20 s. */
  startTimeoutMs?: number;
  /** Extra Node flags for the child (e.g. --max-old-space-size). */
  execArgv?: string[];
}


export async function startPeerProcess(opts: PeerProcessOptions): Promise<PeerProcessHandle> {
  const { startTimeoutMs = 20_000, execArgv = [], ...config } = opts;
  const entry = childEntry(import.meta.url, './peer-child');
  const child: ChildProcess = fork(entry.path, [], {
    execArgv: [...entry.execArgv, ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  pidLedger.started('loopback-peer', child.pid);
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<PeerEventName, Array<(payload: unknown) => void>>();
  let exited = false;

  const failAll = (e: Error): void => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const post = (m: ParentToPeer): void => {
    if (exited || !child.connected) throw new Error('loopback peer process is not running');
    child.send(m);
  };

  const ready = new Promise<{ hubUrl: string; hubPort: number; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`loopback peer process not ready after ${startTimeoutMs} ms`)), startTimeoutMs);
    child.on('message', (raw: PeerToParent) => {
      switch (raw.type) {
        case 'ready':
          clearTimeout(timer);
          resolve({ hubUrl: raw.hubUrl, hubPort: raw.hubPort, pid: raw.pid });
          return;
        case 'fatal':
          clearTimeout(timer);
          reject(new Error(`loopback peer process failed: ${raw.error}`));
          failAll(new Error(raw.error));
          return;
        case 'result': {
          const p = pending.get(raw.id);
          pending.delete(raw.id);
          if (raw.ok) p?.resolve(raw.value);
          else p?.reject(new Error(raw.error));
          return;
        }
        case 'stats': {
          const p = pending.get(raw.id);
          pending.delete(raw.id);
          p?.resolve(raw.stats);
          return;
        }
        case 'event':
          for (const l of listeners.get(raw.name) ?? []) l(raw.payload);
          return;
      }
    });
    child.once('exit', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      const e = new Error(`loopback peer process exited (code ${code ?? 'null'}, signal ${signal ?? 'none'})`);
      reject(e);
      failAll(e);
    });
  });
  child.send({ type: 'start', config } satisfies ParentToPeer);
  const info = await ready.catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });

  const request = <T>(make: (id: number) => ParentToPeer): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        post(make(id));
      } catch (e) {
        pending.delete(id);
        reject(e as Error);
      }
    });
  };

  return {
    ...info,
    stats: () => request<PeerStats>((id) => ({ type: 'stats', id })),
    command: <C extends PeerCommand>(command: C) =>
      request<PeerCommandResults[C['kind']]>((id) => ({ type: 'command', id, command })),
    onEvent: (name, listener) => {
      const list = listeners.get(name) ?? [];
      list.push(listener as (payload: unknown) => void);
      listeners.set(name, list);
    },
    stop: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        post({ type: 'stop' });
      } catch {
        child.kill('SIGKILL');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
