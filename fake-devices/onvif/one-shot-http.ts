/**
 * One HTTP exchange on a connection of its own (no keep-alive pool), for tests that count what a
 * camera did per connection: a pooled socket the camera has just reset would be retried behind
 * the test's back and counted twice.
 */
import { request } from 'node:http';

export interface OneShotResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export function oneShotHttp(url: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<OneShotResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', agent: false, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
