/**
 * `pnpm sim` starts `tsx sim/cli.ts`, and tsx runs the CLI in a child node process: when the tsx
 * launcher is killed with SIGKILL, that child — the run itself — would go on alone. A run launched
 * by tsx therefore watches it and, once it is gone, ends as on SIGTERM: the fleet and the cloud
 * are stopped and the summary is written. A run started any other way is left alone (a `nohup`ed
 * run must outlive its shell).
 */
import { readFileSync } from 'node:fs';

const CHECK_MS = 500;
/** tsx's CLI as a node script (`node …/tsx/dist/cli.mjs`) or as a `tsx` executable. */
const TSX = /(?:^|\0|\/)tsx(?:\0|$)|\/tsx\/dist\/cli\.m?js(?:\0|$)/;

export function launchedByTsx(ppid: number): boolean {
  try {
    return TSX.test(readFileSync(`/proc/${ppid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/** The parent now (`process.ppid` is fixed when Node starts); null without /proc. */
export function currentParent(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Field 4 (ppid), counted after the command name, which may hold spaces.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

/** Returns whether it watches. */
export function endWithLauncher(): boolean {
  const launcher = currentParent();
  if (launcher === null || !launchedByTsx(launcher)) return false;
  const timer = setInterval(() => {
    if (currentParent() === launcher) return;
    clearInterval(timer);
    process.stderr.write(`the launcher (tsx, pid ${launcher}) is gone: ending the run\n`);
    process.kill(process.pid, 'SIGTERM');
  }, CHECK_MS);
  timer.unref();
  return true;
}
