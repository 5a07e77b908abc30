/**
 * Typed failures of the `local` control-plane provider: binaries that cannot be found or built,
 * and a component that did not come up (named, with the tail of its log).
 */
import { ErrorCodes, TwinlabError } from '../../errors.js';

export interface MissingBinary {
  name: string;
  /** Where it was looked for. */
  path: string;
}

/** Every way to provide the binaries, shown to the user when none worked. */
export const BINARY_REMEDIES = [
  'set TWINLAB_BIN_DIR (or the binDir option) to a directory holding etcd, kube-apiserver, kube-controller-manager and cloudcore',
  'install Go >= 1.23 and run `node scripts/build-controlplane.mjs` (11–18 min cold on 2 cores, cached afterwards)',
  'use the `attach` provider against an existing cluster, or `loopback` for protocol-only runs',
] as const;

export class BinariesUnavailableError extends TwinlabError {
  readonly missing: readonly MissingBinary[];
  constructor(missing: MissingBinary[], reason: string) {
    const lines = [
      `control-plane binaries unavailable (${reason}); missing:`,
      ...missing.map((m) => `  - ${m.name} (looked at ${m.path})`),
      'provide them by one of:',
      ...BINARY_REMEDIES.map((r) => `  - ${r}`),
    ];
    super(ErrorCodes.BinariesUnavailable, lines.join('\n'), { missing, reason });
    this.missing = missing;
  }
}

export class ControlPlaneStartError extends TwinlabError {
  readonly component: string;
  readonly logTail: string;
  constructor(component: string, reason: string, logTail: string, logPath?: string, options?: { cause?: unknown }) {
    const where = logPath ? ` (log: ${logPath})` : '';
    const tail = logTail.trim() ? `\n--- last lines of ${component} log ---\n${logTail.trimEnd()}` : '';
    super(ErrorCodes.ControlPlaneStart, `${component} failed to start: ${reason}${where}${tail}`, { component, logPath }, options);
    this.component = component;
    this.logTail = logTail;
  }
}
