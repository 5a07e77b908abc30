/**
 * What summary.json says of the control plane a run used: the provider, and the configuration the
 * run set and the components ran with. The providers themselves are behind sim/cloud/control-plane.ts.
 */

export type CloudProviderName = 'local' | 'containers' | 'attach' | 'loopback';

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
