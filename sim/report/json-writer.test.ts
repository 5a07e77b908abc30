import { describe, expect, it } from 'vitest';
import { sampleSummary } from './fixtures/sample-summary.js';
import { JsonWriter } from './json-writer.js';

describe('json writer', () => {
  const text = new JsonWriter().render(sampleSummary);

  it('writes the model as summary.json, pinned by a snapshot', async () => {
    await expect(text).toMatchFileSnapshot('./__snapshots__/sample-summary.json');
  });

  it('round-trips to the same model, 2-space indented with a trailing newline', () => {
    expect(JSON.parse(text)).toEqual(sampleSummary);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "title": "twinlab reconnect-storm: 1,000 virtual edgecores against local cloudcore",');
  });
});
