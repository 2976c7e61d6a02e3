// The self-check's tolerance per dtype: every dtype has one with its reason, a per-file mix takes
// its decoder's, and the verdict on cached against full records follows the dtype's rule
// (identical decisions and text for fp32; probabilities only where near ties may go either way).
import { describe, expect, it } from 'vitest';
import {
  CACHE_TOLERANCES,
  cacheCheckVerdict,
  cacheToleranceFor,
  toleranceDtype,
} from '../../../../src/core/run/cacheCheck.ts';
import { ALL_DTYPES } from '../../../../src/core/run/vocabulary.ts';
import type { CaseRecord } from '../../../../src/core/types.ts';

const gd = (pairId: string, pA: number): CaseRecord => ({
  pairId,
  slot: 1,
  method: 'GD',
  answer: pA >= 0.5 ? 'A' : 'B',
  probabilities: { A: pA, B: 1 - pA },
});
const mc = (pairId: string, text: string): CaseRecord => ({
  pairId,
  slot: 1,
  method: 'MC',
  answer: text.startsWith('A') ? 'A' : 'B',
  generatedText: text,
});

describe('the tolerance table', () => {
  it('has a value and a reason for every dtype, fp32 strictest and unchanged at 1e-4', () => {
    for (const d of ALL_DTYPES) {
      expect(CACHE_TOLERANCES[d].maxProbDiff).toBeGreaterThan(0);
      expect(CACHE_TOLERANCES[d].reason.length).toBeGreaterThan(20);
      expect(CACHE_TOLERANCES[d].maxProbDiff).toBeGreaterThanOrEqual(CACHE_TOLERANCES.fp32.maxProbDiff);
    }
    expect(CACHE_TOLERANCES.fp32).toMatchObject({ maxProbDiff: 1e-4, exactDecisions: true });
    // fp16 and 4-bit numerics differ more than 1e-4; 8-bit dynamic quantization most of all.
    expect(CACHE_TOLERANCES.fp16.maxProbDiff).toBeGreaterThan(1e-4);
    expect(CACHE_TOLERANCES.q4.maxProbDiff).toBeGreaterThan(1e-4);
    expect(CACHE_TOLERANCES.q8.maxProbDiff).toBeGreaterThan(CACHE_TOLERANCES.fp16.maxProbDiff);
    // A broken cache moves p by up to 0.25 (one logit): every tolerance stays below that.
    for (const d of ALL_DTYPES) expect(CACHE_TOLERANCES[d].maxProbDiff).toBeLessThan(0.25);
  });

  it('takes the decoder dtype of a per-file mix, else the loosest, and fp32 for a label that is no dtype', () => {
    expect(toleranceDtype('q8')).toBe('q8');
    expect(toleranceDtype('decoder_model_merged=q4,embed_tokens=fp16,vision_encoder=fp32')).toBe('q4');
    expect(toleranceDtype('embed_tokens=q8,vision_encoder=fp16')).toBe('q8');
    expect(toleranceDtype('auto')).toBe('fp32');
    expect(cacheToleranceFor('decoder_model_merged=q8,vision_encoder=fp32')).toMatchObject({
      dtype: 'q8',
      maxProbDiff: 0.1,
    });
  });
});

describe('cacheCheckVerdict', () => {
  const reference = [gd('1', 0.8), gd('2', 0.501), mc('3', 'A. the first')];

  it('fp32: passes within 1e-4 with identical decisions and text; fails above, recording the tolerance', () => {
    const close = [gd('1', 0.80005), gd('2', 0.501), mc('3', 'A. the first')];
    expect(cacheCheckVerdict(close, reference, 'fp32')).toMatchObject({
      passed: true,
      cases: 3,
      tolerance: 1e-4,
      toleranceDtype: 'fp32',
      exactDecisions: true,
    });
    const off = [gd('1', 0.81), gd('2', 0.501), mc('3', 'A. the first')];
    const v = cacheCheckVerdict(off, reference, 'fp32');
    expect(v.passed).toBe(false);
    expect(v.maxProbDiff).toBeCloseTo(0.01, 12);
    const otherText = [gd('1', 0.8), gd('2', 0.501), mc('3', 'A. the first option')];
    expect(cacheCheckVerdict(otherText, reference, 'fp32')).toMatchObject({
      passed: false,
      textMismatches: ['3/1/MC'],
    });
  });

  it('q8: the same 0.01 difference passes, and so do a near-tied decision and another greedy text', () => {
    const noisy = [gd('1', 0.81), gd('2', 0.499), mc('3', 'B. the second')];
    const v = cacheCheckVerdict(noisy, reference, 'q8');
    expect(v).toMatchObject({ passed: true, tolerance: 0.1, toleranceDtype: 'q8', exactDecisions: false });
    expect(v.answerMismatches).toEqual(['2/1/GD', '3/1/MC']);
    // Beyond the tolerance (a broken cache: a logit off by one moves 0.5 to 0.73) it fails.
    expect(cacheCheckVerdict([gd('1', 0.8), gd('2', 0.731), mc('3', 'A')], reference, 'q8').passed).toBe(
      false,
    );
  });

  it('fails when a case is missing from the cached records', () => {
    expect(cacheCheckVerdict(reference.slice(0, 2), reference, 'q8').passed).toBe(false);
  });
});
