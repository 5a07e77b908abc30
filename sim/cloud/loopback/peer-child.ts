/**
 * Entry point of the loopback peer's own process (forked by peer-process.ts): starts a
 * LoopbackPeer from the parent's config and answers its commands over IPC.
 */
import { LoopbackPeer, type PeerEvents } from './loopback-peer.js';
import type { ParentToPeer, PeerCommand, PeerCommandResults, PeerEventName, PeerToParent } from './peer-ipc.js';

const peer = new LoopbackPeer();

function post(m: PeerToParent): void {
  process.send?.(m);
}

function run(c: PeerCommand): PeerCommandResults[keyof PeerCommandResults] {
  switch (c.kind) {
    case 'createPod': {
      const p = peer.createPod(c.node, c.pod);
      return { uid: p.metadata.uid, resourceVersion: p.metadata.resourceVersion };
    }
    case 'updatePod': {
      const p = peer.updatePod(c.namespace, c.name, c.change);
      return p ? { resourceVersion: p.metadata.resourceVersion } : null;
    }
    case 'deletePod': {
      const p = peer.deletePod(c.namespace, c.name, c.gracePeriodSeconds);
      return p ? { resourceVersion: p.metadata.resourceVersion } : null;
    }
    case 'upsertConfigMap': {
      const o = peer.upsertConfigMap(c.namespace, c.name, c.data);
      return { uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion };
    }
    case 'deleteConfigMap':
      return peer.deleteConfigMap(c.namespace, c.name);
    case 'upsertSecret': {
      const o = peer.upsertSecret(c.namespace, c.name, c.data);
      return { uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion };
    }
    case 'deleteSecret':
      return peer.deleteSecret(c.namespace, c.name);
    case 'createDevice':
      return peer.createDevice(c.model, c.device);
    case 'setDesired':
      return peer.setDesired(c.namespace, c.name, c.property, c.value) ?? null;
    case 'deleteDevice':
      return peer.deleteDevice(c.namespace, c.name);
    case 'deviceStatus':
      return peer.deviceStatus(c.namespace, c.name) ?? null;
    case 'nodes':
      return peer.nodes();
    case 'reconcileNow':
      peer.reconcileNow();
      return null;
  }
}

const EVENT_NAMES: PeerEventName[] = ['node-registered', 'pod-running', 'pod-deleted', 'ack', 'session-open', 'session-closed'];

async function onMessage(m: ParentToPeer): Promise<void> {
  switch (m.type) {
    case 'start': {
      const { forwardEvents, logToStderr, ...options } = m.config;
      if (forwardEvents) {
        for (const name of EVENT_NAMES) {
          peer.on(name, (payload: PeerEvents[typeof name][0]) => post({ type: 'event', name, payload }));
        }
      }
      const started = await peer.start({ ...options, log: logToStderr ? (l) => process.stderr.write(`loopback-peer: ${l}\n`) : undefined });
      post({ type: 'ready', hubUrl: started.hubUrl, hubPort: started.hubPort, pid: process.pid });
      return;
    }
    case 'command':
      try {
        post({ type: 'result', id: m.id, ok: true, value: run(m.command) });
      } catch (e) {
        post({ type: 'result', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
      }
      return;
    case 'stats':
      post({ type: 'stats', id: m.id, stats: peer.stats() });
      return;
    case 'stop':
      await peer.close();
      process.disconnect?.();
      process.exit(0);
  }
}

process.on('message', (m: ParentToPeer) => {
  onMessage(m).catch((e: unknown) => {
    post({ type: 'fatal', error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  });
});
process.on('disconnect', () => {
  // The parent is gone: nothing will ever read our stats again. Leave even if closing thousands
  // of sessions stalls.
  setTimeout(() => process.exit(0), 3_000);
  void peer.close().finally(() => process.exit(0));
});
