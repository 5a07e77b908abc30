#!/usr/bin/env node
// Waits, inside the compose network, until cloudcore serves its CA on the CloudHub HTTPS port
// (GET /ca.crt answers 200). cloudcore creates Secret kubeedge/tokensecret before it starts that
// server, so from then on `twinlab sim --cloud attach` can read the join token. The certificate is
// not checked here: this only asks whether the server is up; twinlab pins the CA itself.
//
//   node deploy/compose/wait-for-cloudcore.mjs [CERTS_URL] [TIMEOUT_SECONDS]
//   defaults: https://cloudcore:10002, 300
import { request } from 'node:https';

const base = process.argv[2] ?? 'https://cloudcore:10002';
const timeoutSeconds = Number(process.argv[3] ?? 300);
const url = new URL('/ca.crt', base);

function probe() {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', rejectUnauthorized: false, timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? 'ok' : `HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve(error.message));
    req.end();
  });
}

const deadline = Date.now() + timeoutSeconds * 1000;
let last = '';
for (;;) {
  const result = await probe();
  if (result === 'ok') {
    process.stderr.write(`[twinlab] cloudcore is serving ${url.href}\n`);
    break;
  }
  if (result !== last) process.stderr.write(`[twinlab] waiting for cloudcore at ${url.href}: ${result}\n`);
  last = result;
  if (Date.now() > deadline) {
    process.stderr.write(`[twinlab] cloudcore did not serve ${url.href} within ${timeoutSeconds} s; see \`docker compose logs cloudcore\`\n`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 2000));
}
