import { describe, expect, it } from 'vitest';
import { ConfigInvalidError } from '../errors.js';
import { describeFault, Fault, isOneShot, parseLinkFault } from './link-fault.js';

describe('Fault façade', () => {
  it('builds plain JSON specs with edgecore-free defaults', () => {
    expect(Fault.delay({ ms: 200, jitterMs: 50 })).toEqual({ kind: 'delay', ms: 200, jitterMs: 50, direction: 'both' });
    expect(Fault.bandwidth({ bytesPerSecond: 64_000, direction: 'out' })).toEqual({ kind: 'bandwidth', bytesPerSecond: 64_000, direction: 'out' });
    expect(Fault.blackhole()).toEqual({ kind: 'stall', direction: 'both' });
    expect(Fault.stall({ direction: 'in' })).toEqual({ kind: 'stall', direction: 'in' });
    expect(Fault.reset()).toEqual({ kind: 'reset' });
    expect(Fault.slowClose({ afterMs: 5000 })).toEqual({ kind: 'slow-close', afterMs: 5000 });
    expect(Fault.down()).toEqual({ kind: 'down', dial: 'refuse', link: 'reset' });
    expect(Fault.partition()).toEqual({ kind: 'down', dial: 'timeout', link: 'stall' });
    expect(Fault.flap({ downMs: 5000, upMs: 10_000, probability: 0.5 })).toEqual({
      kind: 'flap',
      downMs: 5000,
      upMs: 10_000,
      probability: 0.5,
      dial: 'refuse',
      seed: 0,
      sync: false,
    });
    const combined = Fault.combine(Fault.delay({ ms: 100 }), Fault.bandwidth({ bytesPerSecond: 1000 }));
    expect(JSON.parse(JSON.stringify(combined))).toEqual(combined);
  });

  it('rejects what cannot run, naming the field', () => {
    expect(() => Fault.delay({ ms: -1 })).toThrow(ConfigInvalidError);
    expect(() => Fault.delay({ ms: -1 })).toThrow(/ms/);
    expect(() => Fault.bandwidth({ bytesPerSecond: 0 })).toThrow(/bytesPerSecond/);
    expect(() => Fault.flap({ downMs: 1000, upMs: 0 })).toThrow(/upMs/);
    expect(() => Fault.flap({ downMs: 1000, upMs: 1000, probability: 1.5 })).toThrow(/probability/);
    expect(() => Fault.combine(Fault.delay({ ms: 1 }), Fault.reset())).toThrow(/act once/);
  });

  it('validates specs from another process strictly', () => {
    expect(parseLinkFault({ kind: 'stall', direction: 'out' })).toEqual({ kind: 'stall', direction: 'out' });
    expect(() => parseLinkFault({ kind: 'stall', direction: 'sideways' })).toThrow(/direction/);
    expect(() => parseLinkFault({ kind: 'stall', direction: 'in', extra: 1 })).toThrow(ConfigInvalidError);
    expect(() => parseLinkFault({ kind: 'teleport' })).toThrow(ConfigInvalidError);
    expect(() => parseLinkFault({ kind: 'delay', ms: Number.NaN, jitterMs: 0, direction: 'in' })).toThrow(/ms/);
    expect(() => parseLinkFault('delay')).toThrow(ConfigInvalidError);
  });

  it('says which specs act once', () => {
    expect(isOneShot(Fault.reset())).toBe(true);
    expect(isOneShot(Fault.slowClose({ afterMs: 0 }))).toBe(true);
    expect(isOneShot(Fault.down())).toBe(false);
  });
});

describe('describeFault', () => {
  it('writes one line per spec for a report', () => {
    expect(describeFault(Fault.delay({ ms: 200, jitterMs: 50 }))).toBe('delay 200±50 ms both');
    expect(describeFault(Fault.delay({ ms: 80, direction: 'in' }))).toBe('delay 80 ms in');
    expect(describeFault(Fault.bandwidth({ bytesPerSecond: 64_000, direction: 'out' }))).toBe('bandwidth 64 KB/s out');
    expect(describeFault(Fault.bandwidth({ bytesPerSecond: 1_500_000 }))).toBe('bandwidth 1.5 MB/s both');
    expect(describeFault(Fault.bandwidth({ bytesPerSecond: 512 }))).toBe('bandwidth 512 B/s both');
    expect(describeFault(Fault.blackhole())).toBe('stall both');
    expect(describeFault(Fault.reset())).toBe('reset');
    expect(describeFault(Fault.slowClose({ afterMs: 5000 }))).toBe('slow close, destroyed after 5 s');
    expect(describeFault(Fault.down())).toBe('down, link reset, dials refused');
    expect(describeFault(Fault.partition())).toBe('down, link stalled, dials time out');
    expect(describeFault(Fault.flap({ downMs: 5000, upMs: 10_000, probability: 0.5 }))).toBe('flap 5 s down / 10 s up, p=0.5, dials refused');
    expect(describeFault(Fault.flap({ downMs: 250, upMs: 750, dial: 'timeout', sync: true }))).toBe('flap 250 ms down / 750 ms up, p=1, dials time out, in sync');
    expect(describeFault(Fault.combine(Fault.delay({ ms: 100 }), Fault.bandwidth({ bytesPerSecond: 8000, direction: 'in' })))).toBe(
      'delay 100 ms both + bandwidth 8 KB/s in',
    );
  });
});
