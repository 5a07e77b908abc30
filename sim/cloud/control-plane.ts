/**
 * The one interface every control-plane provider implements: where the cloud is, how to join it,
 * what to scrape, which processes to account for, and how to stop it. What only some providers
 * can do (restart cloudcore, measure their own usage, take objects without an API server) are
 * optional capabilities that callers test for, never a cast to a provider's own type.
 */
import type { PeerCommand, PeerCommandResults } from './loopback/peer-ipc.js';
import type { CloudProviderName, ConfigEntry, ControlPlaneConfig } from '../model/control-plane-info.js';

export type { CloudProviderName, ConfigEntry, ControlPlaneConfig };

export interface MetricsTarget {
  /** e.g. "cloudcore", "kube-apiserver", "loopback-peer". */
  name: string;
  url: string;
  /** Client TLS for an https target (kube-apiserver wants a client certificate). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export interface ControlPlaneProcess {
  name: string;
  pid: number;
}

/** How cloudcore is stopped for a restart: SIGTERM (an upgrade, a rescheduled pod) or SIGKILL (a crash, an OOM kill). */
export type CloudRestartSignal = 'SIGTERM' | 'SIGKILL';

export interface CloudRestartRequest {
  signal: CloudRestartSignal;
  /** How long cloudcore stays down after it has exited (0: started again at once). */
  downtimeMs: number;
  /** Runs once cloudcore is down and before it starts again (changes the cloud makes during the outage). */
  whileDown?: () => Promise<void>;
}

export interface CloudRestartResult {
  /** Wall-clock ms: the stop was issued, the old cloudcore had exited (null: unknown), the new one was started, it served CloudHub again. */
  stoppedAtMs: number;
  exitedAtMs: number | null;
  startedAtMs: number;
  readyAtMs: number;
  /** What was done, for the log: e.g. `SIGTERM pid 4711 → pid 4790`. */
  detail: string;
}

/** A provider that can restart cloudcore with the same configuration and certificates. */
export interface CloudRestarter {
  restartCloudcore(request: CloudRestartRequest): Promise<CloudRestartResult>;
}

/** CPU seconds over a measurement and the peak (or, without peak tracking, the last) RSS, per component. */
export type ComponentUsage = Record<string, { cpuSeconds: number; peakRssBytes: number }>;

/** A measurement of the control plane's own CPU and memory, running from its start until `stop`. */
export interface UsageMeter {
  /** Each component's RSS now, for the run's periodic record; absent when the provider reads usage only at both ends. */
  rssNow?(): Record<string, number>;
  /** End the measurement; null when no reading was possible. */
  stop(): Promise<ComponentUsage | null>;
}

/** A provider that measures its components' usage itself (local: /proc; containers: the engine's stats API). */
export interface UsageSource {
  start(): Promise<UsageMeter>;
}

/** A cloud that takes pods and devices straight from the run, with no API server (the loopback test peer). */
export interface DirectWorkload {
  command<C extends PeerCommand>(command: C): Promise<PeerCommandResults[C['kind']]>;
}

export interface ControlPlane {
  provider: CloudProviderName;
  /** e.g. "v1.23.1". */
  kubeedgeVersion: string;
  /** Admin kubeconfig path, when the provider has an API server. */
  kubeconfigPath?: string;
  /** e.g. wss://127.0.0.1:10000 */
  cloudhubUrl: string;
  /** e.g. https://127.0.0.1:10002 */
  certsUrl: string;
  /** Join token `<caHash>.<jwt>`. A secret: never log it. */
  token: string;
  /** cloudHub.nodeLimit the cloud was configured with, when known. */
  nodeLimit?: number;
  /** The configuration the run set and the values the components ran with, when the provider knows them. */
  readonly config?: ControlPlaneConfig;
  metricsTargets: MetricsTarget[];
  processes: ControlPlaneProcess[];
  /** cloudcore's log file, when the provider writes one (the limit rules read it for throttling and nodeLimit lines). */
  cloudcoreLogPath?: string;
  /** Present when the provider can restart cloudcore (local; attach with a restart hook). */
  cloudRestart?: CloudRestarter;
  /** Present when the provider measures its own components' CPU and memory (local, containers). */
  usage?: UsageSource;
  /** The nodes the cloud itself counts as connected now, when it can say without a metrics scrape (the loopback peer's sessions); null if unknown. */
  connectedNodes?(): Promise<number | null>;
  /** Present when the cloud takes objects straight from the run instead of through an API server (loopback). */
  workload?: DirectWorkload;
  /** One CloudHub URL per process when the cloud listens on several (the loopback peer's processes); `cloudhubUrl` is the first. */
  hubUrls?: readonly string[];
  /** kube-controller-manager's /metrics (https on its secure port, behind delegated authn/authz, self-signed), when the provider runs one. */
  controllerManagerMetricsUrl?: string;
  /** True when the cluster is not the run's own and outlives it (attach): what the run created in it is deleted at the end. */
  outlivesRun?: boolean;
  stop(): Promise<void>;
}
