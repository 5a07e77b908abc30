/**
 * What a failed Kubernetes API call says, as the workloads report it: whether it was a given HTTP
 * status, one line for it (the message of the Status the server sent), and a short log of the
 * distinct lines seen, so a thousand identical failures are one entry, not a thousand.
 */
import { ApiException } from '@kubernetes/client-node';

/** Distinct lines an error log keeps; new lines past it are left out of the log. */
export const MAX_ERRORS = 20;

export function isStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/** `HTTP 409: <the Status message>` for an API error, the message for any other. */
export function describeApiError(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = error.body;
    let reason = '';
    if (typeof body === 'string') {
      try {
        const parsed: unknown = JSON.parse(body);
        if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') reason = parsed.message;
      } catch {
        reason = body.slice(0, 200);
      }
    }
    return `HTTP ${error.code}${reason ? `: ${reason}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The first MAX_ERRORS distinct error lines, in the order they were first seen. */
export class ErrorLog {
  readonly messages: string[] = [];
  private readonly seen = new Set<string>();

  /** Log the error's line; returns it. */
  add(error: unknown): string {
    const m = describeApiError(error);
    this.addLine(m);
    return m;
  }

  addLine(m: string): void {
    if (this.seen.has(m) || this.messages.length >= MAX_ERRORS) return;
    this.seen.add(m);
    this.messages.push(m);
  }
}
