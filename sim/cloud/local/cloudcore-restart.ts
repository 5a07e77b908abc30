/**
 * Restarting the local provider's cloudcore: stop the process (SIGTERM, as an upgrade or a
 * rescheduled pod does, or SIGKILL, as a crash does), keep it down for the asked downtime, and
 * start the same binary with the same cloudcore.yaml; its certificates and join token live in the
 * run dir and in the API server's Secrets, so the new process serves the edge CA the nodes trust.
 */
import type { CloudRestartRequest, CloudRestartResult } from '../control-plane.js';
import { answers200, tcpAccepts, waitUntil } from './readiness.js';
import { killGroup, type SupervisedProcess } from './supervised-process.js';

/** cloudcore's graceful shutdown gets this long before it is killed. */
const TERM_GRACE_MS = 15_000;

export interface CloudcoreRestartPorts {
  cloudhub: number;
  certs: number;
  monitor: number;
}

export interface CloudcoreRestartSteps {
  /** Spawn cloudcore again with its original arguments. */
  start(): Promise<SupervisedProcess>;
  ports: CloudcoreRestartPorts;
  /** How long the new process may take to serve CloudHub, /ca.crt and /metrics. */
  readyTimeoutMs: number;
}

/** Stop `current`, wait, start a new cloudcore; resolves with the new process once it serves again. */
export async function restartCloudcore(current: SupervisedProcess, request: CloudRestartRequest, steps: CloudcoreRestartSteps): Promise<{ process: SupervisedProcess; result: CloudRestartResult }> {
  const stoppedAtMs = Date.now();
  if (request.signal === 'SIGKILL') {
    killGroup(current.pid, 'SIGKILL');
    await current.exited;
  } else {
    await current.stop(TERM_GRACE_MS);
  }
  const exitedAtMs = Date.now();
  await request.whileDown?.();
  const left = stoppedAtMs + request.downtimeMs - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  const startedAtMs = Date.now();
  const next = await steps.start();
  const { cloudhub, certs, monitor } = steps.ports;
  const wait = { timeoutMs: steps.readyTimeoutMs, proc: next, intervalMs: 100 };
  await waitUntil(async () => (await tcpAccepts(cloudhub)) && (await answers200(`https://127.0.0.1:${certs}/ca.crt`)), {
    ...wait,
    what: `restarted cloudcore CloudHub wss :${cloudhub} and https :${certs}/ca.crt`,
  });
  const readyAtMs = Date.now();
  await waitUntil(() => answers200(`http://127.0.0.1:${monitor}/metrics`), { ...wait, what: 'restarted cloudcore monitor /metrics' });
  return {
    process: next,
    result: { stoppedAtMs, exitedAtMs, startedAtMs, readyAtMs, detail: `${request.signal} pid ${current.pid} → pid ${next.pid}` },
  };
}
