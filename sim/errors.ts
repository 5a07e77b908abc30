/**
 * The one errors module: every failure twinlab reports carries a stable code that reports,
 * exit codes and CI match on, and a message that says what went wrong and where.
 */

export const ErrorCodes = {
  BootstrapTokenInvalid: 'TWL_BOOTSTRAP_TOKEN_INVALID',
  BootstrapCaMismatch: 'TWL_BOOTSTRAP_CA_MISMATCH',
  BootstrapRejected: 'TWL_BOOTSTRAP_REJECTED',
  CloudUnreachable: 'TWL_CLOUD_UNREACHABLE',
  FrameMalformed: 'TWL_FRAME_MALFORMED',
  ConfigInvalid: 'TWL_CONFIG_INVALID',
  ScenarioInvalid: 'TWL_SCENARIO_INVALID',
  ShardFailed: 'TWL_SHARD_FAILED',
  MetaStore: 'TWL_META_STORE',
  BinariesUnavailable: 'TWL_BINARIES_UNAVAILABLE',
  ControlPlaneStart: 'TWL_CONTROLPLANE_START',
  Interrupted: 'TWL_INTERRUPTED',
  EventLog: 'TWL_EVENT_LOG',
  Regression: 'TWL_REGRESSION',
  /** `twinlab compare` was given two runs whose setups differ. */
  SetupsDiffer: 'TWL_SETUPS_DIFFER',
  OpenFilesLimit: 'TWL_OPEN_FILES_LIMIT',
  /** Something twinlab did not expect (a bug, or a failure no other code names): the message is the original error's. */
  Internal: 'TWL_INTERNAL',
  /** The network control channel between the fleet controller and remote shards refused or lost a peer. */
  ControlChannel: 'TWL_CONTROL_CHANNEL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class TwinlabError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }

  /** One line fit for a log or a progress line: code first, then the message. */
  toLine(): string {
    return `${this.code}: ${this.message}`;
  }
}

export class BootstrapTokenInvalidError extends TwinlabError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(ErrorCodes.BootstrapTokenInvalid, message, context);
  }
}

/** The CA served on :10002 (or the server's TLS chain) does not match the CA the join token names. */
export class BootstrapCaMismatchError extends TwinlabError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(ErrorCodes.BootstrapCaMismatch, message, context, options);
  }
}

/** cloudcore answered a certificate request with something other than a certificate (401, 500, garbage). */
export class BootstrapRejectedError extends TwinlabError {
  /** HTTP status, when the rejection came as an HTTP reply. */
  readonly status: number | undefined;
  constructor(message: string, context: Record<string, unknown> & { status?: number } = {}, options?: { cause?: unknown }) {
    super(ErrorCodes.BootstrapRejected, message, context, options);
    this.status = context.status;
  }
}

export class CloudUnreachableError extends TwinlabError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(ErrorCodes.CloudUnreachable, message, context, options);
  }
}

/** A frame from the network that is not a KubeEdge message. `reason` names what was wrong. */
export class FrameMalformedError extends TwinlabError {
  readonly reason: string;
  constructor(reason: string, context: Record<string, unknown> = {}) {
    super(ErrorCodes.FrameMalformed, `malformed frame: ${reason}`, context);
    this.reason = reason;
  }
}

export class ConfigInvalidError extends TwinlabError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(ErrorCodes.ConfigInvalid, message, context);
  }
}

/** A shard's meta store (its SQLite file) could not be opened, read or written. */
export class MetaStoreError extends TwinlabError {
  /** The database file. */
  readonly path: string;
  /** What the store was doing: open, flush, read, close… */
  readonly operation: string;
  constructor(path: string, operation: string, detail: string, options?: { cause?: unknown }) {
    super(ErrorCodes.MetaStore, `meta store ${operation} failed for ${path}: ${detail}`, { path, operation }, options);
    this.path = path;
    this.operation = operation;
  }
}

export function isTwinlabError(e: unknown): e is TwinlabError {
  return e instanceof TwinlabError;
}

/** Process exit codes, documented in docs/cli.md. */
export const ExitCodes = {
  Ok: 0,
  HarnessError: 1,
  InvalidInput: 2,
  SloBreach: 3,
  /** `twinlab capacity --budget`: the projected target does not fit the budget. */
  OverBudget: 3,
  Regression: 4,
  Interrupted: 130,
} as const;

/**
 * The exit code for a failure: 2 for input the run cannot use (a config or scenario), 1 for
 * everything else. Takes a thrown value or a recorded `{ code }` (a summary's `error`).
 */
export function exitCodeFor(error: unknown): number {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return code === ErrorCodes.ConfigInvalid || code === ErrorCodes.ScenarioInvalid ? ExitCodes.InvalidInput : ExitCodes.HarnessError;
}

/** An error twinlab did not raise itself, kept as the cause under TWL_INTERNAL; a TwinlabError passes through as it is. */
export function asTwinlabError(error: unknown): TwinlabError {
  if (isTwinlabError(error)) return error;
  return new TwinlabError(ErrorCodes.Internal, error instanceof Error ? error.message : String(error), {}, { cause: error });
}

/** A scenario file that cannot run: the message starts with `file:line:col` and says what is wrong. */
export class ScenarioInvalidError extends TwinlabError {
  constructor(message: string, context: { file: string; line?: number; column?: number; path?: string }) {
    super(ErrorCodes.ScenarioInvalid, message, context);
  }
}

/** A binary the local control plane needs and where it was looked for. */
export interface MissingBinary {
  name: string;
  /** Where it was looked for. */
  path: string;
}

/** Every way to provide the control plane's binaries, shown to the user when none worked. */
export const BINARY_REMEDIES = [
  'set TWINLAB_BIN_DIR (or the binDir option) to a directory holding etcd, kube-apiserver, kube-controller-manager and cloudcore',
  'install Go >= 1.23 and run `node scripts/build-controlplane.mjs` (11–18 min cold on 2 cores, cached afterwards)',
  'use the `attach` provider against an existing cluster, or `loopback` for protocol-only runs',
] as const;

/** The local control plane's binaries cannot be found, built or downloaded: lists what is missing and every remedy. */
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

/** A control-plane component did not come up: named, with the tail of its log. */
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
