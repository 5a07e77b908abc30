/**
 * A small client for Prometheus's HTTP API (v1): instant and range queries, and the scrape targets
 * with their health. Responses are parsed from `unknown`; an error status or an `error` answer
 * becomes a PrometheusApiError with the query in its message.
 */

export interface PromSeries {
  labels: Record<string, string>;
  /** [unix seconds, value] pairs; one pair for an instant query. */
  points: Array<[number, number]>;
}

export interface PromTarget {
  job: string;
  health: 'up' | 'down' | 'unknown';
  scrapeUrl: string;
  lastScrapeMs: number | null;
  lastError: string;
  labels: Record<string, string>;
}

export class PrometheusApiError extends Error {}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function stringRecord(v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(record(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function point(v: unknown): [number, number] | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const t = Number(v[0]);
  const x = Number(v[1]);
  return Number.isFinite(t) ? [t, x] : null;
}

/** The `data` of a query answer: vector, matrix or scalar, as series. */
export function parseQueryData(data: unknown): PromSeries[] {
  const d = record(data);
  const result = d.result;
  if (d.resultType === 'scalar') {
    const p = point(result);
    return p ? [{ labels: {}, points: [p] }] : [];
  }
  if (!Array.isArray(result)) return [];
  return result.map((r) => {
    const s = record(r);
    const points = Array.isArray(s.values) ? s.values.map(point).filter((p): p is [number, number] => p !== null) : [point(s.value)].filter((p): p is [number, number] => p !== null);
    return { labels: stringRecord(s.metric), points };
  });
}

export class PrometheusApi {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  private async get(path: string, params: Record<string, string>): Promise<unknown> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params).toString()}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      throw new PrometheusApiError(`GET ${path} (${params.query ?? ''}): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const body = record(await res.json().catch(() => ({})));
    if (!res.ok || body.status !== 'success') {
      throw new PrometheusApiError(`GET ${path} (${params.query ?? ''}): HTTP ${res.status}: ${typeof body.error === 'string' ? body.error : 'no answer'}`);
    }
    return body.data;
  }

  async query(query: string, timeSeconds?: number): Promise<PromSeries[]> {
    return parseQueryData(await this.get('/api/v1/query', { query, ...(timeSeconds !== undefined ? { time: String(timeSeconds) } : {}) }));
  }

  async queryRange(query: string, startSeconds: number, endSeconds: number, stepSeconds: number): Promise<PromSeries[]> {
    return parseQueryData(await this.get('/api/v1/query_range', { query, start: String(startSeconds), end: String(endSeconds), step: String(stepSeconds) }));
  }

  async targets(): Promise<PromTarget[]> {
    const data = record(await this.get('/api/v1/targets', { state: 'active' }));
    const active = Array.isArray(data.activeTargets) ? data.activeTargets : [];
    return active.map((t) => {
      const x = record(t);
      const labels = stringRecord(x.labels);
      const last = typeof x.lastScrape === 'string' ? Date.parse(x.lastScrape) : NaN;
      const health = x.health === 'up' || x.health === 'down' ? x.health : 'unknown';
      return {
        job: labels.job ?? stringRecord(x.discoveredLabels).job ?? '',
        health,
        scrapeUrl: typeof x.scrapeUrl === 'string' ? x.scrapeUrl : '',
        // Prometheus reports 0001-01-01 before the first scrape.
        lastScrapeMs: Number.isFinite(last) && last > 0 ? last : null,
        lastError: typeof x.lastError === 'string' ? x.lastError : '',
        labels,
      };
    });
  }

  /** True once /-/ready answers 200. */
  async ready(): Promise<boolean> {
    try {
      const r = await fetch(`${this.baseUrl}/-/ready`, { signal: AbortSignal.timeout(2_000) });
      return r.status === 200;
    } catch {
      return false;
    }
  }
}
