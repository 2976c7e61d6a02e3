// Shared test helpers: the bundled official data and tiny hand-made datasets.
import { readFileSync } from 'node:fs';
import { parseDatasetJson, countCategories, datasetHash } from '../../../src/core/dataset.ts';
import { OFFICIAL_CATEGORIES } from '../../../src/core/datasetFields.ts';
import type { Answer, ConfusionPair, Dataset, Letter, PairAnswers } from '../../../src/core/types.ts';

// Fetched at run time (public/) or imported by the code (src/data/).
const PUBLIC_DATA = new URL('../../../public/data/mediconfusion/', import.meta.url);
const BUNDLED_DATA = new URL('../../../src/data/mediconfusion/', import.meta.url);

export function readData(file: string): string {
  const dir = ['dataset.json', 'image_dict.json'].includes(file) ? PUBLIC_DATA : BUNDLED_DATA;
  return readFileSync(new URL(file, dir), 'utf8');
}

export const officialDatasetText = readData('dataset.json');
export const officialStatistics = JSON.parse(readData('statistics.json')) as Record<string, number>;
export const officialDataset: Dataset = parseDatasetJson(officialDatasetText, { name: 'MediConfusion' });

export function makePair(
  id: string,
  im1Correct: Letter,
  category1: string[],
  category2: string[],
  extra: Partial<ConfusionPair> = {},
): ConfusionPair {
  return {
    id,
    question: `Question ${id}?`,
    optionA: `Option A of ${id}`,
    optionB: `Option B of ${id}`,
    im1Correct,
    im2Correct: im1Correct === 'A' ? 'B' : 'A',
    im1Local: `${id}1`,
    im2Local: `${id}2`,
    im1Path: `images/${id}_1.jpg`,
    im2Path: `images/${id}_2.jpg`,
    caption1: '',
    caption2: '',
    category1,
    category2,
    biomedClipSim: null,
    dinoSim: null,
    ...extra,
  };
}

export function makeDataset(pairs: ConfusionPair[], name = 'crafted'): Dataset {
  return {
    name,
    pairs,
    categories: [...OFFICIAL_CATEGORIES],
    categoryCounts: countCategories(pairs),
    hash: datasetHash(pairs),
  };
}

export function answersOf(entries: [string, Answer, Answer][]): PairAnswers {
  return new Map(entries.map(([id, a1, a2]) => [id, { 1: a1, 2: a2 }]));
}

/** Seeded random answers (A, B or invalid) for every pair of a dataset. */
export function randomAnswers(dataset: Dataset, random: () => number, invalidRate = 0.1): PairAnswers {
  const pick = (): Answer => (random() < invalidRate ? null : random() < 0.5 ? 'A' : 'B');
  return new Map(dataset.pairs.map((p) => [p.id, { 1: pick(), 2: pick() }]));
}
