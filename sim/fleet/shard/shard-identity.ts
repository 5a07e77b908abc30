/**
 * Which shard of the fleet this process is. On a workstation `--index` says it; in a cluster the pod
 * says it: an Indexed Job sets JOB_COMPLETION_INDEX, a StatefulSet names its pods `<name>-<ordinal>`
 * and the ordinal ends the hostname. Resolution is pure so every source and their order are testable.
 */
import { ConfigInvalidError } from '../../errors.js';

export type ShardIndexSource = '--index' | 'JOB_COMPLETION_INDEX' | 'hostname' | 'single shard';

export interface ShardIdentity {
  index: number;
  of: number;
  /** Where the index came from, for the shard's first log line. */
  source: ShardIndexSource;
}

export interface ShardIdentityInput {
  /** `--index` as typed, if given. */
  index?: string | undefined;
  of: number;
  /** Environment: JOB_COMPLETION_INDEX and HOSTNAME are read. */
  env: Readonly<Record<string, string | undefined>>;
  /** The kernel's hostname (os.hostname()), used when HOSTNAME is not in the environment. */
  hostname: string;
}

const ORDINAL = /-(\d+)$/;

function parseIndex(value: string, source: ShardIndexSource): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new ConfigInvalidError(`shard index ${JSON.stringify(value)} from ${source} must be a whole number ≥ 0`, { option: source });
  }
  return Number(value.trim());
}

/**
 * `--index` first, then JOB_COMPLETION_INDEX, then the `-<ordinal>` suffix of the hostname. A lone
 * shard (`of` = 1) with none of them is shard 0; with more shards, a hostname without an ordinal is
 * an error rather than a silent shard 0, because N pods all claiming shard 0 would start the same
 * nodes N times.
 */
export function resolveShardIdentity(input: ShardIdentityInput): ShardIdentity {
  const { of } = input;
  let index: number;
  let source: ShardIndexSource;
  const jobIndex = input.env.JOB_COMPLETION_INDEX;
  const hostname = input.env.HOSTNAME || input.hostname;
  if (input.index !== undefined) {
    source = '--index';
    index = parseIndex(input.index, source);
  } else if (jobIndex !== undefined && jobIndex !== '') {
    source = 'JOB_COMPLETION_INDEX';
    index = parseIndex(jobIndex, source);
  } else {
    const m = ORDINAL.exec(hostname);
    if (m) {
      source = 'hostname';
      index = Number(m[1]);
    } else if (of === 1) {
      return { index: 0, of, source: 'single shard' };
    } else {
      throw new ConfigInvalidError(
        `cannot tell which of ${of} shards this is: no --index, no JOB_COMPLETION_INDEX, and hostname ${JSON.stringify(hostname)} does not end in -<ordinal> (a StatefulSet pod is named <name>-<ordinal>)`,
        { option: '--index', hostname },
      );
    }
  }
  if (index >= of) {
    const from = source === 'hostname' ? `hostname ${JSON.stringify(hostname)}` : source === '--index' ? '--index' : `JOB_COMPLETION_INDEX=${jobIndex}`;
    throw new ConfigInvalidError(`shard index ${index} (from ${from}) must be below the shard count ${of}`, { option: '--index', index, of });
  }
  return { index, of, source };
}
