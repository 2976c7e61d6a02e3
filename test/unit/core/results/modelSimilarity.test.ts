// The model's own image similarity: cosine, means of feature rows, per-pair similarity from stored
// embeddings, Spearman's ρ with the Bonett–Wright interval against hand-computed values, and a
// run's similarity against each of its methods.
import { describe, expect, it } from 'vitest';
import {
  averageRanks,
  cosineSimilarity,
  meanOfRows,
  pairModelSimilarities,
  runModelSimilarity,
  similarityConfusion,
  similarityInWords,
  spearman,
} from '../../../../src/core/results/modelSimilarity.ts';
import type { ImageEmbedding } from '../../../../src/core/run/records.ts';
import type { CaseRecord, ConfusionPair, Dataset, PairAnswers } from '../../../../src/core/types.ts';

function pair(id: string, im1: string, im2: string): ConfusionPair {
  return {
    id,
    question: `Q${id}`,
    optionA: 'a',
    optionB: 'b',
    im1Correct: 'A',
    im2Correct: 'B',
    im1Local: im1,
    im2Local: im2,
    im1Path: '',
    im2Path: '',
    caption1: '',
    caption2: '',
    category1: [],
    category2: [],
    biomedClipSim: null,
    dinoSim: null,
  };
}

const emb = (mean: number[], globalMean: number[] | null = null): ImageEmbedding => ({
  mean: new Float32Array(mean),
  globalMean: globalMean ? new Float32Array(globalMean) : null,
  vectors: 1,
});

describe('cosineSimilarity', () => {
  it('is 1 for parallel, 0 for orthogonal, −1 for opposite vectors; null without a direction', () => {
    expect(cosineSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 0], [0, 5])).toBe(0);
    expect(cosineSimilarity([1, -1], [-2, 2])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([3, 4], [4, 3])).toBeCloseTo(24 / 25, 12);
    expect(cosineSimilarity([0, 0], [1, 1])).toBeNull();
    expect(cosineSimilarity([1, 2], [1, 2, 3])).toBeNull();
  });
});

describe('meanOfRows', () => {
  it('averages the rows of a row-major block, all or a range', () => {
    // 3 rows × 2: [1, 2], [3, 4], [5, 9]
    const data = new Float32Array([1, 2, 3, 4, 5, 9]);
    expect(Array.from(meanOfRows(data, 2))).toEqual([3, 5]);
    expect(Array.from(meanOfRows(data, 2, 2, 1))).toEqual([5, 9]);
    expect(Array.from(meanOfRows(data, 2, 0, 2))).toEqual([2, 3]);
  });
});

describe('pairModelSimilarities', () => {
  it("gives each pair the cosine of its images' means, and of their global views where both have one", () => {
    const embeddings = new Map([
      ['a', emb([1, 0], [1, 1])],
      ['b', emb([3, 4], [1, -1])],
      ['c', emb([0, 2])],
    ]);
    const sims = pairModelSimilarities(
      [pair('1', 'a', 'b'), pair('2', 'b', 'c'), pair('3', 'a', 'missing')],
      embeddings,
    );
    expect([...sims.keys()]).toEqual(['1', '2']);
    expect(sims.get('1')!.similarity).toBeCloseTo(3 / 5, 7);
    expect(sims.get('1')!.globalSimilarity).toBeCloseTo(0, 7);
    expect(sims.get('2')!.similarity).toBeCloseTo(4 / 5, 7);
    expect(sims.get('2')!.globalSimilarity).toBeNull();
  });

  it('says it in words a class understands', () => {
    expect(similarityInWords(0.9712)).toBe('To this model the two images are 0.97 alike');
  });
});

describe('spearman', () => {
  it('averages tied ranks', () => {
    expect(averageRanks([10, 0, 0, 5, 0])).toEqual([5, 2, 2, 4, 2]);
  });

  it('matches the hand computation, with the Bonett–Wright interval', () => {
    // ranks y = (2, 2, 4.5, 2, 4.5): r = 5 / √75; z ± 1.96 · √((1 + r²/2) / 2), values from Python's math.
    const r = spearman([1, 2, 3, 4, 5], [0, 0, 1, 0, 1])!;
    expect(r.estimate).toBeCloseTo(0.5773502691896257, 12);
    expect(r.lower).toBeCloseTo(-0.6849969052053767, 12);
    expect(r.upper).toBeCloseTo(0.9735113246334101, 12);
  });

  it('is undefined below 4 points or for a constant variable', () => {
    expect(spearman([1, 2, 3], [0, 1, 0])).toBeNull();
    expect(spearman([1, 2, 3, 4], [1, 1, 1, 1])).toBeNull();
  });
});

describe('similarityConfusion', () => {
  const pairs = ['1', '2', '3', '4', '5', '6'].map((id) => pair(id, `${id}a`, `${id}b`));
  const sims = new Map(
    [0.5, 0.6, 0.7, 0.8, 0.9, 0.95].map((s, i) => [
      String(i + 1),
      { pairId: String(i + 1), similarity: s, globalSimilarity: null },
    ]),
  );

  it('keeps pairs with two valid answers; confused = the same letter twice', () => {
    const answers: PairAnswers = new Map([
      ['1', { 1: 'A', 2: 'B' }],
      ['2', { 1: 'A', 2: 'A' }],
      ['3', { 1: 'B', 2: 'A' }],
      ['4', { 1: 'B', 2: 'B' }],
      ['5', { 1: 'A', 2: null }],
      ['6', { 1: 'A', 2: 'A' }],
    ]);
    const out = similarityConfusion(pairs, sims, answers);
    expect(out.points.map((p) => [p.pairId, p.confused])).toEqual([
      ['1', false],
      ['2', true],
      ['3', false],
      ['4', true],
      ['6', true],
    ]);
    expect(out.confusedPairs).toBe(3);
    expect(out.medianConfused).toBe(0.8);
    expect(out.medianNotConfused).toBeCloseTo(0.6, 12);
    // ranks x 1..5, y (1.5, 4, 1.5, 4, 4): the same as spearman() of those columns.
    expect(out.rankCorrelation!.estimate).toBeCloseTo(
      spearman([1, 2, 3, 4, 5], [0, 1, 0, 1, 1])!.estimate,
      12,
    );
    expect(out.reason).toBeNull();
  });

  it('says why there is no correlation', () => {
    const none: PairAnswers = new Map(pairs.map((p) => [p.id, { 1: 'A', 2: 'B' }]));
    expect(similarityConfusion(pairs, sims, none).reason).toBe('no pair was answered alike');
    expect(similarityConfusion(pairs, sims, new Map()).reason).toMatch(/0 pairs .* \(4 needed\)/);
  });
});

describe('runModelSimilarity', () => {
  const pairs = ['1', '2', '3', '4'].map((id) => pair(id, `${id}a`, `${id}b`));
  const dataset = { name: 'd', pairs, categories: [], categoryCounts: {}, hash: 'h' } as unknown as Dataset;
  const run = { methods: ['GD'], promptHashes: { GD: 'p', PS: 'p' } };
  const embeddings = new Map(
    pairs.flatMap((p, i) => [
      [p.im1Local, emb([1, 0])],
      [p.im2Local, emb([1, i])],
    ]),
  );
  const gd = (
    pairId: string,
    slot: 1 | 2,
    answer: 'A' | 'B',
    promptHash = 'p',
  ): CaseRecord & { promptHash: string } => ({
    pairId,
    slot,
    method: 'GD',
    answer,
    promptHash,
  });

  it('sets each method of the run against the similarities, counting only cases of its prompt', () => {
    const cases = [
      gd('1', 1, 'A'),
      gd('1', 2, 'A'),
      gd('2', 1, 'A'),
      gd('2', 2, 'B'),
      gd('3', 1, 'B'),
      gd('3', 2, 'B'),
      // Another prompt's case never counts.
      gd('4', 1, 'A', 'other'),
      gd('4', 2, 'A', 'other'),
      { pairId: '4', slot: 1, method: 'PS', answer: 'A', promptHash: 'p' } as const,
      { pairId: '4', slot: 2, method: 'PS', answer: 'B', promptHash: 'p' } as const,
    ];
    const out = runModelSimilarity(run, cases, dataset, embeddings)!;
    expect(out.images).toBe(8);
    expect(out.similarities).toEqual(pairModelSimilarities(pairs, embeddings));
    expect(out.byMethod.map((m) => m.method)).toEqual(['GD', 'PS']);
    expect(out.byMethod[0]!.confusion.points.map((p) => [p.pairId, p.confused])).toEqual([
      ['1', true],
      ['2', false],
      ['3', true],
    ]);
    expect(out.byMethod[1]!.confusion.points.map((p) => p.pairId)).toEqual(['4']);
  });

  it('is null for a run that kept no embeddings', () => {
    expect(runModelSimilarity(run, [gd('1', 1, 'A')], dataset, new Map())).toBeNull();
  });
});
