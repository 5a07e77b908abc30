/**
 * What the floor's parent process and its children (one TLS server, S client processes) say to
 * each other over IPC. The only thing the two sides share.
 */

export interface ServerConfig {
  certPem: string;
  keyPem: string;
}

export type ParentToServer = { type: 'start'; config: ServerConfig } | { type: 'sample'; id: number } | { type: 'stop' };

export interface ServerSample {
  /** `performance.now()` in the server process: only differences between its own samples mean anything. */
  atMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  connections: number;
  leasesIn: number;
  /** Client frames below the reply threshold, told apart by size: ACKs and keepalives. */
  acksIn: number;
  keepalivesIn: number;
  /** Frames of no size the schedule sends: counted, never expected. */
  otherIn: number;
  repliesOut: number;
  socketErrors: number;
}

export type ServerToParent =
  | { type: 'ready'; port: number }
  | { type: 'sample'; id: number; sample: ServerSample }
  | { type: 'fatal'; error: string };

export interface ClientConfig {
  /** This process's index among the client processes. */
  shard: number;
  connections: number;
  /** Phase seed of this process's first connection: seeds run over the whole fleet, so phases spread evenly across processes too. */
  firstSeed: number;
  port: number;
  caPem: string;
  leasePeriodMs: number;
  keepalivePeriodMs: number;
  tickMs: number;
  connectPerSecond: number;
  handshakeTimeoutMs: number;
  /** 0: each frame is one socket write. Otherwise frames are written in pieces of at most this many bytes, one in flight per connection. */
  writeChunkBytes: number;
}

/** What the first connection of a client process negotiated (every connection shares its context). */
export interface NegotiatedTls {
  protocol: string;
  cipher: string;
}

export type ParentToClient = { type: 'start'; config: ClientConfig } | { type: 'sample'; id: number } | { type: 'stop' };

export interface ClientSample {
  /** `performance.now()` in the client process: only differences between its own samples mean anything. */
  atMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** RSS before the first connection was opened. */
  baselineRssBytes: number;
  open: number;
  /** Connections that closed after being up. */
  dropped: number;
  socketErrors: number;
  leaseWrites: number;
  keepaliveWrites: number;
  ackWrites: number;
  /** Calls to `socket.write`: one per frame, or more with `writeChunkBytes`. */
  socketWrites: number;
  replyReads: number;
  /** `onread` callbacks: decrypted reads handed to JS. */
  readCallbacks: number;
  /** How late the scheduling tick ran at worst since the previous sample, in ms. */
  maxTickLagMs: number;
}

export type ClientToParent =
  | { type: 'connected'; open: number; failed: number; seconds: number; tls: NegotiatedTls | undefined }
  | { type: 'sample'; id: number; sample: ClientSample }
  | { type: 'fatal'; error: string };
