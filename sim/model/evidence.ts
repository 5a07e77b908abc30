/**
 * The evidence a run records once a second for "what held the fleet back": what every process
 * it started costs, where the fleet's nodes are, and how cloudcore, kube-apiserver and etcd
 * answer. The limit rules (sim/record/limit-rules.ts) read these samples and nothing else.
 */

/** One process the run started (or the run itself), over the last interval. */
export interface ProcessSample {
  /** CPU over the interval, in cores (1 = one core busy the whole interval). */
  cpuCores: number;
  rssBytes: number;
  /** Open file descriptors; null when /proc did not say (another user's process). */
  fds: number | null;
  /** The process's soft RLIMIT_NOFILE; null when unknown. */
  fdLimit: number | null;
}

export interface FleetSample {
  requested: number;
  started: number;
  connected: number;
  ready: number;
  bootstrapping: number;
  connecting: number;
  registering: number;
  reconnecting: number;
  /** Upstream requests waiting for a reply now. */
  pendingRequests: number;
  /** Requests that timed out so far (cumulative). */
  unanswered: number;
  /** Failed dials so far (cumulative). */
  connectFailures: number;
  /** Worst shard's event-loop lag p99 over its last interval, ms. */
  lagP99Ms: number;
}

export interface ApiServerSample {
  requestsPerS: number;
  /** p99 of POST/PUT/PATCH/DELETE over the interval, ms; null without such requests. */
  mutatingP99Ms: number | null;
  /** p99 of GET/LIST over the interval, ms. */
  readP99Ms: number | null;
  /** API Priority and Fairness rejections (HTTP 429) per second. */
  rejectedPerS: number;
  inflight: number | null;
  /** kube-apiserver's view of etcd: request p99 over the interval, ms. */
  etcdP99Ms: number | null;
}

export interface CloudcoreSample {
  /** KubeEdge_CloudHub_connected_nodes. */
  connected: number | null;
  /** The nodeLimit cloudcore runs with. */
  nodeLimit: number | null;
  /** client-go "Waited … due to client-side throttling" lines in cloudcore's log during the interval. */
  throttledWaits: number | null;
  /** "Fail to serve node …, reach node limit" lines in cloudcore's log during the interval: connections CloudHub left unserved. */
  limitRejections: number | null;
}

export interface EvidenceSample {
  atMs: number;
  machine: { cores: number; busyCores: number | null; memAvailableBytes: number | null };
  /** By process name: `twinlab` (the run itself), `shard-N`, `loopback-peer`, etcd, kube-apiserver, kube-controller-manager, cloudcore. */
  processes: Record<string, ProcessSample>;
  fleet: FleetSample;
  /** Upstream request kind → replies during the interval and their p99, ms (first send → reply). */
  requests: Record<string, { replies: number; p99Ms: number | null }>;
  cloudcore: CloudcoreSample | null;
  apiserver: ApiServerSample | null;
}

/** How a process name is read by the rules and the reports. */
export function processRole(name: string): 'harness' | 'control-plane' | 'test-peer' {
  if (name === 'twinlab' || name.startsWith('shard-')) return 'harness';
  if (name.startsWith('loopback-peer')) return 'test-peer';
  return 'control-plane';
}
