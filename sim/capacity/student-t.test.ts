import { describe, expect, it } from 'vitest';
import { logGamma, regularizedBeta, studentTCdf, studentTQuantile } from './student-t.js';

describe('Student t', () => {
  it('log Γ matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 9);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });

  it('I_x(1, 1) = x and I_x(a, b) = 1 − I_{1−x}(b, a)', () => {
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(regularizedBeta(0.2, 2.5, 4)).toBeCloseTo(1 - regularizedBeta(0.8, 4, 2.5), 12);
  });

  it('the CDF is symmetric and is the Cauchy CDF at one degree of freedom', () => {
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(1.3, 4) + studentTCdf(-1.3, 4)).toBeCloseTo(1, 12);
    expect(studentTCdf(2, 1)).toBeCloseTo(0.5 + Math.atan(2) / Math.PI, 10);
  });

  // Tabulated two-sided 95 % and 99 % critical values.
  it.each([
    [0.975, 1, 12.7062],
    [0.975, 2, 4.3027],
    [0.975, 3, 3.1824],
    [0.975, 10, 2.2281],
    [0.975, 30, 2.0423],
    [0.995, 5, 4.0321],
    [0.95, 20, 1.7247],
  ])('quantile(%s, %s) = %s', (p, dof, expected) => {
    expect(studentTQuantile(p, dof)).toBeCloseTo(expected, 3);
    expect(studentTQuantile(1 - p, dof)).toBeCloseTo(-expected, 3);
  });

  it('approaches the normal quantile for many degrees of freedom', () => {
    expect(studentTQuantile(0.975, 100_000)).toBeCloseTo(1.95996, 3);
  });

  it('rejects p outside (0, 1)', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError);
  });
});
