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

/** One field of a component's config: what the run asked for and what the component ran with. */
export interface ConfigEntry {
  /** e.g. "modules.cloudHub.nodeLimit". */
  key: string;
  /** The value the run wrote (a what-if knob or the provider's own choice); null: not written, the component's default applied. */
  requested: string | number | boolean | null;
  /** The value the component ran with. */
  effective: string | number | boolean;
  /** True when the component replaced a requested value. */
  overridden: boolean;
  /** Why the effective value is not simply the requested or default one. */
  reason?: string;
}

/** The control plane's configuration as far as a run changed it or the component rewrote it. */
export interface ControlPlaneConfig {
  cloudcore: ConfigEntry[];
  /** Flags added to kube-apiserver's own (`--apiserver-arg`). */
  apiserverArgs: string[];
  /** How the effective values were checked, e.g. against cloudcore's own config dump. */
  checkedAgainst?: string;
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
  stop(): Promise<void>;
}
