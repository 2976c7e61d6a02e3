// One run's answer about one image: the chosen letter against the image's correct one, and what the
// method based it on (GD letter probabilities and letter rule, PS prefix scores, MC/FF generated text), plus a
// one-line summary of the run's other methods. Generated text is rendered as text only.
import { memo } from 'react';
import type { CaseRecord, ConfusionPair, ImageSlot, Letter, Method } from '../../core/types.ts';
import { caseFor, formatPercent, type RunCaseIndex } from '../../core/results/explorerModel.ts';
import { gdProbabilityA, prefixScores, psShareA } from '../../core/results/sensitivity.ts';
import type { LetterRule } from '../../core/run/letterRules.ts';
import { LetterRuleEvidence } from './LetterRuleEvidence.tsx';

export function LetterMark({ letter, label }: { letter: Letter; label?: string }) {
  return (
    <span className={`letter letter-${letter}`} aria-label={label}>
      {letter}
    </span>
  );
}

/** A two-part bar: share of A from the left, B the rest. Numbers are in the text beside it too. */
export function ShareBar({ share, label }: { share: number; label: string }) {
  const a = Math.max(0, Math.min(1, share));
  return (
    <div className="explorer-share" role="img" aria-label={label}>
      <span className="explorer-share-a" style={{ width: `${a * 100}%` }}>
        {a >= 0.12 ? `A ${Math.round(a * 100)} %` : ''}
      </span>
      <span className="explorer-share-b" style={{ width: `${(1 - a) * 100}%` }}>
        {1 - a >= 0.12 ? `B ${Math.round((1 - a) * 100)} %` : ''}
      </span>
    </div>
  );
}

function formatScore(x: number): string {
  return x === 0 ? '0' : x >= 0.001 ? x.toFixed(4) : x.toExponential(2);
}

interface EvidenceProps {
  method: Method;
  c: CaseRecord;
  letterRule: LetterRule | 'unknown';
  judgeTestId?: string;
  letterRuleTestId?: string;
}

function Evidence({ method, c, letterRule, judgeTestId, letterRuleTestId }: EvidenceProps) {
  if (method === 'GD') {
    const pA = gdProbabilityA(c);
    if (pA === null) return <p className="muted">No letter probabilities were recorded.</p>;
    const pB = c.probabilities?.B ?? 1 - pA;
    return (
      <>
        <ShareBar share={pA} label={`P(A) ${formatPercent(pA)}, P(B) ${formatPercent(pB)}`} />
        <p className="explorer-numbers">
          P(A) = {formatPercent(pA)} · P(B) = {formatPercent(pB)}
        </p>
        <LetterRuleEvidence
          c={c}
          letterRule={letterRule}
          {...(letterRuleTestId ? { testId: letterRuleTestId } : {})}
        />
      </>
    );
  }
  if (method === 'PS') {
    const s = prefixScores(c);
    const share = psShareA(c);
    if (!s || share === null) return <p className="muted">No prefix scores were recorded.</p>;
    return (
      <>
        <ShareBar
          share={share}
          label={`normalised prefix score: A ${formatPercent(share)}, B ${formatPercent(1 - share)}`}
        />
        <p className="explorer-numbers">
          prefix score A = {formatScore(s.A)} · B = {formatScore(s.B)}
          <span className="muted"> (normalised A {formatPercent(share)})</span>
        </p>
      </>
    );
  }
  const text = c.generatedText ?? '';
  return (
    <>
      <blockquote className="explorer-generated" aria-label="Generated text">
        {text === '' ? <span className="muted">(no text)</span> : text}
      </blockquote>
      {method === 'FF' && c.judge && (
        <div
          className="explorer-judge"
          data-testid={judgeTestId}
          data-scores={c.judge.scores ? `${c.judge.scores.A},${c.judge.scores.B}` : 'none'}
        >
          <p className="explorer-numbers">
            Judge scores:{' '}
            {c.judge.scores ? `A ${c.judge.scores.A}/10 · B ${c.judge.scores.B}/10` : 'no valid scores'}
          </p>
          <blockquote className="explorer-generated" aria-label="Judge's raw reply">
            {c.judge.rawText === '' ? <span className="muted">(empty reply)</span> : c.judge.rawText}
          </blockquote>
        </div>
      )}
    </>
  );
}

function verdictText(answer: Letter | null, correct: Letter): string {
  if (answer === null) return 'invalid';
  return answer === correct ? 'right' : 'wrong';
}

interface Props {
  testId: string;
  runLabel: string;
  method: Method | null;
  methods: readonly Method[];
  pair: ConfusionPair;
  slot: ImageSlot;
  index: RunCaseIndex | null;
  loading: boolean;
  /** The same valid answer was given to both images. */
  confused: boolean;
  /** data-testid of the FF judge's block (scores and raw reply). */
  judgeTestId?: string;
  /** Which tokens the run's GD read as the letters. */
  letterRule: LetterRule | 'unknown';
  /** data-testid of the GD letter-rule block. */
  letterRuleTestId?: string;
}

export const AnswerPanel = memo(function AnswerPanel({
  testId,
  runLabel,
  method,
  methods,
  pair,
  slot,
  index,
  loading,
  confused,
  judgeTestId,
  letterRule,
  letterRuleTestId,
}: Props) {
  const correct = slot === 1 ? pair.im1Correct : pair.im2Correct;
  const c = method === null ? undefined : caseFor(index, pair.id, slot, method);
  const state = c === undefined ? 'none' : c.answer === null ? 'invalid' : c.answer;
  const others = methods.filter((m) => m !== method);
  return (
    <div
      className={`explorer-answer${confused ? ' is-confused' : ''}`}
      data-testid={testId}
      data-answer={state}
      data-correct={c === undefined ? undefined : String(c.answer === correct)}
    >
      <p className="explorer-answer-run">
        <span className="explorer-run-name">{runLabel}</span>
        {method !== null && <span className="explorer-method-tag">{method}</span>}
      </p>
      {c === undefined ? (
        <p className="muted">
          {loading ? 'Reading the answers…' : `Not run for image ${slot}${method ? ` with ${method}` : ''}.`}
        </p>
      ) : (
        <>
          <p className="explorer-answer-main">
            <span>Model answers</span>{' '}
            {c.answer === null ? (
              <strong className="explorer-invalid">invalid</strong>
            ) : (
              <LetterMark letter={c.answer} />
            )}{' '}
            <span className={`explorer-verdict explorer-verdict-${verdictText(c.answer, correct)}`}>
              {c.answer === null ? '(neither or both letters)' : c.answer === correct ? '✓ right' : '✗ wrong'}
            </span>
          </p>
          {method !== null && (
            <Evidence
              method={method}
              c={c}
              letterRule={letterRule}
              {...(judgeTestId ? { judgeTestId } : {})}
              {...(letterRuleTestId ? { letterRuleTestId } : {})}
            />
          )}
        </>
      )}
      {others.length > 0 && (
        <p className="explorer-other-methods">
          <span className="muted">Other methods:</span>{' '}
          {others.map((m) => {
            const o = caseFor(index, pair.id, slot, m);
            const text = o === undefined ? '—' : o.answer === null ? 'invalid' : o.answer;
            const mark = o === undefined || o.answer === null ? '' : o.answer === correct ? ' ✓' : ' ✗';
            return (
              <span key={m} className="explorer-other">
                {m} {text}
                {mark}
              </span>
            );
          })}
        </p>
      )}
    </div>
  );
});
