import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, pod } from './fake-apiserver.test-kit.js';
import { ListWatch, listAllPages, type ListPage } from './list-watch.js';

async function eventually(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const uidOf = (o: unknown): string => String(((o as { metadata?: { uid?: string } }).metadata ?? {}).uid);

describe('ListWatch', () => {
  let api: FakeApiServer;
  let lw: ListWatch | undefined;
  const log: string[] = [];

  beforeEach(async () => {
    api = new FakeApiServer();
    await api.start();
    log.length = 0;
  });
  afterEach(async () => {
    await lw?.stop();
    lw = undefined;
    await api.stop();
  });

  const open = async (): Promise<ListWatch> => {
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    const server = kc.getCurrentCluster()!.server;
    lw = new ListWatch(
      kc,
      {
        path: '/api/v1/pods',
        labelSelector: 'app.kubernetes.io/managed-by=twinlab',
        list: async (): Promise<ListPage> => {
          const body = (await (await fetch(`${server}/api/v1/pods`)).json()) as { items: unknown[]; metadata: { resourceVersion: string } };
          return { items: body.items, resourceVersion: body.metadata.resourceVersion };
        },
      },
      { upsert: (o) => log.push(`upsert ${uidOf(o)}`), remove: (o) => log.push(`remove ${uidOf(o)}`) },
      { watchTimeoutSeconds: 60, backoffMinMs: 10, backoffMaxMs: 50 },
    );
    await lw.start();
    return lw;
  };
  const watches = () => api.requests.filter((r) => r.query.watch === 'true');

  it('lists, then watches from the list resourceVersion with the selector, bookmarks and a server timeout', async () => {
    api.push('pods', 'ADDED', pod('a', 'a', 'n1', 'Pending'));
    const listRv = api.resourceVersion;
    const w = await open();
    expect(log).toEqual(['upsert a']);
    await eventually('the watch', () => api.watchCount('pods') === 1);
    expect(watches()[0]!.query).toMatchObject({
      resourceVersion: listRv,
      labelSelector: 'app.kubernetes.io/managed-by=twinlab',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '60',
    });
    api.push('pods', 'MODIFIED', pod('a', 'a', 'n1', 'Running'));
    api.push('pods', 'ADDED', pod('b', 'b', 'n2', 'Pending'));
    api.push('pods', 'DELETED', pod('a', 'a', 'n1', 'Running'));
    await eventually('three events', () => log.length === 4);
    expect(log).toEqual(['upsert a', 'upsert a', 'upsert b', 'remove a']);
    expect(w.size).toBe(1);
  });

  it('resumes a watch the server ended from the last resourceVersion seen, without listing again', async () => {
    const w = await open();
    await eventually('the watch', () => api.watchCount('pods') === 1);
    api.push('pods', 'ADDED', pod('a', 'a', 'n1', 'Pending'));
    const lastRv = api.resourceVersion;
    await eventually('the event', () => log.length === 1);
    api.endWatches('pods');
    await eventually('a second watch', () => watches().length === 2 && api.watchCount('pods') === 1);
    expect(watches()[1]!.query.resourceVersion).toBe(lastRv);
    expect(w.stats).toMatchObject({ lists: 1, gone: 0, errors: 0 });
  });

  it('lists again on 410 Gone and reports what vanished meanwhile as removed', async () => {
    api.push('pods', 'ADDED', pod('a', 'a', 'n1', 'Pending'));
    api.push('pods', 'ADDED', pod('b', 'b', 'n1', 'Pending'));
    const w = await open();
    await eventually('the watch', () => api.watchCount('pods') === 1);
    api.forget('pods', 'a'); // deleted while this client was not watching
    api.goneWatches.pods = 1;
    api.endWatches('pods');
    await eventually('the re-list and a new watch', () => w.stats.lists === 2 && api.watchCount('pods') === 1);
    expect(w.stats.gone).toBe(1);
    expect(log).toEqual(['upsert a', 'upsert b', 'upsert b', 'remove a']);
    expect(watches().at(-1)!.query.resourceVersion).toBe(api.resourceVersion);
  });

  it('stop() closes the open watch and retries nothing after', async () => {
    await open();
    await eventually('the watch', () => api.watchCount('pods') === 1);
    await lw!.stop();
    await eventually('the watch to close', () => api.watchCount('pods') === 0);
    const n = api.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(api.requests.length).toBe(n);
  });
});

describe('listAllPages', () => {
  it('follows the continue token (either spelling) to the last page and keeps its resourceVersion', async () => {
    const asked: Array<string | undefined> = [];
    const pages = [
      { items: [1, 2], metadata: { resourceVersion: '10', _continue: 'a' } },
      { items: [3], metadata: { resourceVersion: '11', continue: 'b' } },
      { metadata: { resourceVersion: '12', continue: '' } },
    ];
    const list = await listAllPages((cont) => {
      asked.push(cont);
      return Promise.resolve(pages[asked.length - 1]!);
    });
    expect(asked).toEqual([undefined, 'a', 'b']);
    expect(list).toEqual({ items: [1, 2, 3], resourceVersion: '12' });
  });
});
