/**
 * The one interface every control-plane provider implements: where the cloud is, how to join it,
 * what to scrape, which processes to account for, and how to stop it.
 */

export type CloudProviderName = 'local' | 'containers' | 'attach' | 'loopback';

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
  metricsTargets: MetricsTarget[];
  processes: ControlPlaneProcess[];
  /** cloudcore's log file, when the provider writes one (the limit rules read it for throttling and nodeLimit lines). */
  cloudcoreLogPath?: string;
  stop(): Promise<void>;
}
