import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlTokenFromEnv } from '../fleet/shard/shard-env.js';
import { controlToken } from './control-stage.js';
import { advertisedControlUrl } from './kubernetes-stage.js';
import { parseImage, parseListen, parseSimOptions } from './sim-options.js';

describe('--fleet options', () => {
  it('needs --shards for a remote fleet, defaults it for kubernetes, and keeps control flags off a local fleet', () => {
    expect(() => parseSimOptions(['--fleet', 'remote'])).toThrow(/--fleet remote needs --shards N/);
    expect(parseSimOptions(['--fleet', 'kubernetes', '--nodes', '25000'])).toMatchObject({ fleet: 'kubernetes', shards: 3, namespace: 'twinlab', image: { repository: 'twinlab', tag: '0.1.0' } });
    expect(() => parseSimOptions(['--control-listen', '0.0.0.0:7443'])).toThrow(/--control-listen is for a fleet of remote shards/);
    expect(() => parseSimOptions(['--fleet', 'remote', '--shards', '2', '--image', 'x'])).toThrow(/--image is for --fleet kubernetes/);
    expect(() => parseSimOptions(['--fleet', 'remote', '--shards', '2', '--control-cert', 'c.pem'])).toThrow(/--control-cert and --control-key go together/);
    expect(() => parseSimOptions(['--fleet', 'cluster'])).toThrow(/--fleet must be local, remote or kubernetes/);
  });

  it('reads listen addresses and image references, and refuses malformed ones', () => {
    expect(parseListen('0.0.0.0:7443', '--control-listen')).toEqual({ host: '0.0.0.0', port: 7443 });
    expect(parseListen(':9000', '--control-listen')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseListen('[::1]:7443', '--control-listen')).toEqual({ host: '::1', port: 7443 });
    expect(() => parseListen('7443', '--control-listen')).toThrow(/must be HOST:PORT/);
    expect(() => parseListen('h:70000', '--control-listen')).toThrow(/must be HOST:PORT/);
    expect(parseImage('registry.example:5000/twinlab:1.2')).toEqual({ repository: 'registry.example:5000/twinlab', tag: '1.2' });
    expect(parseImage('registry.example/twinlab')).toEqual({ repository: 'registry.example/twinlab', tag: '0.1.0' });
    expect(() => parseImage('Not An Image')).toThrow(/is not an image reference/);
  });

  it('tells pods a reachable URL: --control-advertise, or the listen address unless it is every address', () => {
    expect(advertisedControlUrl('ws://127.0.0.1:7443/twinlab/v1/shards', undefined)).toBe('ws://127.0.0.1:7443/twinlab/v1/shards');
    expect(() => advertisedControlUrl('ws://0.0.0.0:7443/twinlab/v1/shards', undefined)).toThrow(/give --control-advertise/);
    expect(advertisedControlUrl('ws://0.0.0.0:7443/twinlab/v1/shards', 'wss://ctl.twinlab.svc:7443/twinlab/v1/shards')).toBe('wss://ctl.twinlab.svc:7443/twinlab/v1/shards');
    expect(() => advertisedControlUrl('ws://0.0.0.0:7443/x', 'http://ctl:7443')).toThrow(/must be a ws:\/\/ or wss:\/\/ URL/);
  });
});

describe('the run token', () => {
  it('comes from the file, else the environment, else is made for the run and kept readable by its owner only', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twinlab-token-'));
    const file = path.join(dir, 'token');
    writeFileSync(file, 'from-file\n');
    expect(controlToken(dir, file, { TWINLAB_CONTROL_TOKEN: 'from-env' })).toEqual({ token: 'from-file', source: file });
    expect(controlToken(dir, undefined, { TWINLAB_CONTROL_TOKEN: 'from-env' })).toEqual({ token: 'from-env', source: 'TWINLAB_CONTROL_TOKEN' });
    const made = controlToken(dir, undefined, {});
    expect(made.token).toMatch(/^[\w-]{43}$/);
    expect(made.source).not.toContain(made.token);
    expect(readFileSync(path.join(dir, 'control-token'), 'utf8')).toBe(`${made.token}\n`);
    expect(statSync(path.join(dir, 'control-token')).mode & 0o777).toBe(0o600);
  });

  it('on the shard side: the file, else TWINLAB_CONTROL_TOKEN, else an error naming both', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'twinlab-token-'));
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(controlTokenFromEnv(undefined, { TWINLAB_CONTROL_TOKEN: 'env' })).toBe('env');
    expect(() => controlTokenFromEnv(empty, { TWINLAB_CONTROL_TOKEN: 'env' })).toThrow(`the control token file ${empty} is empty`);
    expect(() => controlTokenFromEnv(undefined, {})).toThrow(/--control-token-file FILE or TWINLAB_CONTROL_TOKEN/);
  });
});
