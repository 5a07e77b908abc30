/**
 * `twinlab shard` options from the environment, so a pod template can set them with `env:` and
 * one image serves every shard. A flag always wins over its variable. The join token is read from
 * a file (a mounted Secret) or a variable and never appears in a log line or an output file.
 */
import { ConfigInvalidError } from '../../errors.js';
import { readSecretFile } from '../../util/secret-file.js';

/** Each string option of `twinlab shard` and the variable that stands in for it. */
export const SHARD_ENV = {
  of: 'TWINLAB_SHARDS',
  nodes: 'TWINLAB_NODES',
  cloudhub: 'TWINLAB_CLOUDHUB',
  'certs-url': 'TWINLAB_CERTS_URL',
  'token-file': 'TWINLAB_TOKEN_FILE',
  certs: 'TWINLAB_CERTS',
  'cert-cache': 'TWINLAB_CERT_CACHE',
  'data-dir': 'TWINLAB_DATA_DIR',
  ramp: 'TWINLAB_RAMP',
  'kubeedge-version': 'TWINLAB_KUBEEDGE_VERSION',
  'name-prefix': 'TWINLAB_NAME_PREFIX',
  'metrics-host': 'TWINLAB_METRICS_HOST',
  'metrics-port': 'TWINLAB_METRICS_PORT',
  scenario: 'TWINLAB_SCENARIO',
  duration: 'TWINLAB_DURATION',
  out: 'TWINLAB_OUT',
  control: 'TWINLAB_CONTROL_URL',
  'control-token-file': 'TWINLAB_CONTROL_TOKEN_FILE',
  'control-ca': 'TWINLAB_CONTROL_CA',
} as const;

export type ShardEnvOption = keyof typeof SHARD_ENV;

/** The boolean flag's variable: `true` or `1` turns it on. */
export const INSECURE_SKIP_HOSTNAME_CHECK_ENV = 'TWINLAB_INSECURE_SKIP_HOSTNAME_CHECK';

type Env = Readonly<Record<string, string | undefined>>;

/** Flags as parsed, with every missing one filled from its variable (empty variables count as unset). */
export function withEnvDefaults<T extends Partial<Record<ShardEnvOption, string>>>(flags: T, env: Env): T {
  const out: Partial<Record<ShardEnvOption, string>> = { ...flags };
  for (const [option, name] of Object.entries(SHARD_ENV) as Array<[ShardEnvOption, string]>) {
    const value = env[name];
    if (out[option] === undefined && value !== undefined && value !== '') out[option] = value;
  }
  return out as T;
}

export function insecureSkipHostnameCheck(flag: boolean | undefined, env: Env): boolean {
  if (flag !== undefined) return flag;
  const v = env[INSECURE_SKIP_HOSTNAME_CHECK_ENV]?.toLowerCase();
  return v === 'true' || v === '1';
}

/**
 * The token from `--token`, else the file (`--token-file` / TWINLAB_TOKEN_FILE, a mounted
 * Secret), else TWINLAB_TOKEN; undefined when none is given (the caller may then read it from the
 * cluster). Errors name the file, never its content.
 */
export function tokenFromFlagsOrEnv(flag: string | undefined, tokenFile: string | undefined, env: Env, read?: (file: string) => string): string | undefined {
  if (flag) return flag;
  if (tokenFile) return readSecretFile(tokenFile, 'the join token file', '--token-file', read);
  return env.TWINLAB_TOKEN || undefined;
}

/**
 * The run token for the control channel: the file (`--control-token-file`, a mounted Secret), else
 * TWINLAB_CONTROL_TOKEN. Errors name the file, never its content.
 */
export function controlTokenFromEnv(tokenFile: string | undefined, env: Env, read?: (file: string) => string): string {
  if (tokenFile) return readSecretFile(tokenFile, 'the control token file', '--control-token-file', read);
  const token = env.TWINLAB_CONTROL_TOKEN;
  if (!token) throw new ConfigInvalidError('--control needs the run token: --control-token-file FILE or TWINLAB_CONTROL_TOKEN', { option: '--control' });
  return token;
}
