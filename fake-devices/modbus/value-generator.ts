/**
 * Where a point's value comes from when no client has written one: constant, sine, random walk,
 * step through a list, or a faker series. Every generator is a function of (seed, point, time):
 * it is evaluated when a client reads, never on a timer, and a run with the same seed and clock
 * reads the same values. The random walk and faker series keep a small memo per device and point
 * only to avoid recomputing what the seed already fixes.
 */
import { z } from 'zod';
import {
  FAKER_NUMBER_PRESETS,
  FAKER_STRING_PRESETS,
  fakerCurve,
  fakerNumberRange,
  fakerReading,
  fakerString,
  isFakerNumberPreset,
  type FakerCurve,
} from './faker-series.js';
import type { PointValue } from './modbus-types.js';
import { unitFloat } from './seeded-random.js';
import { fitUtf8 } from './value-codec.js';

const scalar = z.union([z.number().finite(), z.boolean(), z.string()]);
const seconds = z.number().positive().finite();

const constant = z.object({ kind: z.literal('constant'), value: scalar }).strict();

const sine = z
  .object({
    kind: z.literal('sine'),
    amplitude: z.number().finite(),
    periodSeconds: seconds,
    offset: z.number().finite().default(0),
    phaseSeconds: z.number().finite().default(0),
  })
  .strict();

const randomWalk = z
  .object({
    kind: z.literal('randomWalk'),
    step: z.number().positive().finite(),
    min: z.number().finite(),
    max: z.number().finite(),
    /** Value at time 0; the middle of [min, max] when absent. */
    start: z.number().finite().optional(),
    everySeconds: seconds.default(1),
  })
  .strict()
  .refine((g) => g.min <= g.max, { message: 'min must not be above max', path: ['max'] })
  .refine((g) => g.start === undefined || (g.start >= g.min && g.start <= g.max), { message: 'start must lie within [min, max]', path: ['start'] });

const step = z
  .object({ kind: z.literal('step'), values: z.array(scalar).min(1), everySeconds: seconds })
  .strict()
  .refine((g) => g.values.every((v) => typeof v === typeof g.values[0]), { message: 'values must all be numbers, all booleans or all strings', path: ['values'] });

const fakerPresets = [...(Object.keys(FAKER_NUMBER_PRESETS) as Array<keyof typeof FAKER_NUMBER_PRESETS>), ...FAKER_STRING_PRESETS] as const;

const fakerSeries = z
  .object({
    kind: z.literal('faker'),
    preset: z.enum(fakerPresets),
    /** Numeric presets: how often the noise changes. */
    everySeconds: seconds.default(1),
    /** Numeric presets: period of the slow swing around the device's baseline. */
    periodSeconds: seconds.default(3600),
  })
  .strict();

export const generatorSchema = z.discriminatedUnion('kind', [constant, sine, randomWalk, step, fakerSeries]);

export type GeneratorDefinition = z.output<typeof generatorSchema>;
export type GeneratorInput = z.input<typeof generatorSchema>;

/** The kind of value a generator produces. */
export function generatorValueKind(gen: GeneratorDefinition): 'number' | 'boolean' | 'string' {
  switch (gen.kind) {
    case 'constant':
      return typeof gen.value as 'number' | 'boolean' | 'string';
    case 'step':
      return typeof gen.values[0] as 'number' | 'boolean' | 'string';
    case 'faker':
      return isFakerNumberPreset(gen.preset) ? 'number' : 'string';
    case 'sine':
    case 'randomWalk':
      return 'number';
  }
}

/** Every number a numeric generator can produce, or undefined for other kinds. */
export function generatorRange(gen: GeneratorDefinition): { min: number; max: number } | undefined {
  switch (gen.kind) {
    case 'constant':
      return typeof gen.value === 'number' ? { min: gen.value, max: gen.value } : undefined;
    case 'step': {
      if (typeof gen.values[0] !== 'number') return undefined;
      const nums = gen.values as number[];
      return { min: Math.min(...nums), max: Math.max(...nums) };
    }
    case 'sine': {
      const a = Math.abs(gen.amplitude);
      return { min: gen.offset - a, max: gen.offset + a };
    }
    case 'randomWalk':
      return { min: gen.min, max: gen.max };
    case 'faker':
      return isFakerNumberPreset(gen.preset) ? fakerNumberRange(gen.preset) : undefined;
  }
}

/** The longest string a generator can produce, in UTF-8 bytes; undefined when it is fitted to the point. */
export function generatorMaxBytes(gen: GeneratorDefinition): number | undefined {
  if (gen.kind === 'constant' && typeof gen.value === 'string') return Buffer.byteLength(gen.value, 'utf8');
  if (gen.kind === 'step' && typeof gen.values[0] === 'string') return Math.max(...gen.values.map((v) => Buffer.byteLength(String(v), 'utf8')));
  return undefined;
}

/** Generators that keep a memo per device and point. */
export function isStateful(gen: GeneratorDefinition): boolean {
  return gen.kind === 'randomWalk' || gen.kind === 'faker';
}

/** A memo: the random walk's last step and value; a faker curve or string. */
export interface GeneratorMemo {
  step: number;
  value: number;
  curve: FakerCurve | undefined;
  text: string | undefined;
}

export function newMemo(): GeneratorMemo {
  return { step: -1, value: 0, curve: undefined, text: undefined };
}

export interface GeneratorTime {
  /** The device's seed. */
  seed: number;
  /** The point's index in its profile, so two points of a device differ. */
  point: number;
  /** Seconds since the device started; never negative. */
  tSeconds: number;
  /** Bytes a string point holds. */
  capacityBytes: number;
}

/** The generator's value at `at.tSeconds`. `memo` is required for stateful generators. */
export function generate(gen: GeneratorDefinition, at: GeneratorTime, memo: GeneratorMemo | undefined): PointValue {
  switch (gen.kind) {
    case 'constant':
      return gen.value;
    case 'sine':
      return gen.offset + gen.amplitude * Math.sin((2 * Math.PI * (at.tSeconds + gen.phaseSeconds)) / gen.periodSeconds);
    case 'step':
      return gen.values[Math.floor(at.tSeconds / gen.everySeconds) % gen.values.length]!;
    case 'randomWalk':
      return walk(gen, at, memo ?? newMemo());
    case 'faker': {
      const m = memo ?? newMemo();
      if (isFakerNumberPreset(gen.preset)) {
        m.curve ??= fakerCurve(gen.preset, at.seed, at.point, gen.periodSeconds);
        return fakerReading(gen.preset, m.curve, at.seed, at.point, at.tSeconds, Math.floor(at.tSeconds / gen.everySeconds), gen.periodSeconds);
      }
      m.text ??= fitUtf8(fakerString(gen.preset, at.seed, at.point, at.capacityBytes), at.capacityBytes);
      return m.text;
    }
  }
}

type RandomWalk = Extract<GeneratorDefinition, { kind: 'randomWalk' }>;

/** Step k's value is step k−1's plus a seeded step in [−step, +step], clamped: computed forward from the memo. */
function walk(gen: RandomWalk, at: GeneratorTime, memo: GeneratorMemo): number {
  const target = Math.floor(at.tSeconds / gen.everySeconds);
  if (memo.step < 0 || target < memo.step) {
    memo.step = 0;
    memo.value = gen.start ?? (gen.min + gen.max) / 2;
  }
  let v = memo.value;
  for (let k = memo.step + 1; k <= target; k++) {
    v += gen.step * (2 * unitFloat(at.seed, at.point, k) - 1);
    if (v < gen.min) v = gen.min;
    else if (v > gen.max) v = gen.max;
  }
  memo.step = target;
  memo.value = v;
  return v;
}
