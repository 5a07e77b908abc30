/**
 * The one interface every control-plane provider implements: where the cloud is, how to join it,
 * what to scrape, which processes to account for, and how to stop it; and, where the provider can,
 * how to restart cloudcore.
 */
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
  stop(): Promise<void>;
}
