/**
 * Free TCP ports on 127.0.0.1, picked by binding port 0 and releasing it. The kernel does not hand
 * a just-released ephemeral port out again at once, so the window for a clash with another
 * process is small.
 */
import { createServer, type Server } from 'node:net';

function listenEphemeral(): Promise<{ srv: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const addr = srv.address();
      if (typeof addr === 'object' && addr) resolve({ srv, port: addr.port });
      else reject(new Error('no port assigned'));
    });
  });
}

/** `count` distinct free ports; every listener is held until all are picked, so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const { srv, port } = await listenEphemeral();
      held.push(srv);
      ports.push(port);
    }
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
  return ports;
}

/** True when nothing listens on 127.0.0.1:port (a bind succeeds). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
