// The published results as read from paper_results.json: Table 1, Table 2 and random guessing, and
// the normalisation of that file (values read, nulls dropped, defaults only for what is missing).
import { describe, expect, it } from 'vitest';
import { PAPER_RESULTS, normalizePaperResults } from '../../../../src/core/results/paperResults.ts';

describe('published results', () => {
  it('reads paper Table 1, Table 2 and random guessing', () => {
    expect(PAPER_RESULTS.table1).toHaveLength(12);
    expect(PAPER_RESULTS.table1[0]).toMatchObject({ model: 'Llama 3.2', bestSetAccuracy: 15.34 });
    // Methods a model was not evaluated with are absent, not 0.
    const gemini = PAPER_RESULTS.table1.find((r) => r.model === 'Gemini 1.5 Pro')!;
    expect(gemini.setAccuracy).toEqual({ MC: 19.89 });
    expect(PAPER_RESULTS.table2[0]!.byCategory.Cerebral).toEqual({
      setAccuracy: 21.52,
      individualAccuracy: 60.76,
    });
    expect(PAPER_RESULTS.random).toEqual({ setAccuracy: 25, individualAccuracy: 50, confusion: 50 });
  });

  it('reads random guessing from the file, falling back to 25 / 50 / 50 only when absent', () => {
    const read = normalizePaperResults({
      source: 'crafted',
      random_guessing: { set_acc: 30, individual_acc: 55, confusion: 40 },
      table1: [{ model: 'M', set_acc: { GD: 10, PS: null }, best_set_acc: null }],
    });
    expect(read.random).toEqual({ setAccuracy: 30, individualAccuracy: 55, confusion: 40 });
    expect(read.table1[0]).toMatchObject({ model: 'M', setAccuracy: { GD: 10 }, bestSetAccuracy: null });
    expect(normalizePaperResults({}).random).toEqual({
      setAccuracy: 25,
      individualAccuracy: 50,
      confusion: 50,
    });
  });
});
