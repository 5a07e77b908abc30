/**
 * Informer-style List+Watch of one resource: list, then watch from the list's resourceVersion,
 * resume from the last version seen when the server ends a watch, and list again when the version
 * is too old (410 Gone, as an HTTP status or an ERROR event) — reporting what vanished meanwhile
 * as deletions. Objects reach the handlers as `unknown`; the caller parses the few fields it needs.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { pick as field } from '../util/json-pick.js';

export interface ListPage {
  items: unknown[];
  resourceVersion: string;
}

/** One page of a list as the API answers it: typed clients name the token `_continue`, raw JSON `continue`. */
export interface ListResponse {
  items?: readonly unknown[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

/** A list read whole, page after page (`continue` token), with the resourceVersion of the last page. */
export async function listAllPages(page: (cont: string | undefined) => Promise<ListResponse>): Promise<ListPage> {
  const items: unknown[] = [];
  let cont: string | undefined;
  let resourceVersion = '';
  do {
    const p = await page(cont);
    items.push(...(p.items ?? []));
    resourceVersion = p.metadata?.resourceVersion ?? resourceVersion;
    cont = (p.metadata?._continue ?? p.metadata?.continue) || undefined;
  } while (cont);
  return { items, resourceVersion };
}

export interface ListWatchSource {
  /** Collection path for the watch, e.g. /api/v1/pods. */
  path: string;
  labelSelector?: string;
  list(): Promise<ListPage>;
}

export interface ListWatchHandlers {
  /** Added or modified (or present in a list). */
  upsert(obj: unknown, atMs: number): void;
  /** Deleted (or missing from a re-list). */
  remove(obj: unknown, atMs: number): void;
}

export interface ListWatchStats {
  lists: number;
  watches: number;
  /** Re-lists forced by 410 Gone. */
  gone: number;
  /** Lists or watches that failed (each is retried with backoff). */
  errors: number;
  lastError: string | undefined;
}

export interface ListWatchOptions {
  /** Server-side watch timeout; the watch is resumed from the last version when it ends. */
  watchTimeoutSeconds: number;
  /** Backoff after a failure: doubles from min to max. */
  backoffMinMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_LIST_WATCH: ListWatchOptions = { watchTimeoutSeconds: 300, backoffMinMs: 250, backoffMaxMs: 5_000 };

/** A watch the server ends sooner than this is retried with backoff. */
const MIN_HEALTHY_WATCH_MS = 1000;

type WatchEnd = { kind: 'closed' } | { kind: 'gone' } | { kind: 'error'; message: string };

export class ListWatch {
  readonly stats: ListWatchStats = { lists: 0, watches: 0, gone: 0, errors: 0, lastError: undefined };
  /** uid → the object last seen, for re-list diffs. */
  private readonly known = new Map<string, unknown>();
  private resourceVersion = '';
  private stopped = false;
  private abort: AbortController | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeRetry: (() => void) | undefined;
  /** Ends the current watch's wait at once (stop() must not wait for a watch still connecting). */
  private endWatch: ((end: WatchEnd) => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly source: ListWatchSource,
    private readonly handlers: ListWatchHandlers,
    private readonly opts: ListWatchOptions = DEFAULT_LIST_WATCH,
  ) {}

  /** Start; resolves after the first list has been delivered (the informer is "synced"), rejects if that list fails. */
  async start(): Promise<void> {
    await this.relist();
    this.loop = this.run();
  }

  /** Close the watch and stop retrying; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    this.endWatch?.({ kind: 'closed' });
    await this.loop;
  }

  get size(): number {
    return this.known.size;
  }

  private async run(): Promise<void> {
    let backoff = this.opts.backoffMinMs;
    let needList = false;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const began = Date.now();
        const end = await this.watchOnce();
        if (end.kind === 'gone') {
          this.stats.gone += 1;
          needList = true;
          continue;
        }
        if (end.kind === 'closed') {
          // A server that ends every watch at once must not be re-asked in a tight loop.
          if (Date.now() - began >= MIN_HEALTHY_WATCH_MS) {
            backoff = this.opts.backoffMinMs;
            continue;
          }
        } else {
          this.fail(end.message);
        }
      } catch (error) {
        this.fail(error instanceof Error ? error.message : String(error));
        needList = needList || this.resourceVersion === '';
      }
      if (this.stopped) break;
      await this.pause(backoff);
      backoff = Math.min(this.opts.backoffMaxMs, backoff * 2);
    }
  }

  private fail(message: string): void {
    if (this.stopped) return;
    this.stats.errors += 1;
    this.stats.lastError = message;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, ms);
    });
  }

  private async relist(): Promise<void> {
    const page = await this.source.list();
    this.stats.lists += 1;
    const atMs = Date.now();
    const seen = new Set<string>();
    for (const item of page.items) {
      const uid = uidOf(item);
      if (!uid) continue;
      seen.add(uid);
      this.known.set(uid, item);
      this.handlers.upsert(item, atMs);
    }
    for (const [uid, obj] of this.known) {
      if (seen.has(uid)) continue;
      this.known.delete(uid);
      this.handlers.remove(obj, atMs);
    }
    this.resourceVersion = page.resourceVersion;
  }

  /** One watch request, until the server or the network ends it. */
  private watchOnce(): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolveEnd) => {
      let gone = false;
      const resolve = (end: WatchEnd): void => {
        this.endWatch = undefined;
        resolveEnd(end);
      };
      this.endWatch = resolve;
      const watch = new Watch(this.kc);
      this.stats.watches += 1;
      const query: Record<string, string | number | boolean | undefined> = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: this.opts.watchTimeoutSeconds,
        labelSelector: this.source.labelSelector,
      };
      const onEvent = (type: string, obj: unknown): void => {
        if (this.stopped) return;
        const atMs = Date.now();
        if (type === 'ERROR') {
          if (field(obj, 'code') === 410) gone = true;
          return;
        }
        const rv = field(obj, 'metadata', 'resourceVersion');
        if (typeof rv === 'string' && rv !== '') this.resourceVersion = rv;
        if (type === 'BOOKMARK') return;
        const uid = uidOf(obj);
        if (!uid) return;
        if (type === 'DELETED') {
          this.known.delete(uid);
          this.handlers.remove(obj, atMs);
        } else {
          this.known.set(uid, obj);
          this.handlers.upsert(obj, atMs);
        }
      };
      const onDone = (err: unknown): void => {
        this.abort = undefined;
        if (gone || statusOf(err) === 410) resolve({ kind: 'gone' });
        else if (err === null || err === undefined || this.stopped) resolve({ kind: 'closed' });
        else resolve({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
      };
      watch.watch(this.source.path, query, onEvent, onDone).then(
        (controller) => {
          if (this.stopped) controller.abort();
          else this.abort = controller;
        },
        (error: unknown) => onDone(error ?? new Error('watch failed')),
      );
    });
  }
}


function uidOf(obj: unknown): string | undefined {
  const uid = field(obj, 'metadata', 'uid');
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

function statusOf(err: unknown): number | undefined {
  const s = field(err, 'statusCode');
  return typeof s === 'number' ? s : undefined;
}
