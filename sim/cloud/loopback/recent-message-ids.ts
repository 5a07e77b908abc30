/**
 * A bounded memory of downstream msg_ids the peer has finished with, so an ACK that matches no
 * in-flight message can be told apart: a duplicate ACK, an ACK for a reply that needed none, or
 * one the peer never sent (or has forgotten).
 */

export type RecentKind = 'acked' | 'no-ack-needed';

export class RecentMessageIds {
  private readonly ids = new Map<string, RecentKind>();

  constructor(private readonly capacity = 16_384) {}

  remember(msgId: string, kind: RecentKind): void {
    this.ids.delete(msgId);
    this.ids.set(msgId, kind);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
  }

  get(msgId: string): RecentKind | undefined {
    return this.ids.get(msgId);
  }
}
