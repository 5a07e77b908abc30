/**
 * A fast answer to "is there a Docker engine to start containers on?" for the `containers`
 * provider and the tests that need one: one `GET /_ping` against the engine's socket, bounded by a
 * short timeout, instead of testcontainers' full strategy search (which can take seconds and logs).
 * Looks where the Docker CLI and testcontainers look: DOCKER_HOST, then docker.host in
 * ~/.testcontainers.properties, then the usual sockets (rootful, rootless, Docker Desktop, Podman).
 */
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface DockerProbe {
  available: boolean;
  /** The engine address that answered, or the first one tried. */
  host: string | null;
  /** Why not, when not available; what answered, when available. */
  reason: string;
}

export interface DockerProbeOptions {
  env?: NodeJS.ProcessEnv;
  /** Per candidate. Default 1500 ms. */
  timeoutMs?: number;
  home?: string;
}

function propertiesDockerHost(home: string): string | null {
  try {
    const text = readFileSync(join(home, '.testcontainers.properties'), 'utf8');
    const line = text.split(/\r?\n/).find((l) => /^\s*docker\.host\s*=/.test(l));
    return line ? line.slice(line.indexOf('=') + 1).trim() || null : null;
  } catch {
    return null;
  }
}

/** Engine addresses to try, best first, as `unix://…` or `tcp://…`. */
export function dockerHostCandidates(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
  if (env.DOCKER_HOST) return [env.DOCKER_HOST];
  const out: string[] = [];
  const fromProps = propertiesDockerHost(home);
  if (fromProps) out.push(fromProps);
  out.push('unix:///var/run/docker.sock');
  if (env.XDG_RUNTIME_DIR) out.push(`unix://${join(env.XDG_RUNTIME_DIR, 'docker.sock')}`);
  out.push(`unix://${join(home, '.docker', 'run', 'docker.sock')}`, `unix://${join(home, '.docker', 'desktop', 'docker.sock')}`);
  if (env.XDG_RUNTIME_DIR) out.push(`unix://${join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock')}`);
  return [...new Set(out)];
}

function ping(target: { socketPath: string } | { host: string; port: number }, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 256) body += c;
      });
      res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'OK' ? null : `answered /_ping with HTTP ${res.statusCode ?? '?'}`));
      res.on('error', (e) => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to /_ping within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ? `${e.code}: ${e.message}` : e.message));
    req.end();
  });
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (why: string | null): void => {
      sock.destroy();
      resolve(why);
    };
    sock.setTimeout(timeoutMs, () => done(`no TCP connection within ${timeoutMs} ms`));
    sock.once('connect', () => done(null));
    sock.once('error', (e) => done(e.message));
  });
}

async function probeOne(address: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string | null> {
  if (address.startsWith('unix://')) {
    const socketPath = address.slice('unix://'.length);
    if (!existsSync(socketPath)) return `no socket at ${socketPath}`;
    return ping({ socketPath }, timeoutMs);
  }
  if (address.startsWith('tcp://')) {
    const u = new URL(address.replace(/^tcp:/, 'http:'));
    const port = Number(u.port || (env.DOCKER_TLS_VERIFY ? 2376 : 2375));
    // A TLS engine wants client certificates for /_ping too; an open port is all a fast probe can say.
    if (env.DOCKER_TLS_VERIFY === '1') return tcpOpen(u.hostname, port, timeoutMs);
    return ping({ host: u.hostname, port }, timeoutMs);
  }
  return `unsupported address ${address} (only unix:// and tcp:// are probed)`;
}

/** Never throws; resolves within about `timeoutMs` per candidate (non-existent sockets cost nothing). */
export async function dockerAvailable(opts: DockerProbeOptions = {}): Promise<DockerProbe> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 1_500;
  const candidates = dockerHostCandidates(env, opts.home ?? homedir());
  const reasons: string[] = [];
  for (const address of candidates) {
    const why = await probeOne(address, env, timeoutMs);
    if (why === null) return { available: true, host: address, reason: `Docker engine at ${address} answered /_ping` };
    reasons.push(`${address}: ${why}`);
  }
  return { available: false, host: candidates[0] ?? null, reason: `no Docker engine (${reasons.join('; ')})` };
}
