import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { describeApiError, ErrorLog, isStatus, MAX_ERRORS } from './api-errors.js';

const conflict = new ApiException(409, 'Conflict', JSON.stringify({ kind: 'Status', message: 'pods "p-0" already exists' }), {});

describe('API errors', () => {
  it('names the status and the Status message; other errors by their message', () => {
    expect(isStatus(conflict, 409)).toBe(true);
    expect(isStatus(conflict, 404)).toBe(false);
    expect(isStatus(new Error('409'), 409)).toBe(false);
    expect(describeApiError(conflict)).toBe('HTTP 409: pods "p-0" already exists');
    expect(describeApiError(new ApiException(502, 'Bad Gateway', '<html>bad gateway</html>', {}))).toBe('HTTP 502: <html>bad gateway</html>');
    expect(describeApiError(new Error('socket hang up'))).toBe('socket hang up');
  });

  it('an error log keeps the first MAX_ERRORS distinct lines, once each', () => {
    const log = new ErrorLog();
    expect(log.add(conflict)).toBe('HTTP 409: pods "p-0" already exists');
    log.add(conflict);
    for (let i = 0; i < MAX_ERRORS + 5; i++) log.addLine(`e${i}`);
    expect(log.messages).toHaveLength(MAX_ERRORS);
    expect(log.messages.slice(0, 2)).toEqual(['HTTP 409: pods "p-0" already exists', 'e0']);
  });
});
