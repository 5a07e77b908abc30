import { describe, expect, it } from 'vitest';
import { fakerNumberRange } from './faker-series.js';
import { generate, generatorSchema, newMemo, type GeneratorDefinition, type GeneratorInput } from './value-generator.js';

const gen = (input: GeneratorInput): GeneratorDefinition => generatorSchema.parse(input);
const at = (tSeconds: number, seed = 7, point = 0, capacityBytes = 16) => ({ seed, point, tSeconds, capacityBytes });

describe('constant, sine and step', () => {
  it('constant is the same at any time', () => {
    const g = gen({ kind: 'constant', value: 21.5 });
    expect(generate(g, at(0), undefined)).toBe(21.5);
    expect(generate(g, at(86_400), undefined)).toBe(21.5);
  });

  it('sine: offset at t=0, offset+amplitude a quarter period later, offset−amplitude at three quarters', () => {
    const g = gen({ kind: 'sine', amplitude: 8, periodSeconds: 600, offset: 45 });
    expect(generate(g, at(0), undefined)).toBeCloseTo(45, 9);
    expect(generate(g, at(150), undefined)).toBeCloseTo(53, 9);
    expect(generate(g, at(450), undefined)).toBeCloseTo(37, 9);
    expect(generate(g, at(600), undefined)).toBeCloseTo(45, 9);
  });

  it('step walks the list every N seconds and wraps', () => {
    const g = gen({ kind: 'step', values: [false, true, true], everySeconds: 10 });
    expect([0, 9.9, 10, 25, 30, 41].map((t) => generate(g, at(t), undefined))).toEqual([false, false, true, true, false, true]);
  });
});

describe('random walk', () => {
  const walk = gen({ kind: 'randomWalk', step: 5, min: 0, max: 100, start: 50, everySeconds: 1 });

  it('starts at start and moves at most one step per period', () => {
    const memo = newMemo();
    let prev = generate(walk, at(0), memo) as number;
    expect(prev).toBe(50);
    for (let t = 1; t <= 200; t++) {
      const v = generate(walk, at(t), memo) as number;
      expect(Math.abs(v - prev)).toBeLessThanOrEqual(5);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
      prev = v;
    }
  });

  it('is a function of (seed, point, time): reading every second or jumping to t=500 gives the same value', () => {
    const stepped = newMemo();
    for (let t = 0; t <= 500; t++) generate(walk, at(t), stepped);
    const jumped = generate(walk, at(500), newMemo());
    expect(generate(walk, at(500), stepped)).toBe(jumped);
    // Going back in time recomputes rather than returning the later value.
    expect(generate(walk, at(3), stepped)).toBe(generate(walk, at(3), newMemo()));
  });

  it('another seed or another point walks elsewhere', () => {
    const a = generate(walk, at(300, 1), newMemo());
    expect(generate(walk, at(300, 2), newMemo())).not.toBe(a);
    expect(generate(walk, at(300, 1, 1), newMemo())).not.toBe(a);
    expect(generate(walk, at(300, 1), newMemo())).toBe(a);
  });

  it('min above max is refused', () => {
    expect(() => gen({ kind: 'randomWalk', step: 1, min: 10, max: 0 })).toThrow(/min must not be above max/);
  });
});

describe('faker series', () => {
  it('a temperature series is reproducible from its seed and stays in the preset range', () => {
    const g = gen({ kind: 'faker', preset: 'temperature' });
    const series = (seed: number): number[] => {
      const memo = newMemo();
      return Array.from({ length: 120 }, (_, t) => generate(g, at(t * 30, seed), memo) as number);
    };
    const a = series(11);
    expect(series(11)).toEqual(a);
    expect(series(12)).not.toEqual(a);
    const { min, max } = fakerNumberRange('temperature');
    for (const v of a) {
      expect(v).toBeGreaterThanOrEqual(min);
      expect(v).toBeLessThanOrEqual(max);
    }
    // A sensor, not a constant: the values move.
    expect(new Set(a).size).toBeGreaterThan(10);
  });

  it('humidity and pressure have their own ranges', () => {
    const h = generate(gen({ kind: 'faker', preset: 'humidity' }), at(100), newMemo()) as number;
    const p = generate(gen({ kind: 'faker', preset: 'pressure' }), at(100), newMemo()) as number;
    expect(h).toBeGreaterThan(20);
    expect(h).toBeLessThan(75);
    expect(p).toBeGreaterThan(980);
    expect(p).toBeLessThan(1040);
  });

  it('a serial number is fixed per device and seed, upper-case alphanumeric, and fits the point', () => {
    const g = gen({ kind: 'faker', preset: 'serialNumber' });
    const s1 = generate(g, at(0, 5, 3, 16), newMemo()) as string;
    expect(s1).toMatch(/^[A-Z0-9]{12}$/);
    expect(generate(g, at(999, 5, 3, 16), newMemo())).toBe(s1);
    expect(generate(g, at(0, 6, 3, 16), newMemo())).not.toBe(s1);
    expect((generate(g, at(0, 5, 3, 4), newMemo()) as string).length).toBeLessThanOrEqual(4);
  });

  it('a manufacturer name longer than the point is cut to fit', () => {
    const text = generate(gen({ kind: 'faker', preset: 'manufacturer' }), at(0, 5, 0, 6), newMemo()) as string;
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(6);
    expect(text.length).toBeGreaterThan(0);
  });
});
