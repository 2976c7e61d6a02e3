// The blind baseline: the same GD/PS questions asked with a blank (uniform mid-grey) image instead
// of the real one. Accuracy with the blank image, and the share of cases whose answer does not
// change when the real image is shown, tell whether a model looks at the image at all: a model
// that ignores it scores ~100 % "unchanged".
import { correctAnswer } from './answers.ts';
import { slotKey, type CaseRecord, type Dataset, type Method } from './types.ts';

export interface BlindBaseline {
  method: Method;
  /** Cases answered both with the real image and with the blank one. */
  casesCompared: number;
  /** % of compared cases answered correctly with the blank image. */
  blankAccuracy: number;
  /** % of compared cases answered correctly with the real image (same cases, for comparison). */
  realAccuracy: number;
  /** % of compared cases whose answer with the real image equals the answer with the blank image. */
  unchangedShare: number;
}

export function blindBaseline(
  dataset: Pick<Dataset, 'pairs'>,
  real: readonly CaseRecord[],
  blank: readonly CaseRecord[],
  method: Method,
): BlindBaseline {
  const pairs = new Map(dataset.pairs.map((p) => [p.id, p]));
  const blankByCase = new Map(blank.filter((r) => r.method === method).map((r) => [slotKey(r), r]));
  let compared = 0;
  let blankCorrect = 0;
  let realCorrect = 0;
  let unchanged = 0;
  for (const r of real) {
    if (r.method !== method) continue;
    const b = blankByCase.get(slotKey(r));
    const pair = pairs.get(r.pairId);
    if (!b || !pair) continue;
    compared++;
    const truth = correctAnswer(pair, r.slot);
    if (b.answer === truth) blankCorrect++;
    if (r.answer === truth) realCorrect++;
    if (b.answer === r.answer) unchanged++;
  }
  const pct = (n: number) => (compared === 0 ? 0 : (n / compared) * 100);
  return {
    method,
    casesCompared: compared,
    blankAccuracy: pct(blankCorrect),
    realAccuracy: pct(realCorrect),
    unchangedShare: pct(unchanged),
  };
}
