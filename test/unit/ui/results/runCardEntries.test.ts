// The run card as the Results tab lists it: the fields a reader needs to reproduce the run, and the
// scoring mode that ran (cached or recomputed in full, and the cache self-check) in words.
import { describe, expect, it } from 'vitest';
import { buildRunCard } from '../../../../src/core/results/runCard.ts';
import { computeRunResults } from '../../../../src/core/results/runResults.ts';
import { modelSimilarityEntry, runCardEntries } from '../../../../src/ui/results/runCardEntries.ts';
import { officialDataset } from '../../core/fixtures.ts';
import { makeRun, randomRecords } from '../../core/results/fixtures.ts';

const run = makeRun('r1', officialDataset, { label: 'My SmolVLM', methods: ['GD', 'MC'] });
const records = randomRecords(officialDataset, ['GD', 'MC'], 5);
const results = computeRunResults(run, records, officialDataset);

describe('run card entries', () => {
  it('lists the run card fields a reader needs', () => {
    const entries = runCardEntries(buildRunCard(run, officialDataset, results));
    const terms = entries.map((e) => e.term);
    for (const t of [
      'Model',
      'Revision',
      'dtype',
      'Device',
      'Browser',
      'Library versions',
      'Prompt hashes',
      'Created',
      'Coverage',
    ]) {
      expect(terms).toContain(t);
    }
    expect(entries.find((e) => e.term === 'Library versions')!.details).toEqual([
      '@huggingface/transformers 4.3.1',
      'onnxruntime-web 1.31.0',
    ]);
    expect(entries.find((e) => e.term === 'Other settings')!.details).toEqual(['mode: cached']);
  });
});

describe('run card scoring entry', () => {
  const scoringEntry = (scoring: unknown) => {
    const scored = makeRun('s', officialDataset, { runCard: { ...run.runCard, scoring } });
    const entries = runCardEntries(buildRunCard(scored, officialDataset, null));
    return {
      scoring: entries.find((e) => e.term === 'Scoring')?.details,
      other: entries.find((e) => e.term === 'Other settings')?.details,
    };
  };

  it('says the image prefix was reused, and how the self-check went', () => {
    const cached = {
      modeRequested: 'cached',
      modeUsed: 'cached',
      cacheCheck: { passed: true, maxProbDiff: 2.5e-7, cases: 4 },
    };
    expect(scoringEntry(cached)).toEqual({
      scoring: [
        'cached (image prefix reused)',
        'self-check on the first image: passed, max |Δp| 2.5e-7 over 4 cases',
      ],
      // Shown under its own term, not repeated with the other settings.
      other: ['mode: cached'],
    });
  });

  it('names the tolerance the self-check used, its dtype, and whether near ties may differ', () => {
    const q8 = {
      modeRequested: 'cached',
      modeUsed: 'cached',
      cacheCheck: {
        passed: true,
        maxProbDiff: 0.043,
        cases: 6,
        tolerance: 0.1,
        toleranceDtype: 'q8',
        exactDecisions: false,
      },
    };
    expect(scoringEntry(q8).scoring).toEqual([
      'cached (image prefix reused)',
      'self-check on the first image: passed, max |Δp| 0.043 (tolerance 0.10 for q8, near-tied decisions may differ) over 6 cases',
    ]);
    const fp32 = {
      ...q8,
      cacheCheck: {
        ...q8.cacheCheck,
        maxProbDiff: 2e-7,
        tolerance: 1e-4,
        toleranceDtype: 'fp32',
        exactDecisions: true,
      },
    };
    expect(scoringEntry(fp32).scoring![1]).toBe(
      'self-check on the first image: passed, max |Δp| 2.0e-7 (tolerance 0.00010 for fp32) over 6 cases',
    );
  });

  it('says why a run was recomputed in full', () => {
    const full = {
      modeRequested: 'cached',
      modeUsed: 'full',
      modeReason: 'the self-check disagreed',
      cacheCheck: { passed: false, maxProbDiff: 0.0312, cases: 1 },
    };
    expect(scoringEntry(full).scoring).toEqual([
      'recomputed in full: the self-check disagreed',
      'self-check on the first image: failed, max |Δp| 0.031 over 1 case',
    ]);
    expect(scoringEntry({ modeRequested: 'full', modeUsed: 'full' }).scoring).toEqual([
      'recomputed in full (as asked)',
    ]);
  });

  it('says "not recorded" without a report, and leaves a malformed one with the other settings', () => {
    expect(
      runCardEntries(buildRunCard(run, officialDataset, null)).find((e) => e.term === 'Scoring'),
    ).toEqual({
      term: 'Scoring',
      details: ['not recorded'],
    });
    expect(scoringEntry({ modeUsed: 'turbo' })).toEqual({
      scoring: ['not recorded'],
      other: ['mode: cached', 'scoring: {"modeUsed":"turbo"}'],
    });
  });
});

describe('run card GD letter rule entry', () => {
  const ruleEntry = (patch: Partial<typeof run>) =>
    runCardEntries(
      buildRunCard(makeRun('l', officialDataset, { ...patch, methods: ['GD'] }), officialDataset, null),
    ).find((e) => e.term === 'GD letter rule')?.details;

  it('names the official rule as comparable with the paper, the others as not, with the spellings', () => {
    expect(ruleEntry({})).toEqual([
      'official: The tokens of encode("A") and encode("B"), as the official code and the paper.',
      'GD comparable with the paper’s Table 1 (its rule).',
    ]);
    const spellings = {
      A: [
        { tokenId: 82, text: 'A' },
        { tokenId: 273, text: ' A' },
      ],
      B: [
        { tokenId: 83, text: 'B' },
        { tokenId: 274, text: ' B' },
      ],
    };
    const written = ruleEntry({
      letterRule: 'as-written',
      runCard: { ...run.runCard, letterSpellings: spellings },
    })!;
    expect(written[0]).toMatch(/^as written: /);
    expect(written[1]).toBe('Not the paper’s rule: GD is not comparable with the paper’s Table 1.');
    expect(written[2]).toBe('spellings in this tokenizer: A: "A" 82, " A" 273 · B: "B" 83, " B" 274');
    expect(ruleEntry({ letterRule: 'both' })![0]).toMatch(/^both spellings: /);
  });

  it('says for how many images the model image similarity was kept', () => {
    const similarities = new Map([['1', { pairId: '1', similarity: 0.9, globalSimilarity: null }]]);
    const entry = modelSimilarityEntry({ images: 3, similarities });
    expect(entry.term).toBe('Model image similarity');
    expect(entry.details[0]).toBe('kept for 3 images (1 pair with both images)');
    expect(entry.details[1]).toMatch(/^cosine of the two images' mean image-feature vectors/);
  });
});
