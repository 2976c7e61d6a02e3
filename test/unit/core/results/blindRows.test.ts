// The blind-baseline table: which runs are blank-image siblings, how a run finds its sibling, and
// rows equal to core blindBaseline on each run's effective cases (other prompts never mix in).
import { describe, expect, it } from 'vitest';
import { blindBaseline } from '../../../../src/core/blind.ts';
import type { CaseRecord } from '../../../../src/core/types.ts';
import { blindSiblingOf, blindTableRows, isBlindRun } from '../../../../src/core/results/blindRows.ts';
import { officialDataset } from '../fixtures.ts';
import { makeRun, randomRecords } from './fixtures.ts';

const real = randomRecords(officialDataset, ['GD', 'PS', 'MC'], 3);
const blank = randomRecords(officialDataset, ['GD', 'PS'], 5);
const mainRun = makeRun('main', officialDataset, { promptHashes: { GD: 'g', PS: 'p', MC: 'm' } });
const blindRun = makeRun('blind', officialDataset, {
  imageCondition: 'blank',
  runCard: { blindOf: 'main' },
  promptHashes: { GD: 'g', PS: 'p' },
});

describe('blind baseline table', () => {
  it('tells blind runs apart and finds a run’s sibling', () => {
    expect(isBlindRun(blindRun)).toBe(true);
    expect(isBlindRun(mainRun)).toBe(false);
    expect(blindSiblingOf([mainRun, blindRun], 'main')?.id).toBe('blind');
    expect(blindSiblingOf([mainRun, blindRun], 'blind')).toBeNull();
    expect(blindSiblingOf([mainRun], 'main')).toBeNull();
  });

  it('has one row per GD/PS method, equal to core blindBaseline', () => {
    const rows = blindTableRows(
      officialDataset,
      { run: mainRun, cases: real },
      { run: blindRun, cases: blank },
    );
    expect(rows.map((r) => r.method)).toEqual(['GD', 'PS']);
    for (const row of rows) {
      expect(row).toEqual(blindBaseline(officialDataset, real, blank, row.method));
      expect(row.casesCompared).toBe(officialDataset.pairs.length * 2);
    }
  });

  it('ignores cases stored with another prompt', () => {
    const stale: (CaseRecord & { promptHash: string; computedAt: number })[] = blank
      .filter((r) => r.method === 'GD')
      .map((r) => ({ ...r, answer: r.answer === 'A' ? 'B' : 'A', promptHash: 'old', computedAt: 9e12 }));
    const fresh = blank.map((r) => ({ ...r, promptHash: r.method === 'GD' ? 'g' : 'p', computedAt: 1 }));
    const rows = blindTableRows(
      officialDataset,
      { run: mainRun, cases: real },
      { run: blindRun, cases: [...fresh, ...stale] },
    );
    expect(rows[0]).toEqual(blindBaseline(officialDataset, real, blank, 'GD'));
  });

  it('has no row for a method without blank answers', () => {
    const rows = blindTableRows(
      officialDataset,
      { run: mainRun, cases: real },
      { run: blindRun, cases: blank.filter((r) => r.method === 'PS') },
    );
    expect(rows.map((r) => r.method)).toEqual(['PS']);
  });
});
