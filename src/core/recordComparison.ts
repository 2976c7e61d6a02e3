// Comparing two sets of case records for the same cases: which decisions and generated texts
// differ, and the largest difference of the probabilities behind them (GD letter probabilities,
// PS prefix scores). Used by the engine's cache self-check (core/run/cacheCheck, which holds the
// tolerances) and by the tests that compare backends and strategies.
import { caseIdOf, type CaseRecord } from './types.ts';

export interface RecordComparison {
  compared: number;
  /** Largest |Δ| over GD probabilities and PS prefix scores. */
  maxProbDiff: number;
  answerMismatches: string[];
  textMismatches: string[];
  missing: string[];
}

export function compareCaseRecords(a: readonly CaseRecord[], b: readonly CaseRecord[]): RecordComparison {
  const byKey = new Map(b.map((r) => [caseIdOf(r), r]));
  const out: RecordComparison = {
    compared: 0,
    maxProbDiff: 0,
    answerMismatches: [],
    textMismatches: [],
    missing: [],
  };
  for (const r of a) {
    const o = byKey.get(caseIdOf(r));
    if (!o) {
      out.missing.push(caseIdOf(r));
      continue;
    }
    out.compared++;
    if (r.answer !== o.answer) out.answerMismatches.push(caseIdOf(r));
    if (r.probabilities && o.probabilities) {
      out.maxProbDiff = Math.max(out.maxProbDiff, Math.abs(r.probabilities.A - o.probabilities.A));
    }
    if (r.prefixScores && o.prefixScores) {
      out.maxProbDiff = Math.max(
        out.maxProbDiff,
        Math.abs(r.prefixScores.A - o.prefixScores.A),
        Math.abs(r.prefixScores.B - o.prefixScores.B),
      );
    }
    if (r.generatedText !== o.generatedText) out.textMismatches.push(caseIdOf(r));
  }
  return out;
}
