/**
 * Test support: a run of consecutive free TCP ports, for code that takes a base port and counts
 * up from it. Free when checked; another process may still take one before it is used.
 */
import net from 'node:net';

function tryListen(port: number, host: string): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

export async function freePortRange(count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const held: net.Server[] = [];
    let ok = true;
    for (let i = 0; i < count && ok; i++) {
      const s = await tryListen(base + i, host);
      if (s) held.push(s);
      else ok = false;
    }
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found on ${host}`);
}
