// Comparing two runs of the same model on the same questions that differ only in a scoring setting
// (dtype, device, the scoring mode that ran, and any other setting of the run's identity that is
// not in MUST_MATCH): per method, how many answers flipped, the agreement rate with its Wilson 95 %
// interval, and the change in set accuracy with the exact McNemar test on the pairs' paired
// correctness. Runs that differ in anything that would make the difference meaningless (question
// set, model, revision, engine version, image condition) are refused with the reasons. The Results
// tab and `npm run compare` both read this. Pure.
import { pairAnswersFromRecords } from '../metrics.ts';
import type { RunRecord } from '../run/records.ts';
import { mcnemarExact, wilsonInterval, type ConfidenceInterval, type McNemarResult } from '../statistics.ts';
import type { Answer, CaseRecord, Dataset, Method, PairAnswers } from '../types.ts';
import { answerLookup, flippedSlots } from './pairFilters.ts';
import { letterRuleOf, preprocessingOf, runSetup, scoringOf, UNKNOWN } from './runCard.ts';
import { letterRulePromptHash } from '../run/identity.ts';
import { DEFAULT_LETTER_RULE } from '../run/letterRules.ts';
import { effectiveCases, runMethods, type MaybeStored } from './runResults.ts';

export const COMPARISON_FORMAT = 'mediconfusion-run-comparison';
export const COMPARISON_VERSION = 1;

/** One run as compared: its record and its stored (or imported) cases. */
export interface ComparedRun {
  run: RunRecord;
  cases: readonly MaybeStored[];
}

/** A setting two compared runs may differ in, and how to read it from a run. */
interface ComparableSetting {
  name: string;
  read(run: RunRecord): string;
}

/**
 * The settings a comparison may span, shown as "A → B" where they differ. Any other field of the
 * run's identity not in MUST_MATCH may differ too; it changes the run id, and the two run ids are
 * always shown.
 */
export const COMPARABLE_SETTINGS: readonly ComparableSetting[] = [
  { name: 'dtype', read: (r) => runSetup(r).dtype },
  { name: 'device', read: (r) => runSetup(r).device },
  { name: 'scoring mode', read: (r) => scoringOf(r)?.modeUsed ?? UNKNOWN },
  { name: 'GD letter rule', read: (r) => letterRuleOf(r) },
  { name: 'image preprocessing', read: (r) => preprocessingOf(r)?.choice ?? UNKNOWN },
];

/**
 * Whether two runs asked the same method's prompts. GD's prompt hash also carries a non-official
 * letter rule (the same template read under another rule), so a GD hash under another rule is
 * matched by re-deriving it from the official-rule run's hash.
 */
function samePrompts(m: Method, a: RunRecord, b: RunRecord, ha: string, hb: string): boolean {
  if (ha === hb) return true;
  if (m !== 'GD') return false;
  const [ra, rb] = [letterRuleOf(a), letterRuleOf(b)];
  if (ra === UNKNOWN || rb === UNKNOWN) return false;
  if (ra === DEFAULT_LETTER_RULE) return letterRulePromptHash(ha, rb) === hb;
  if (rb === DEFAULT_LETTER_RULE) return letterRulePromptHash(hb, ra) === ha;
  return false;
}

/** What must be the same in both runs for a difference to be the setting's, with how to say it. */
const MUST_MATCH: readonly {
  name: string;
  read(run: RunRecord): string;
}[] = [
  { name: 'question set (dataset hash)', read: (r) => r.datasetHash },
  { name: 'model', read: (r) => runSetup(r).modelId },
  { name: 'model revision', read: (r) => runSetup(r).revision },
  { name: 'engine version', read: (r) => (r.engineVersion === '' ? UNKNOWN : r.engineVersion) },
  {
    name: 'image condition',
    read: (r) => (r.imageCondition === 'blank' ? 'blank image (blind baseline)' : 'real image'),
  },
];

export interface RunSide {
  id: string;
  label: string;
  /** COMPARABLE_SETTINGS by name. */
  settings: Record<string, string>;
}

export interface MethodComparison {
  method: Method;
  /** Images answered in both runs. */
  casesCompared: number;
  /** Of those, images whose answer differs (A vs B, or a letter vs invalid). */
  casesFlipped: number;
  /** Share of compared images with the same answer, in percent, with its Wilson 95 % interval; null when none is compared. */
  agreement: ConfidenceInterval | null;
  /** Pairs with both images answered in both runs: the pairs the paired test counts. */
  pairsCompared: number;
  /** Set accuracy (both images right) over those pairs, in percent; null when none. */
  setAccuracyA: number | null;
  setAccuracyB: number | null;
  /** B − A in percentage points. */
  delta: number | null;
  /** b: pairs right in A only; c: right in B only. */
  mcnemar: McNemarResult;
  /** Pairs with at least one flipped image, in dataset order (the Explorer's "flipped" filter). */
  flippedPairIds: string[];
}

export interface RunComparison {
  comparable: true;
  a: RunSide;
  b: RunSide;
  /** COMPARABLE_SETTINGS that differ. */
  differences: { setting: string; a: string; b: string }[];
  methods: MethodComparison[];
  /** Methods of either run left out, with why. */
  skipped: { method: Method; reason: string }[];
}

export interface ComparisonRefusal {
  comparable: false;
  reasons: string[];
}

export const COMPARISON_STATISTICS = {
  agreementInterval: 'Wilson score interval, 95 %',
  pairedTest: 'exact McNemar test, two-sided: p = min(1, 2 · P[X ≤ min(b, c)]), X ~ Binomial(b + c, 1/2)',
  flipped: 'an image whose answer differs between the runs (a letter against invalid counts)',
  setCorrect: 'both images of a pair answered correctly',
} as const;

function side(run: RunRecord): RunSide {
  return {
    id: run.id,
    label: run.label,
    settings: Object.fromEntries(COMPARABLE_SETTINGS.map((s) => [s.name, s.read(run)])),
  };
}

/** Why these two runs cannot be compared; empty when they can. */
export function comparisonRefusals(a: RunRecord, b: RunRecord, dataset: Dataset): string[] {
  const reasons: string[] = [];
  if (a.id === b.id) return ['Choose two different runs: a run compared with itself has nothing to show.'];
  for (const f of MUST_MATCH) {
    const x = f.read(a);
    const y = f.read(b);
    if (x === UNKNOWN || y === UNKNOWN) {
      const which = x === UNKNOWN ? a : b;
      reasons.push(
        `“${which.label}” does not record its ${f.name}, so the runs cannot be shown to share it.`,
      );
    } else if (x !== y) {
      reasons.push(`They differ in ${f.name} (${x} vs ${y}): only a scoring setting may differ.`);
    }
  }
  if (a.datasetHash === b.datasetHash && a.datasetHash !== dataset.hash) {
    reasons.push(`They answer another question set than the loaded dataset “${dataset.name}”.`);
  }
  return reasons;
}

function isRight(answer: Answer | undefined, correct: Answer): boolean {
  return answer !== undefined && answer === correct;
}

function compareMethod(
  method: Method,
  dataset: Dataset,
  answersA: PairAnswers,
  answersB: PairAnswers,
): MethodComparison {
  const lookupA = answerLookup(answersA);
  const lookupB = answerLookup(answersB);
  let casesCompared = 0;
  let casesFlipped = 0;
  let pairsCompared = 0;
  let rightA = 0;
  let rightB = 0;
  let b = 0;
  let c = 0;
  const flippedPairIds: string[] = [];
  for (const pair of dataset.pairs) {
    const x = answersA.get(pair.id);
    const y = answersB.get(pair.id);
    for (const slot of [1, 2] as const)
      if (x?.[slot] !== undefined && y?.[slot] !== undefined) casesCompared++;
    const flipped = flippedSlots(pair.id, lookupA, lookupB);
    casesFlipped += flipped.length;
    if (flipped.length > 0) flippedPairIds.push(pair.id);
    if (x?.[1] === undefined || x[2] === undefined || y?.[1] === undefined || y[2] === undefined) continue;
    pairsCompared++;
    const setA = isRight(x[1], pair.im1Correct) && isRight(x[2], pair.im2Correct);
    const setB = isRight(y[1], pair.im1Correct) && isRight(y[2], pair.im2Correct);
    if (setA) rightA++;
    if (setB) rightB++;
    if (setA && !setB) b++;
    if (!setA && setB) c++;
  }
  let agreement: ConfidenceInterval | null = null;
  if (casesCompared > 0) {
    const w = wilsonInterval(casesCompared - casesFlipped, casesCompared);
    agreement = { estimate: w.estimate * 100, lower: w.lower * 100, upper: w.upper * 100 };
  }
  const pct = (k: number) => (pairsCompared > 0 ? (k / pairsCompared) * 100 : null);
  const setAccuracyA = pct(rightA);
  const setAccuracyB = pct(rightB);
  return {
    method,
    casesCompared,
    casesFlipped,
    agreement,
    pairsCompared,
    setAccuracyA,
    setAccuracyB,
    delta: setAccuracyA !== null && setAccuracyB !== null ? setAccuracyB - setAccuracyA : null,
    mcnemar: mcnemarExact(b, c),
    flippedPairIds,
  };
}

/**
 * Compares run B with run A (A is the reference: Δ = B − A, b = right in A only). Refused when the
 * runs differ in anything but scoring settings, or share no method with the same prompt.
 */
export function compareRuns(
  a: ComparedRun,
  b: ComparedRun,
  dataset: Dataset,
): RunComparison | ComparisonRefusal {
  const reasons = comparisonRefusals(a.run, b.run, dataset);
  if (reasons.length > 0) return { comparable: false, reasons };
  const casesA = effectiveCases(a.run, a.cases);
  const casesB = effectiveCases(b.run, b.cases);
  const methodsA = runMethods(a.run, casesA);
  const methodsB = runMethods(b.run, casesB);
  const skipped: RunComparison['skipped'] = [];
  const methods: MethodComparison[] = [];
  for (const m of [...new Set([...methodsA, ...methodsB])]) {
    const missing = !methodsA.includes(m) ? a.run : !methodsB.includes(m) ? b.run : null;
    if (missing) {
      skipped.push({ method: m, reason: `“${missing.label}” has no ${m} answers` });
      continue;
    }
    const [ha, hb] = [a.run.promptHashes[m], b.run.promptHashes[m]];
    if (ha === undefined || hb === undefined) {
      skipped.push({
        method: m,
        reason: `“${(ha === undefined ? a : b).run.label}” does not record its ${m} prompt`,
      });
      continue;
    }
    if (!samePrompts(m, a.run, b.run, ha, hb)) {
      skipped.push({
        method: m,
        reason: `the ${m} prompts differ (${ha} vs ${hb})${m === 'FF' ? ': another judge or FF settings' : ''}`,
      });
      continue;
    }
    const comparison = compareMethod(m, dataset, answersOf(casesA, m), answersOf(casesB, m));
    if (comparison.casesCompared === 0) {
      skipped.push({ method: m, reason: `no image has a ${m} answer in both runs` });
      continue;
    }
    methods.push(comparison);
  }
  if (methods.length === 0) {
    return {
      comparable: false,
      reasons: [
        'They share no method with answers to the same images and the same prompt.',
        ...skipped.map((s) => `${s.method}: ${s.reason}.`),
      ],
    };
  }
  const sa = side(a.run);
  const sb = side(b.run);
  const differences = COMPARABLE_SETTINGS.filter((s) => sa.settings[s.name] !== sb.settings[s.name]).map(
    (s) => ({ setting: s.name, a: sa.settings[s.name]!, b: sb.settings[s.name]! }),
  );
  return { comparable: true, a: sa, b: sb, differences, methods, skipped };
}

function answersOf(cases: readonly CaseRecord[], method: Method): PairAnswers {
  return pairAnswersFromRecords(cases, method);
}

/** The comparison as one JSON document (the CLI writes it; the Results tab offers it for download). */
export function comparisonJson(
  comparison: RunComparison,
  dataset: Pick<Dataset, 'name' | 'hash'>,
): Record<string, unknown> {
  return {
    format: COMPARISON_FORMAT,
    version: COMPARISON_VERSION,
    dataset: { name: dataset.name, hash: dataset.hash },
    a: comparison.a,
    b: comparison.b,
    differences: comparison.differences,
    statistics: COMPARISON_STATISTICS,
    methods: comparison.methods,
    skipped: comparison.skipped,
  };
}
