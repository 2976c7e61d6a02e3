// Pair filtering and counting helpers behind the Pairs view.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDatasetJson } from '../../../../src/core/dataset.ts';
import type { ConfusionPair } from '../../../../src/core/types.ts';
import {
  answerLookup,
  countImages,
  filterFlippedPairs,
  filterPairs,
  flippedSlots,
  pairHasCategory,
  pairsPerCategory,
  searchTerms,
} from '../../../../src/core/results/pairFilters.ts';

const official = parseDatasetJson(
  readFileSync(new URL('../../../../public/data/mediconfusion/dataset.json', import.meta.url), 'utf8'),
);

function pair(id: string, over: Partial<ConfusionPair> = {}): ConfusionPair {
  return {
    id,
    question: 'What is shown?',
    optionA: 'A mass',
    optionB: 'No mass',
    im1Correct: 'A',
    im2Correct: 'B',
    im1Local: `${id}-1`,
    im2Local: `${id}-2`,
    im1Path: '',
    im2Path: '',
    caption1: '',
    caption2: '',
    category1: ['Cerebral'],
    category2: ['Vascular'],
    biomedClipSim: null,
    dinoSim: null,
    ...over,
  };
}

describe('filterPairs', () => {
  const pairs = [
    pair('1', { question: 'Which lobe of the LUNG?' }),
    pair('2', { optionB: 'Aortic dissection', category1: ['Cardiac'], category2: ['Cardiac'] }),
    pair('30', { category2: ['Spinal'] }),
  ];

  it('returns everything for an empty filter', () => {
    expect(filterPairs(pairs, { category: '', query: '  ' })).toHaveLength(3);
  });

  it('filters by a category of either image', () => {
    expect(filterPairs(pairs, { category: 'Cardiac', query: '' }).map((p) => p.id)).toEqual(['2']);
    expect(filterPairs(pairs, { category: 'Spinal', query: '' }).map((p) => p.id)).toEqual(['30']);
    expect(filterPairs(pairs, { category: 'Vascular', query: '' }).map((p) => p.id)).toEqual(['1']);
    expect(filterPairs(pairs, { category: 'Cerebral', query: '' }).map((p) => p.id)).toEqual(['1', '30']);
  });

  it('searches id, question, options and categories case-insensitively, all words', () => {
    expect(filterPairs(pairs, { category: '', query: 'lung' }).map((p) => p.id)).toEqual(['1']);
    expect(filterPairs(pairs, { category: '', query: 'AORTIC cardiac' }).map((p) => p.id)).toEqual(['2']);
    expect(filterPairs(pairs, { category: '', query: 'aortic lung' })).toEqual([]);
    expect(filterPairs(pairs, { category: '', query: '30' }).map((p) => p.id)).toEqual(['30']);
    expect(filterPairs(pairs, { category: 'Cardiac', query: 'lung' })).toEqual([]);
  });

  it('treats regex characters as plain text', () => {
    expect(
      filterPairs([pair('1', { question: 'Size (cm)?' })], { category: '', query: '(cm)' }),
    ).toHaveLength(1);
  });
});

describe('counting', () => {
  it('counts 176 pairs and 228 distinct images in the official dataset', () => {
    expect(official.pairs).toHaveLength(176);
    expect(countImages(official.pairs)).toBe(228);
  });

  it('counts shared images once and pairs once per category', () => {
    const pairs = [pair('1', { im2Local: 'x' }), pair('2', { im1Local: 'x', category2: ['Cerebral'] })];
    expect(countImages(pairs)).toBe(3);
    expect(pairsPerCategory(pairs)).toEqual(
      new Map([
        ['Cerebral', 2],
        ['Vascular', 1],
      ]),
    );
    expect(pairHasCategory(pairs[0] as ConfusionPair, '')).toBe(true);
  });

  it('splits search text into lower-case words', () => {
    expect(searchTerms('  Aortic   DISSECTION ')).toEqual(['aortic', 'dissection']);
  });
});

describe('flipped pairs', () => {
  // Run A and run B: pair 1 the same, pair 2 image 2 flipped, pair 3 a letter against invalid on
  // image 1, pair 4 image 2 unanswered by B (not compared).
  const a = answerLookup(
    new Map([
      ['1', { 1: 'A' as const, 2: 'B' as const }],
      ['2', { 1: 'A' as const, 2: 'B' as const }],
      ['3', { 1: 'A' as const, 2: 'B' as const }],
      ['4', { 1: 'A' as const, 2: 'B' as const }],
    ]),
  );
  const b = answerLookup(
    new Map([
      ['1', { 1: 'A' as const, 2: 'B' as const }],
      ['2', { 1: 'A' as const, 2: 'A' as const }],
      ['3', { 1: null, 2: 'B' as const }],
      ['4', { 1: 'A' as const }],
    ]),
  );

  it('names the images answered differently by both runs', () => {
    expect(flippedSlots('1', a, b)).toEqual([]);
    expect(flippedSlots('2', a, b)).toEqual([2]);
    expect(flippedSlots('3', a, b)).toEqual([1]);
    expect(flippedSlots('4', a, b)).toEqual([]);
    expect(flippedSlots('9', a, b)).toEqual([]);
  });

  it('keeps the pairs with a flipped image, in order', () => {
    expect(
      filterFlippedPairs(
        ['1', '2', '3', '4'].map((id) => pair(id)),
        a,
        b,
      ).map((p) => p.id),
    ).toEqual(['2', '3']);
  });
});
