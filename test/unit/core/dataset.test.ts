import { describe, expect, it } from 'vitest';
import {
  countCategories,
  parseDataset,
  parseDatasetCsv,
  parseDatasetJson,
} from '../../../src/core/dataset.ts';
import { datasetToCsv } from '../../../src/core/datasetCsv.ts';
import { DatasetError, OFFICIAL_CATEGORIES } from '../../../src/core/datasetFields.ts';
import { locateJsonError } from '../../../src/core/datasetJson.ts';
import { officialDataset, officialDatasetText, officialStatistics } from './fixtures.ts';

const goodRaw = () => ({
  im_1: 'train/radiology/images/ROCO_1.jpg',
  im_2: 'train/radiology/images/ROCO_2.jpg',
  im_1_local: 1,
  im_2_local: 2,
  cap_1: 'cap one',
  cap_2: 'cap two',
  category_1: ['Cerebral'],
  category_2: ['Cerebral', 'Vascular'],
  BiomedCLIP_sim: 0.9,
  DINO_sim: 0.6,
  question: 'What is shown?',
  option_A: 'An aneurysm',
  option_B: 'A stenosis',
  im_1_correct: 'A',
  im_2_correct: 'B',
});

function withPair(patch: Record<string, unknown>, drop: string[] = []): string {
  const bad: Record<string, unknown> = { ...goodRaw(), ...patch };
  for (const k of drop) delete bad[k];
  return JSON.stringify({ '10001': goodRaw(), '10003': bad });
}

function errorOf(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    return e as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('official dataset', () => {
  it('refuses a text beyond its field limit, naming pair, field, length and limit', () => {
    const e = errorOf(() => parseDatasetJson(withPair({ question: 'x'.repeat(5_000_000) })));
    expect(e.pairId).toBe('10003');
    expect(e.field).toBe('question');
    expect(e.message).toBe(
      'pair 10003: field "question" is 5,000,000 characters long; it can be at most 2,000 characters',
    );
    expect(errorOf(() => parseDatasetJson(withPair({ cap_2: 'c'.repeat(10_001) }))).field).toBe('cap_2');
    expect(errorOf(() => parseDatasetJson(withPair({ im_1_correct: 'C'.repeat(1000) }))).message).toContain(
      '(1,000 characters)',
    );
    expect(parseDatasetJson(withPair({ question: 'q'.repeat(2000) })).pairs[1]!.question).toHaveLength(2000);
  });

  it('loads 176 pairs and 228 unique local images', () => {
    expect(officialDataset.pairs).toHaveLength(176);
    const locals = new Set(officialDataset.pairs.flatMap((p) => [p.im1Local, p.im2Local]));
    expect(locals.size).toBe(228);
  });

  it('has the statistics.json categories, in order, and counts equal to statistics.json', () => {
    expect(countCategories(officialDataset.pairs)).toEqual(officialStatistics);
    expect(officialDataset.categoryCounts).toEqual(officialStatistics);
    // toEqual ignores key order: the counts must also come in statistics.json (display) order,
    // whether counted from the pairs or given in another order.
    const order = Object.keys(officialStatistics);
    expect(Object.keys(countCategories([...officialDataset.pairs].reverse()))).toEqual(order);
    const reversed = Object.fromEntries(Object.entries(officialStatistics).reverse());
    const given = parseDatasetJson(officialDatasetText, { categoryCounts: reversed });
    expect(Object.keys(given.categoryCounts)).toEqual(order);
    expect(given.categoryCounts).toEqual(officialStatistics);
  });

  it('maps the official fields', () => {
    const p = officialDataset.pairs[0];
    expect(p).toMatchObject({
      id: '10001',
      im1Correct: 'A',
      im2Correct: 'B',
      im1Local: '20192',
      im2Local: '20053',
      im1Path: 'train/radiology/images/ROCO_28778.jpg',
      category1: ['Cerebral', 'Vascular'],
      biomedClipSim: 0.9245057,
      dinoSim: 0.6720365,
      question: 'What do you see on this angiogram of the internal carotid artery?',
      optionA: 'Terminating into the ophthalmic artery with no cerebral contribution',
    });
    expect(officialDataset.pairs.map((q) => q.id).slice(-1)).toEqual(['10176']);
  });

  it('every pair has different correct options for its two images', () => {
    for (const p of officialDataset.pairs) expect(p.im1Correct).not.toBe(p.im2Correct);
  });

  it('has a stable hash, independent of key order in the file', () => {
    expect(officialDataset.hash).toMatch(/^[0-9a-f]{16}$/);
    const reordered: Record<string, unknown> = {};
    for (const [id, raw] of Object.entries(JSON.parse(officialDatasetText) as Record<string, object>)) {
      reordered[id] = Object.fromEntries(Object.entries(raw).reverse());
    }
    expect(parseDatasetJson(JSON.stringify(reordered)).hash).toBe(officialDataset.hash);
  });

  it('round-trips through CSV with the same hash', () => {
    const csv = datasetToCsv(officialDataset);
    const back = parseDatasetCsv(csv);
    expect(back.hash).toBe(officialDataset.hash);
    expect(back.pairs).toEqual(officialDataset.pairs);
  });
});

describe('parseDatasetJson errors (all-or-nothing, naming pair and field)', () => {
  it('rejects text that is not JSON, with the position', () => {
    const e = errorOf(() => parseDatasetJson('{"10001": {"question": }'));
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.message).toMatch(/position 23, line 1 column 24/);
  });

  it('rejects JSON that is not an object', () => {
    expect(errorOf(() => parseDatasetJson('42')).message).toMatch(/must be a JSON object keyed by pair id/);
    expect(errorOf(() => parseDatasetJson('null')).message).toMatch(/JSON object/);
    expect(errorOf(() => parseDatasetJson('{}')).message).toMatch(/no pairs/);
  });

  it('rejects a pair that is not an object', () => {
    const e = errorOf(() => parseDatasetJson('{"10003": "x"}'));
    expect(e.pairId).toBe('10003');
    expect(e.message).toBe('pair 10003: must be an object (got "x")');
  });

  it.each([
    ['question', { question: '  ' }, [], /must not be empty/],
    ['question', {}, ['question'], /must be a non-empty string \(got nothing\)/],
    ['option_A', { option_A: '' }, [], /must not be empty/],
    ['option_B', {}, ['option_B'], /got nothing/],
    ['option_B', { option_B: 7 }, [], /got 7/],
  ])('rejects missing or empty text field %s', (field, patch, drop, pattern) => {
    const e = errorOf(() => parseDatasetJson(withPair(patch, drop)));
    expect(e.pairId).toBe('10003');
    expect(e.field).toBe(field);
    expect(e.message).toMatch(`pair 10003: field "${field}"`);
    expect(e.message).toMatch(pattern);
  });

  it('rejects a correct answer that is not A or B', () => {
    const e = errorOf(() => parseDatasetJson(withPair({ im_1_correct: 'C' })));
    expect(e.message).toBe('pair 10003: field "im_1_correct" must be "A" or "B" (got "C")');
    expect(e.field).toBe('im_1_correct');
    expect(errorOf(() => parseDatasetJson(withPair({ im_2_correct: 'a' }))).field).toBe('im_2_correct');
  });

  it('rejects a pair whose two images have the same correct option', () => {
    const e = errorOf(() => parseDatasetJson(withPair({ im_1_correct: 'B', im_2_correct: 'B' })));
    expect(e.pairId).toBe('10003');
    expect(e.field).toBe('im_2_correct');
    expect(e.message).toMatch(/different correct options/);
  });

  it('rejects unknown, empty, malformed or repeated category lists', () => {
    let e = errorOf(() => parseDatasetJson(withPair({ category_2: ['Cerebral', 'Dermatology'] })));
    expect(e.message).toMatch(/^pair 10003: field "category_2" has unknown category "Dermatology"/);
    e = errorOf(() => parseDatasetJson(withPair({ category_1: [] })));
    expect(e.message).toBe('pair 10003: field "category_1" must name at least one category');
    e = errorOf(() => parseDatasetJson(withPair({ category_1: 'Cerebral' })));
    expect(e.message).toMatch(/field "category_1" must be a list/);
    e = errorOf(() => parseDatasetJson(withPair({ category_1: ['Spinal', 'Spinal'] })));
    expect(e.message).toMatch(/twice/);
  });

  it('rejects missing local image ids', () => {
    let e = errorOf(() => parseDatasetJson(withPair({}, ['im_1_local'])));
    expect(e.field).toBe('im_1_local');
    expect(e.message).toMatch(/pair 10003: field "im_1_local" must be a local image id/);
    e = errorOf(() => parseDatasetJson(withPair({ im_2_local: -3 })));
    expect(e.field).toBe('im_2_local');
  });

  it('rejects non-numeric similarities', () => {
    expect(errorOf(() => parseDatasetJson(withPair({ DINO_sim: 'high' }))).field).toBe('DINO_sim');
  });

  it('rejects duplicate pair ids (which JSON.parse would silently merge)', () => {
    const text = `{"10003": ${JSON.stringify(goodRaw())}, "10004": ${JSON.stringify(goodRaw())}, "10003": ${JSON.stringify(goodRaw())}}`;
    const e = errorOf(() => parseDatasetJson(text));
    expect(e.pairId).toBe('10003');
    expect(e.message).toBe('pair 10003: duplicate pair id');
  });

  it('accepts a list of pairs with ids and rejects duplicate ids there too', () => {
    const list = [
      { id: '1', ...goodRaw() },
      { id: '2', ...goodRaw() },
    ];
    expect(parseDatasetJson(JSON.stringify(list)).pairs.map((p) => p.id)).toEqual(['1', '2']);
    expect(errorOf(() => parseDatasetJson(JSON.stringify([list[0], list[0]]))).pairId).toBe('1');
  });

  it('keeps the file order of pair ids and optional fields default sensibly', () => {
    const minimal = goodRaw() as Record<string, unknown>;
    for (const k of ['im_1', 'im_2', 'cap_1', 'cap_2', 'BiomedCLIP_sim', 'DINO_sim']) delete minimal[k];
    const d = parseDatasetJson(JSON.stringify({ b: minimal, a: goodRaw() }), { name: 'x' });
    expect(d.name).toBe('x');
    expect(d.pairs.map((p) => p.id)).toEqual(['b', 'a']);
    expect(d.pairs[0]).toMatchObject({ im1Path: '', caption1: '', biomedClipSim: null, dinoSim: null });
  });

  it('validates supplied category counts', () => {
    const counts = Object.fromEntries(OFFICIAL_CATEGORIES.map((c) => [c, 1]));
    expect(parseDatasetJson(withPair({}), { categoryCounts: counts }).categoryCounts).toEqual(counts);
    expect(() => parseDatasetJson(withPair({}), { categoryCounts: { ...counts, Foo: 1 } })).toThrow(
      /unknown/,
    );
    expect(() => parseDatasetJson(withPair({}), { categoryCounts: { ...counts, Spinal: -1 } })).toThrow(
      /non-negative integer/,
    );
  });
});

describe('locateJsonError', () => {
  it('points at the first offending character', () => {
    expect(locateJsonError('[1,]').position).toBe(3);
    expect(locateJsonError('{"a":1}\n x')).toEqual({ position: 9, line: 2, column: 2 });
    expect(locateJsonError('"abc').position).toBe(4);
    expect(locateJsonError('{"a": tru}').position).toBe(9);
  });
});

describe('parseDatasetCsv', () => {
  const header =
    'id,question,option_A,option_B,im_1_correct,im_2_correct,im_1_local,im_2_local,category_1,category_2';

  it('reads quoted fields and ;-separated categories', () => {
    const csv = `${header}\r\n7,"What, exactly?","say ""A""","multi\nline",B,A,11,12,"Cerebral; Vascular",Spinal\r\n`;
    const d = parseDatasetCsv(csv);
    expect(d.pairs[0]).toMatchObject({
      id: '7',
      question: 'What, exactly?',
      optionA: 'say "A"',
      optionB: 'multi\nline',
      im1Correct: 'B',
      im2Correct: 'A',
      im1Local: '11',
      category1: ['Cerebral', 'Vascular'],
      category2: ['Spinal'],
      biomedClipSim: null,
    });
  });

  it('detects duplicate ids by the id column', () => {
    const row = (id: string) => `${id},Q,a,b,A,B,1,2,Cerebral,Cerebral`;
    const e = errorOf(() => parseDatasetCsv([header, row('1'), row('2'), row('1')].join('\n')));
    expect(e.pairId).toBe('1');
    expect(e.message).toBe('pair 1: duplicate pair id (CSV rows 1 and 3)');
  });

  it('applies the same per-pair rules as JSON', () => {
    const e = errorOf(() => parseDatasetCsv(`${header}\n10003,Q,a,b,C,B,1,2,Cerebral,Cerebral`));
    expect(e.message).toBe('pair 10003: field "im_1_correct" must be "A" or "B" (got "C")');
    const empty = errorOf(() => parseDatasetCsv(`${header}\n10003,Q,a,b,A,B,1,2,,Cerebral`));
    expect(empty.field).toBe('category_1');
    const local = errorOf(() => parseDatasetCsv(`${header}\n10003,Q,a,b,A,B,,2,Spinal,Cerebral`));
    expect(local.field).toBe('im_1_local');
  });

  it('rejects missing columns, ragged rows and broken quoting', () => {
    expect(() => parseDatasetCsv('id,question\n1,Q')).toThrow(/missing column "option_A"/);
    expect(() => parseDatasetCsv(`${header}\n1,Q,a`)).toThrow(/row 1 has 3 cells/);
    expect(() => parseDatasetCsv(`${header}\n1,"Q`)).toThrow(/not valid CSV/);
    expect(() => parseDatasetCsv('')).toThrow(/empty/);
  });
});

describe('parseDataset', () => {
  it('chooses the reader by extension, else by content, and names the dataset after the file', () => {
    expect(parseDataset(officialDatasetText, 'data/dataset.json').name).toBe('dataset');
    const csv = datasetToCsv(officialDataset);
    expect(parseDataset(csv, 'my set.CSV').hash).toBe(officialDataset.hash);
    expect(parseDataset(csv, 'upload').pairs).toHaveLength(176);
    expect(parseDataset(officialDatasetText, 'upload').pairs).toHaveLength(176);
  });
});
