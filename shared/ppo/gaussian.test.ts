import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { GSDE_EPS, gaussianEntropy, gaussianLogProb, gsdeLogStd, sampleExplorationMatrices, sampleGaussian, sampleGsde } from './gaussian.ts';

/** log of the univariate normal density, written out independently of gaussian.ts. */
function logNormalPdf(x: number, mu: number, sigma: number): number {
  return Math.log(Math.exp(-((x - mu) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI)));
}

describe('gaussianLogProb', () => {
  it('is the sum over dims of the univariate log-densities, per row', () => {
    const logStd = [-0.5, 0.3, 0];
    const mean = Float32Array.from([0.1, -1, 2, 0.7, 0.2, -0.3]); // [2, 3]
    const actions = Float32Array.from([0.4, -2.5, 2, -1, 1.2, 0.9]);
    const out = new Float32Array(2);
    gaussianLogProb(actions, mean, logStd, 2, 3, out);
    for (let b = 0; b < 2; b++) {
      let expected = 0;
      for (let j = 0; j < 3; j++) expected += logNormalPdf(actions[b * 3 + j], mean[b * 3 + j], Math.exp(logStd[j]));
      expect(out[b]).toBeCloseTo(expected, 5);
    }
    expect(out[0]).not.toBeCloseTo(out[1], 2); // rows use their own mean and action
  });

  it('takes a log-std per row when given [B, D]', () => {
    const logStd = [-0.5, 0.3, 1, 0.1]; // [2, 2]
    const mean = Float32Array.from([0.1, -1, 2, 0.7]);
    const actions = Float32Array.from([0.4, -2.5, 2.2, -1]);
    const out = new Float32Array(2);
    gaussianLogProb(actions, mean, logStd, 2, 2, out);
    for (let b = 0; b < 2; b++) {
      const expected = logNormalPdf(actions[b * 2], mean[b * 2], Math.exp(logStd[b * 2])) + logNormalPdf(actions[b * 2 + 1], mean[b * 2 + 1], Math.exp(logStd[b * 2 + 1]));
      expect(out[b]).toBeCloseTo(expected, 5);
    }
  });
});

describe('gaussianEntropy', () => {
  it('is the sum of the univariate entropies 0.5 log(2 pi e sigma^2)', () => {
    const logStd = [-1, 0, 0.7];
    const expected = logStd.reduce((h, l) => h + 0.5 * Math.log(2 * Math.PI * Math.E * Math.exp(2 * l)), 0);
    expect(gaussianEntropy(logStd)).toBeCloseTo(expected, 10);
    expect(gaussianEntropy([0])).toBeCloseTo(1.4189385332, 9); // scipy.stats.norm.entropy()
  });
});

describe('sampleGaussian', () => {
  it('seeded samples have the mean and std of each dim within sampling noise; logp is of the stored action', () => {
    const n = 20_000;
    const d = 2;
    const logStd = [Math.log(0.5), Math.log(2)];
    const rowMean = [1.5, -3];
    const mean = new Float32Array(n * d);
    for (let b = 0; b < n; b++) mean.set(rowMean, b * d);
    const rng = new Rng(17);
    const actions = new Float32Array(n * d);
    const logp = new Float32Array(n);
    sampleGaussian(mean, logStd, n, d, () => rng.normal(), actions, logp);
    for (let j = 0; j < d; j++) {
      const sigma = Math.exp(logStd[j]);
      let m = 0;
      for (let b = 0; b < n; b++) m += actions[b * d + j];
      m /= n;
      let v = 0;
      for (let b = 0; b < n; b++) v += (actions[b * d + j] - m) ** 2;
      const sd = Math.sqrt(v / (n - 1));
      expect(Math.abs(m - rowMean[j])).toBeLessThan((4 * sigma) / Math.sqrt(n));
      expect(Math.abs(sd / sigma - 1)).toBeLessThan(4 / Math.sqrt(2 * n));
    }
    for (let b = 0; b < 50; b++) {
      const expected = logNormalPdf(actions[b * d], rowMean[0], 0.5) + logNormalPdf(actions[b * d + 1], rowMean[1], 2);
      expect(logp[b]).toBeCloseTo(expected, 4);
    }
  });

  it('is a = mean + exp(logStd) * n for the given normals, row by row', () => {
    const normals = [0.5, -1, 2, 0.25];
    let i = 0;
    const actions = new Float32Array(4);
    const logp = new Float32Array(2);
    sampleGaussian(Float32Array.from([1, 2, 3, 4]), [0, Math.log(3)], 2, 2, () => normals[i++], actions, logp);
    expect(Array.from(actions)).toEqual([1.5, 2 - 3, 3 + 2, 4 + 0.75]);
    expect(logp[0]).toBeCloseTo(logNormalPdf(1.5, 1, 1) + logNormalPdf(-1, 2, 3), 5);
  });
});

describe('gSDE', () => {
  const H = 3;
  const D = 2;
  const logStd = [0, -1, 0.5, 0.2, -0.3, 0]; // [H, D]
  const z = [1, -2, 0.5]; // one row of features

  it('gsdeLogStd is 0.5 log(sum_i z_i^2 sigma_ij^2 + eps), worked by hand', () => {
    const out = new Float32Array(D);
    gsdeLogStd(Float32Array.from(z), logStd, 1, H, D, out);
    // dim 0: 1 * e^0 + 4 * e^1 + 0.25 * e^-0.6; dim 1: 1 * e^-2 + 4 * e^0.4 + 0.25 * e^0
    expect(out[0]).toBeCloseTo(0.5 * Math.log(1 + 4 * Math.E + 0.25 * Math.exp(-0.6) + GSDE_EPS), 6);
    expect(out[1]).toBeCloseTo(0.5 * Math.log(Math.exp(-2) + 4 * Math.exp(0.4) + 0.25 + GSDE_EPS), 6);
    gsdeLogStd(new Float32Array(H), logStd, 1, H, D, out); // zero features: the floor alone
    expect(out[0]).toBeCloseTo(0.5 * Math.log(GSDE_EPS), 5);
  });

  it('sampleGsde acts mean + z theta with the given matrices, row by row', () => {
    const theta = Float32Array.from([1, 2, 3, 4, 5, 6, /* row 1: */ 0, 0, 0, 0, 0, 1]);
    const features = Float32Array.from([...z, 0, 0, 2]);
    const mean = Float32Array.from([0.5, 1, -1, 0]);
    const rowLogStd = new Float32Array(4);
    gsdeLogStd(features, logStd, 2, H, D, rowLogStd);
    const actions = new Float32Array(4);
    const logp = new Float32Array(2);
    sampleGsde(mean, features, theta, rowLogStd, 2, H, D, actions, logp);
    expect(Array.from(actions)).toEqual([0.5 + 1 - 6 + 2.5, 1 + 2 - 8 + 3, -1, 0 + 2]);
    expect(logp[0]).toBeCloseTo(logNormalPdf(actions[0], 0.5, Math.exp(rowLogStd[0])) + logNormalPdf(actions[1], 1, Math.exp(rowLogStd[1])), 5);
  });

  it('over fresh matrices, actions for fixed features have the std gsdeLogStd says', () => {
    const n = 20_000;
    const rng = new Rng(5);
    const theta = new Float32Array(H * D);
    const rowLogStd = new Float32Array(D);
    gsdeLogStd(Float32Array.from(z), logStd, 1, H, D, rowLogStd);
    const sums = [0, 0];
    const squares = [0, 0];
    const a = new Float32Array(D);
    for (let k = 0; k < n; k++) {
      sampleExplorationMatrices(logStd, 1, () => rng.normal(), theta);
      sampleGsde(new Float32Array(D), Float32Array.from(z), theta, rowLogStd, 1, H, D, a, new Float32Array(1));
      for (let j = 0; j < D; j++) { sums[j] += a[j]; squares[j] += a[j] ** 2; }
    }
    for (let j = 0; j < D; j++) {
      const sigma = Math.exp(rowLogStd[j]);
      expect(Math.abs(sums[j] / n)).toBeLessThan((4 * sigma) / Math.sqrt(n));
      expect(Math.abs(Math.sqrt(squares[j] / n) / sigma - 1)).toBeLessThan(4 / Math.sqrt(2 * n));
    }
  });

  it('sampleExplorationMatrices refuses a buffer of the wrong size', () => {
    expect(() => sampleExplorationMatrices(logStd, 2, () => 0, new Float32Array(6))).toThrow(/expected 12/);
  });
});
