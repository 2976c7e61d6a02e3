// What the Results tables and charts show: row order, cells with intervals and the chance marker,
// "—" for methods not run, Table 2 per category with the best method, and the number formats.
import { describe, expect, it } from 'vitest';
import { PAPER_RESULTS } from '../../../../src/core/results/paperResults.ts';
import { computeRunResults } from '../../../../src/core/results/runResults.ts';
import {
  axisMax,
  bestPublishedByCategory,
  bestSetBars,
  formatInterval,
  formatValue,
  table1Rows,
  table2Rows,
} from '../../../../src/core/results/tableRows.ts';
import { officialDataset } from '../fixtures.ts';
import { makeRun, randomRecords } from './fixtures.ts';

const run = makeRun('r1', officialDataset, {
  label: 'My SmolVLM',
  name: 'My SmolVLM',
  methods: ['GD', 'MC'],
});
const records = randomRecords(officialDataset, ['GD', 'MC'], 5);
const results = computeRunResults(run, records, officialDataset);

describe('Table 1 rows', () => {
  const rows = table1Rows([{ run, results }]);

  it('lists the runs, then the published models, then random guessing', () => {
    expect(rows.map((r) => r.kind)).toEqual(['run', ...PAPER_RESULTS.table1.map(() => 'paper'), 'random']);
    expect(rows[0]).toMatchObject({ label: 'My SmolVLM', runId: 'r1' });
    expect(rows.at(-1)).toMatchObject({
      label: 'Random guessing',
      bestSet: { value: 25 },
      bestIndividual: { value: 50 },
    });
    expect(rows.at(-1)!.confusion.GD.value).toBe(50);
  });

  it('gives the run’s cells with intervals and p-values, and — for methods not run', () => {
    const row = rows[0]!;
    const gd = results.byMethod.GD!;
    expect(row.setAccuracy.GD).toEqual({
      value: gd.metrics.setAccuracy,
      interval: gd.setAccuracyCI,
      pValue: gd.vsRandom!.pValue,
      significant: gd.vsRandom!.significant,
    });
    expect(row.individualAccuracy.MC.interval).toEqual(results.byMethod.MC!.individualAccuracyCI);
    expect(row.confusion.MC).toEqual({ value: results.byMethod.MC!.metrics.confusion });
    expect(row.setAccuracy.PS).toEqual({ value: null, reason: 'not run' });
    expect(row.setAccuracy.FF).toEqual({ value: null, reason: 'not run' });
    expect(row.invalid.MC).toEqual({ value: results.byMethod.MC!.metrics.invalidRate });
    expect(row.invalid.PS.reason).toBe('not run');
    expect(row.bestSet.method).toBe(results.best.bestSetMethod);
    expect(row.bestSet.value).toBe(results.best.bestSetAccuracy);
    // Published methods a model was not evaluated with stay empty.
    expect(rows.find((r) => r.label === 'GPT-4o')!.setAccuracy.GD).toEqual({
      value: null,
      reason: 'not in the paper',
    });
  });

  it('notes partial runs', () => {
    const partial = computeRunResults(run, records.slice(0, 40), officialDataset);
    expect(table1Rows([{ run, results: partial }])[0]!.note).toBe(
      'partial: 10 of 176 pairs answered by every method',
    );
  });
});

describe('charts and Table 2', () => {
  it('puts run bars first, then the published models highest first', () => {
    const bars = bestSetBars([{ run, results }]);
    expect(bars[0]).toMatchObject({ kind: 'run', label: 'My SmolVLM', method: results.best.bestSetMethod });
    const published = bars.slice(1).map((b) => b.value);
    expect(published).toEqual([...published].sort((a, b) => b - a));
    expect(published).toHaveLength(12);
  });

  it('shows per-category numbers of the best method, or of a chosen one', () => {
    const cats = officialDataset.categories;
    const best = results.best.bestSetMethod!;
    const rows = table2Rows([{ run, results }], cats, 'setAccuracy', 'best');
    expect(rows[0]!.methodLabel).toBe(best);
    expect(rows[0]!.values.Cerebral).toBe(results.byMethod[best]!.metrics.byCategory.Cerebral!.setAccuracy);
    const mc = table2Rows([{ run, results }], cats, 'individualAccuracy', 'MC');
    expect(mc[0]!.values.Cardiac).toBe(results.byMethod.MC!.metrics.byCategory.Cardiac!.individualAccuracy);
    expect(table2Rows([{ run, results }], cats, 'setAccuracy', 'PS')[0]!.values.Cardiac).toBeNull();
    expect(rows.at(-1)!.values.Cerebral).toBe(25);
    expect(mc.at(-1)!.values.Cerebral).toBe(50);
    expect(bestPublishedByCategory(cats, 'setAccuracy').Pulmonary).toEqual({ value: 35, model: 'GPT-4o' });
  });
});

describe('formats', () => {
  it('writes values like the official tables and intervals with one decimal', () => {
    expect(formatValue(12.5)).toBe('12.50');
    expect(formatValue(15.340909)).toBe('15.34');
    expect(formatInterval(8.04, 17.55)).toBe('8.0–17.6');
    expect(`${formatValue(12.5)} (${formatInterval(8, 17.6)})`).toBe('12.50 (8.0–17.6)');
    expect(axisMax([12, 31.2])).toBe(40);
    expect(axisMax([12, 41])).toBe(50);
  });
});
