import { describe, expect, it } from 'vitest';
import { TeardownStack } from './teardown-stack.js';

describe('TeardownStack', () => {
  it('undoes the stages last-in-first-out, awaiting each step before the next', async () => {
    const stack = new TeardownStack();
    const ran: string[] = [];
    stack.push('cloud', async () => {
      await new Promise((r) => setTimeout(r, 5));
      ran.push('cloud');
    });
    stack.push('fleet', async () => {
      await new Promise((r) => setTimeout(r, 1));
      ran.push('fleet');
    });
    stack.push('workload', () => void ran.push('workload'));
    expect(stack.names).toEqual(['cloud', 'fleet', 'workload']);
    expect(await stack.unwind()).toEqual([]);
    expect(ran).toEqual(['workload', 'fleet', 'cloud']);
  });

  it('goes on past a failing step and reports it', async () => {
    const stack = new TeardownStack();
    const ran: string[] = [];
    const boom = new Error('scraper stuck');
    stack.push('cloud', () => void ran.push('cloud'));
    stack.push('scraper', async () => {
      throw boom;
    });
    stack.push('evidence', () => void ran.push('evidence'));
    expect(await stack.unwind()).toEqual([{ step: 'scraper', error: boom }]);
    expect(ran).toEqual(['evidence', 'cloud']);
  });

  it('runs each step once and refuses a step pushed after the teardown', async () => {
    const stack = new TeardownStack();
    let runs = 0;
    stack.push('cloud', () => void runs++);
    await stack.unwind();
    await stack.unwind();
    expect(runs).toBe(1);
    expect(() => stack.push('late', () => undefined)).toThrow(/after the teardown/);
  });
});
