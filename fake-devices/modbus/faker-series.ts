/**
 * Realistic readings from @faker-js/faker, reproducible from a seed. Faker picks what makes one
 * device unlike another (its baseline, daily swing and phase; its serial number, maker and model)
 * once per device and point; the reading over time is that curve plus a small noise from a hash of
 * (seed, point, time step), because reseeding faker on every read costs ~70 µs.
 */
import { faker } from '@faker-js/faker/locale/en';
import { unitFloat } from './seeded-random.js';

export const FAKER_NUMBER_PRESETS = {
  /** Indoor air temperature, °C. */
  temperature: { baseline: [18, 26], swing: [0.5, 2], noise: 0.2, decimals: 2 },
  /** Relative humidity, %RH. */
  humidity: { baseline: [35, 60], swing: [2, 8], noise: 0.5, decimals: 1 },
  /** Barometric pressure, hPa. */
  pressure: { baseline: [995, 1025], swing: [0.5, 2], noise: 0.1, decimals: 1 },
} as const satisfies Record<string, { baseline: readonly [number, number]; swing: readonly [number, number]; noise: number; decimals: number }>;

export const FAKER_STRING_PRESETS = ['serialNumber', 'manufacturer', 'model'] as const;

export type FakerNumberPreset = keyof typeof FAKER_NUMBER_PRESETS;
export type FakerStringPreset = (typeof FAKER_STRING_PRESETS)[number];

export function isFakerNumberPreset(p: string): p is FakerNumberPreset {
  return Object.hasOwn(FAKER_NUMBER_PRESETS, p);
}

/** Every value a numeric preset can produce. */
export function fakerNumberRange(preset: FakerNumberPreset): { min: number; max: number } {
  const p = FAKER_NUMBER_PRESETS[preset];
  const rounding = 0.5 / 10 ** p.decimals;
  return { min: p.baseline[0] - p.swing[1] - p.noise - rounding, max: p.baseline[1] + p.swing[1] + p.noise + rounding };
}

/** The per-device shape of a numeric series: chosen once by faker. */
export interface FakerCurve {
  baseline: number;
  swing: number;
  phase: number;
}

export function fakerCurve(preset: FakerNumberPreset, seed: number, point: number, periodSeconds: number): FakerCurve {
  const p = FAKER_NUMBER_PRESETS[preset];
  faker.seed([seed >>> 0, point, 0x5e1e5]);
  return {
    baseline: faker.number.float({ min: p.baseline[0], max: p.baseline[1] }),
    swing: faker.number.float({ min: p.swing[0], max: p.swing[1] }),
    phase: faker.number.float({ min: 0, max: periodSeconds }),
  };
}

/** The reading at step `k` (time `tSeconds`) of a curve: a daily-style swing plus noise, at sensor resolution. */
export function fakerReading(preset: FakerNumberPreset, curve: FakerCurve, seed: number, point: number, tSeconds: number, k: number, periodSeconds: number): number {
  const p = FAKER_NUMBER_PRESETS[preset];
  const wave = curve.swing * Math.sin((2 * Math.PI * (tSeconds + curve.phase)) / periodSeconds);
  const noise = p.noise * (2 * unitFloat(seed, point, k) - 1);
  const f = 10 ** p.decimals;
  return Math.round((curve.baseline + wave + noise) * f) / f;
}

/** A device's fixed string of this kind, at most `maxBytes` long. */
export function fakerString(preset: FakerStringPreset, seed: number, point: number, maxBytes: number): string {
  faker.seed([seed >>> 0, point, 0x57a1c]);
  switch (preset) {
    case 'serialNumber':
      return faker.string.alphanumeric({ length: Math.min(12, maxBytes), casing: 'upper' });
    case 'manufacturer':
      return faker.company.name();
    case 'model':
      return `${faker.string.alpha({ length: 2, casing: 'upper' })}-${faker.number.int({ min: 100, max: 999 })}`;
  }
}
