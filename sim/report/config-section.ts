/**
 * The control-plane configuration table (summary.json `cloud.config`) as rows both writers render:
 * each field a run set or cloudcore rewrote, what was asked for, what cloudcore ran with, and why
 * they differ. "default" stands for a field the run did not write.
 */
import type { ControlPlaneConfig } from '../model/control-plane-info.js';

export interface ConfigRow {
  key: string;
  requested: string;
  ranWith: string;
  overridden: boolean;
  note: string;
}

export const CONFIG_HEADER = ['key', 'requested', 'ran with', 'note'] as const;

export function configRows(c: ControlPlaneConfig): ConfigRow[] {
  return c.cloudcore.map((x) => ({
    key: x.key,
    requested: x.requested === null ? 'default' : String(x.requested),
    ranWith: String(x.effective),
    overridden: x.overridden,
    note: x.overridden ? `overridden by cloudcore: ${x.reason ?? 'no reason recorded'}` : (x.reason ?? ''),
  }));
}

/** One line under the table: the kube-apiserver flags the run added, and how the values were checked. */
export function configFootnotes(c: ControlPlaneConfig): string[] {
  return [
    c.apiserverArgs.length > 0 ? `kube-apiserver flags added: ${c.apiserverArgs.join(' ')}` : 'kube-apiserver: the provider\'s flags only',
    ...(c.checkedAgainst ? [`Checked against ${c.checkedAgainst}.`] : []),
  ];
}
