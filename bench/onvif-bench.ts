/**
 * What a fake ONVIF camera costs: RSS per camera once started (HTTP server, identity, snapshot
 * state) and SOAP requests per second with WS-Security digest checked on each, all in this one
 * process (client included in the CPU figure).
 */
import { startOnvifFleet } from '../fake-devices/onvif/onvif-fleet.js';
import { Ns } from '../sim/protocol/devices/onvif-namespaces.js';
import { buildSoapEnvelope } from '../sim/protocol/devices/soap-builder.js';
import { usernameTokenHeader } from '../sim/protocol/devices/ws-security-token.js';

export interface OnvifBenchResult {
  cameras: number;
  seconds: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  /** Process CPU (cameras and client) per request. */
  cpuMicrosPerRequest: number;
  rssBytesPerCamera: number;
}

const USER = 'admin';
const PASSWORD = 'bench-password';

export async function benchOnvif(o: { cameras: number; seconds: number }): Promise<OnvifBenchResult> {
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  const fleet = await startOnvifFleet({ count: o.cameras, basePort: 0, username: USER, password: PASSWORD, seed: 1 });
  try {
    globalThis.gc?.();
    const rssPerCamera = Math.round((process.memoryUsage().rss - rss0) / o.cameras);
    let requests = 0;
    let errors = 0;
    const deadline = Date.now() + o.seconds * 1000;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      fleet.cameras.map(async (camera) => {
        while (Date.now() < deadline) {
          const body = buildSoapEnvelope({
            namespaces: { env: Ns.soapEnvelope, tds: Ns.device },
            header: usernameTokenHeader({ username: USER, password: PASSWORD }),
            body: { 'tds:GetDeviceInformation': {} },
          });
          try {
            const res = await fetch(camera.xaddr, { method: 'POST', headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' }, body });
            await res.text();
            if (res.ok) requests++;
            else errors++;
          } catch {
            errors++;
          }
        }
      }),
    );
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      cameras: o.cameras,
      seconds: Math.round(wall * 100) / 100,
      requests,
      errors,
      requestsPerSecond: Math.round(requests / wall),
      cpuMicrosPerRequest: requests > 0 ? Math.round((cpu.user + cpu.system) / requests) : 0,
      rssBytesPerCamera: rssPerCamera,
    };
  } finally {
    await fleet.stop();
  }
}
