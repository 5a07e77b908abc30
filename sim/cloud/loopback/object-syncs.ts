/**
 * The loopback peer's ObjectSync / ClusterObjectSync records (reliablesyncs.kubeedge.io): per node
 * and object uid, the last resourceVersion the node ACKed. They outlive sessions, which is what lets
 * a reconnecting node get back exactly what it missed.
 */
import type { ObjectKind } from './loopback-objects.js';

export interface SyncRecord {
  kind: ObjectKind;
  namespace: string;
  name: string;
  /** Last ACKed RV ("0" when created on first dispatch, before any ACK). */
  resourceVersion: string;
}

export class ObjectSyncs {
  private readonly byNode = new Map<string, Map<string, SyncRecord>>();

  get(node: string, uid: string): SyncRecord | undefined {
    return this.byNode.get(node)?.get(uid);
  }

  forNode(node: string): ReadonlyMap<string, SyncRecord> | undefined {
    return this.byNode.get(node);
  }

  set(node: string, uid: string, record: SyncRecord): void {
    let m = this.byNode.get(node);
    if (!m) this.byNode.set(node, (m = new Map()));
    m.set(uid, record);
  }

  delete(node: string, uid: string): void {
    const m = this.byNode.get(node);
    if (!m) return;
    m.delete(uid);
    if (m.size === 0) this.byNode.delete(node);
  }

  /** Nodes holding a record for `uid` (who should hear about a ConfigMap/Secret change). */
  nodesWith(uid: string): string[] {
    const out: string[] = [];
    for (const [node, m] of this.byNode) if (m.has(uid)) out.push(node);
    return out;
  }

  count(): number {
    let n = 0;
    for (const m of this.byNode.values()) n += m.size;
    return n;
  }
}
