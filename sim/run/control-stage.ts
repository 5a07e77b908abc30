/**
 * A remote fleet's control channel: open it before the fleet starts, close it after the fleet has
 * stopped (the teardown is last-in-first-out). The run token is the one the shards were given —
 * `--control-token-file` (the Secret the chart mounts) or TWINLAB_CONTROL_TOKEN — or, when neither
 * is set, one made for this run and written to `<out>/control-token` (mode 0600) for the shards to
 * read. The token never reaches a log line, the event log or a report.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ControlServer } from '../fleet/channel/control-server.js';
import { remoteLauncher, type ShardLauncher } from '../fleet/controller/shard-launcher.js';
import type { RunContext } from './run-context.js';
import { readSecretFile } from '../util/secret-file.js';

/** The run token and where it came from (for the log; never the token itself). */
export function controlToken(outDir: string, tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): { token: string; source: string } {
  if (tokenFile) return { token: readSecretFile(tokenFile, 'the control token file', '--control-token-file'), source: tokenFile };
  if (env.TWINLAB_CONTROL_TOKEN) return { token: env.TWINLAB_CONTROL_TOKEN, source: 'TWINLAB_CONTROL_TOKEN' };
  const token = randomBytes(32).toString('base64url');
  const file = path.join(outDir, 'control-token');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, source: `${file} (made for this run)` };
}

export interface OpenedChannel {
  launcher: ShardLauncher;
  /** Where it listens (`ws://127.0.0.1:7443/twinlab/v1/shards`). */
  url: string;
  /** The run token. A secret. */
  token: string;
}

/** Open the channel and hand back the launcher that takes the shards from it. */
export async function openControlChannel(run: RunContext): Promise<OpenedChannel> {
  const { o, log } = run;
  const { token, source } = controlToken(run.outDir, o.controlTokenFile);
  const tls =
    o.controlCert && o.controlKey
      ? { cert: readSecretFile(o.controlCert, 'the control channel certificate', '--control-cert'), key: readSecretFile(o.controlKey, 'the control channel key', '--control-key') }
      : undefined;
  const control = await ControlServer.open({ host: o.controlHost, port: o.controlPort, token, shards: o.shards, ...(tls ? { tls } : {}) });
  run.teardown.push('control channel', () => control.close());
  control.on('refused', (reason) => log(`control channel: ${reason}`));
  control.on('shard', (s) => log(`control channel: shard ${s.index}/${o.shards} connected from ${s.host} (index from ${s.source})`));
  log(
    `control channel: waiting up to ${Math.round(o.shardWaitMs / 1000)} s for ${o.shards} shards at ${control.url} ` +
      `(run token from ${source})${o.fleet === 'remote' ? `; start them with: twinlab shard --control ${control.url} --of ${o.shards}` : ''}`,
  );
  return { launcher: remoteLauncher(control), url: control.url, token };
}
