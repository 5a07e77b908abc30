/**
 * Counters the loopback peer keeps about the traffic it sees, so a run can show what the harness
 * itself did (messages by operation, ACK latency, resends, rejects) and what the peer cost.
 */

/** A plain, JSON-safe snapshot (it crosses the peer process's IPC channel as is). */
export interface PeerStats {
  /** Sockets open now, including ones refused by the node limit and ones never read. */
  connections: number;
  connectionsTotal: number;
  /** Registered sessions (one per node_id) right now. */
  sessions: number;
  sessionsReplaced: number;
  keepaliveTimeouts: number;
  /** Upgrades without `ConnectionUse: msg`: accepted, never read. */
  unreadConnections: number;
  /** Connections accepted above nodeLimit (socket left open, nothing sent down). */
  limitRejected: number;
  /** Messages read on such connections (read, then dropped). */
  limitRejectedMessages: number;
  /** Upstream messages by `route.operation`. */
  messagesUp: Record<string, number>;
  /** Downstream messages by `route.operation`; a resend counts again. */
  messagesDown: Record<string, number>;
  /** Downstream WebSocket messages sent as more than one frame. */
  fragmentedDown: number;
  /** ACKs that completed the in-flight ACK-lane message. */
  acks: number;
  /** ACKs for a message already ACKed (the same msg_id again). */
  acksDuplicate: number;
  /** ACKs for a reply that needed none (Node/Lease/token replies — the real edge sends these). */
  acksUnneeded: number;
  /** ACKs matching nothing the peer remembers (late after a give-up, or unknown). */
  acksUnknown: number;
  /** Sends 2..5 of an ACK-lane message (same msg_id). */
  resends: number;
  /** Messages that got no ACK after all sends and went to the per-item rate limiter. */
  ackGiveUps: number;
  /** ACK-lane messages not admitted (RV not newer than the stored one or the ObjectSync). */
  admissionRejected: number;
  /** Messages superseded in the ACK lane by a newer one for the same object before being sent. */
  coalesced: number;
  /** Messages the synccontroller-like reconcile queued. */
  reconcileResent: number;
  /** Latency from first send to ACK, in ms: the most recent samples (bounded ring). */
  ackLatencyMs: number[];
  /** Upstream frames that were not KubeEdge messages. */
  malformed: number;
  /** Upstream messages the peer has no handler for (counted, otherwise ignored). */
  unhandled: number;
  /** Errors thrown while handling an upstream message (counted, the session carries on). */
  handlerErrors: number;
  memory: { rss: number; heapUsed: number; external: number };
}

const ACK_SAMPLE_CAP = 10_000;

export class PeerCounters {
  connections = 0;
  connectionsTotal = 0;
  sessionsReplaced = 0;
  keepaliveTimeouts = 0;
  unreadConnections = 0;
  limitRejected = 0;
  limitRejectedMessages = 0;
  fragmentedDown = 0;
  acks = 0;
  acksDuplicate = 0;
  acksUnneeded = 0;
  acksUnknown = 0;
  resends = 0;
  ackGiveUps = 0;
  admissionRejected = 0;
  coalesced = 0;
  reconcileResent = 0;
  malformed = 0;
  unhandled = 0;
  handlerErrors = 0;
  readonly messagesUp = new Map<string, number>();
  readonly messagesDown = new Map<string, number>();
  private readonly ackSamples: number[] = [];
  private ackSampleNext = 0;

  countUp(operation: string | undefined): void {
    const k = operation ?? '';
    this.messagesUp.set(k, (this.messagesUp.get(k) ?? 0) + 1);
  }

  countDown(operation: string | undefined): void {
    const k = operation ?? '';
    this.messagesDown.set(k, (this.messagesDown.get(k) ?? 0) + 1);
  }

  recordAckLatency(ms: number): void {
    if (this.ackSamples.length < ACK_SAMPLE_CAP) this.ackSamples.push(ms);
    else {
      this.ackSamples[this.ackSampleNext] = ms;
      this.ackSampleNext = (this.ackSampleNext + 1) % ACK_SAMPLE_CAP;
    }
  }

  snapshot(sessions: number): PeerStats {
    const mem = process.memoryUsage();
    return {
      connections: this.connections,
      connectionsTotal: this.connectionsTotal,
      sessions,
      sessionsReplaced: this.sessionsReplaced,
      keepaliveTimeouts: this.keepaliveTimeouts,
      unreadConnections: this.unreadConnections,
      limitRejected: this.limitRejected,
      limitRejectedMessages: this.limitRejectedMessages,
      messagesUp: Object.fromEntries(this.messagesUp),
      messagesDown: Object.fromEntries(this.messagesDown),
      fragmentedDown: this.fragmentedDown,
      acks: this.acks,
      acksDuplicate: this.acksDuplicate,
      acksUnneeded: this.acksUnneeded,
      acksUnknown: this.acksUnknown,
      resends: this.resends,
      ackGiveUps: this.ackGiveUps,
      admissionRejected: this.admissionRejected,
      coalesced: this.coalesced,
      reconcileResent: this.reconcileResent,
      ackLatencyMs: [...this.ackSamples],
      malformed: this.malformed,
      unhandled: this.unhandled,
      handlerErrors: this.handlerErrors,
      memory: { rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external },
    };
  }
}

/**
 * The stats of a peer spread over several processes, as one: counts and memory summed, ACK
 * latency samples pooled (each process keeps its own bounded ring).
 */
export function sumPeerStats(all: readonly PeerStats[]): PeerStats {
  const addRecord = (into: Record<string, number>, from: Record<string, number>): void => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  const out: PeerStats = {
    connections: 0,
    connectionsTotal: 0,
    sessions: 0,
    sessionsReplaced: 0,
    keepaliveTimeouts: 0,
    unreadConnections: 0,
    limitRejected: 0,
    limitRejectedMessages: 0,
    messagesUp: {},
    messagesDown: {},
    fragmentedDown: 0,
    acks: 0,
    acksDuplicate: 0,
    acksUnneeded: 0,
    acksUnknown: 0,
    resends: 0,
    ackGiveUps: 0,
    admissionRejected: 0,
    coalesced: 0,
    reconcileResent: 0,
    ackLatencyMs: [],
    malformed: 0,
    unhandled: 0,
    handlerErrors: 0,
    memory: { rss: 0, heapUsed: 0, external: 0 },
  };
  for (const s of all) {
    out.connections += s.connections;
    out.connectionsTotal += s.connectionsTotal;
    out.sessions += s.sessions;
    out.sessionsReplaced += s.sessionsReplaced;
    out.keepaliveTimeouts += s.keepaliveTimeouts;
    out.unreadConnections += s.unreadConnections;
    out.limitRejected += s.limitRejected;
    out.limitRejectedMessages += s.limitRejectedMessages;
    addRecord(out.messagesUp, s.messagesUp);
    addRecord(out.messagesDown, s.messagesDown);
    out.fragmentedDown += s.fragmentedDown;
    out.acks += s.acks;
    out.acksDuplicate += s.acksDuplicate;
    out.acksUnneeded += s.acksUnneeded;
    out.acksUnknown += s.acksUnknown;
    out.resends += s.resends;
    out.ackGiveUps += s.ackGiveUps;
    out.admissionRejected += s.admissionRejected;
    out.coalesced += s.coalesced;
    out.reconcileResent += s.reconcileResent;
    for (const v of s.ackLatencyMs) out.ackLatencyMs.push(v);
    out.malformed += s.malformed;
    out.unhandled += s.unhandled;
    out.handlerErrors += s.handlerErrors;
    out.memory.rss += s.memory.rss;
    out.memory.heapUsed += s.memory.heapUsed;
    out.memory.external += s.memory.external;
  }
  return out;
}
