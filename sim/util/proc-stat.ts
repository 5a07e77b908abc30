/**
 * Who a pid is, from Linux's /proc: a process's start time (field 22 of /proc/PID/stat, clock ticks
 * since boot) and the boot id. A pid alone can be reused by an unrelated process; pid + start time
 * + boot id cannot, so a leftover process is only ever stopped when all three still match.
 */
import { readFileSync } from 'node:fs';

/** Field 22 of /proc/PID/stat; null when the process is gone, a zombie, or /proc is absent. */
export function processStartTime(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (the command name, in parentheses) may hold spaces and ')': count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  const start = Number(fields[19]);
  return Number.isSafeInteger(start) ? start : null;
}

let cachedBootId: string | undefined;

/** This boot's id (/proc/sys/kernel/random/boot_id); '' where there is none. */
export function bootId(): string {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = '';
    }
  }
  return cachedBootId;
}

/** The process `pid` is still the one that started at `startTime` in boot `boot`. */
export function isSameProcess(pid: number, startTime: number, boot: string): boolean {
  return boot === bootId() && processStartTime(pid) === startTime;
}
