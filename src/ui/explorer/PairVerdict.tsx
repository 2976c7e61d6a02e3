// A run's verdict on the current pair: its outcome (a highlighted badge when the model gives the
// same answer to both images) and the image-sensitivity figure, which places each image's share of
// A on one 0–1 line so the distance between the two marks is the sensitivity itself.
import { memo, useId } from 'react';
import type { ConfusionPair, Method } from '../../core/types.ts';
import {
  caseFor,
  classifyPair,
  formatNumber,
  type PairOutcome,
  type RunCaseIndex,
} from '../../core/results/explorerModel.ts';
import {
  SENSITIVITY_DEFINITIONS,
  SENSITIVITY_QUANTITY,
  sensitivity,
  sensitivityDigits,
  shareA,
} from '../../core/results/sensitivity.ts';
import { LetterMark } from './AnswerPanel.tsx';

export function OutcomeBadge({
  outcome,
  answer,
  testId,
}: {
  outcome: PairOutcome;
  /** The shared answer when confused. */
  answer?: 'A' | 'B' | null;
  testId?: string;
}) {
  const text =
    outcome === 'confused'
      ? `Confused: the same answer${answer ? ` (${answer})` : ''} for both images`
      : outcome === 'none'
        ? 'Wrong on both images (answers swapped)'
        : outcome === 'both'
          ? 'Right on both images'
          : outcome === 'invalid'
            ? 'Invalid answer'
            : 'Not run for this pair';
  return (
    <span className={`explorer-badge explorer-badge-${outcome}`} data-testid={testId} data-outcome={outcome}>
      {text}
    </span>
  );
}

const W = 360;
const H = 72;
const LEFT = 18;
const RIGHT = W - 18;
const AXIS_Y = 38;

function ShareFigure({ v1, v2, quantity }: { v1: number; v2: number; quantity: string }) {
  const titleId = useId();
  const x = (v: number) => LEFT + Math.max(0, Math.min(1, v)) * (RIGHT - LEFT);
  const x1 = x(v1);
  const x2 = x(v2);
  return (
    <svg
      className="explorer-sens-svg"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-labelledby={titleId}
      data-testid="explorer-sensitivity-figure"
    >
      <title id={titleId}>
        {`${quantity}: image 1 ${v1.toFixed(3)}, image 2 ${v2.toFixed(3)}; distance ${Math.abs(v1 - v2).toFixed(3)}`}
      </title>
      <line className="explorer-sens-axis" x1={LEFT} x2={RIGHT} y1={AXIS_Y} y2={AXIS_Y} />
      <line className="explorer-sens-mid" x1={x(0.5)} x2={x(0.5)} y1={AXIS_Y - 16} y2={AXIS_Y + 16} />
      {[0, 0.5, 1].map((t) => (
        <text key={t} className="explorer-sens-tick" x={x(t)} y={H - 2} textAnchor="middle">
          {t === 0 ? '0 (B)' : t === 1 ? '1 (A)' : '0.5'}
        </text>
      ))}
      <line
        className="explorer-sens-gap"
        x1={Math.min(x1, x2)}
        x2={Math.max(x1, x2)}
        y1={AXIS_Y}
        y2={AXIS_Y}
      />
      <g className="explorer-sens-mark explorer-sens-mark-1">
        <path d={`M${x1 - 7},${AXIS_Y - 20} L${x1 + 7},${AXIS_Y - 20} L${x1},${AXIS_Y - 4} Z`} />
        <text x={x1} y={AXIS_Y - 24} textAnchor="middle">
          1
        </text>
      </g>
      <g className="explorer-sens-mark explorer-sens-mark-2">
        <path d={`M${x2 - 7},${AXIS_Y + 20} L${x2 + 7},${AXIS_Y + 20} L${x2},${AXIS_Y + 4} Z`} />
        <text x={x2} y={AXIS_Y + 31} textAnchor="middle">
          2
        </text>
      </g>
    </svg>
  );
}

interface Props {
  runLabel: string;
  pair: ConfusionPair;
  method: Method | null;
  index: RunCaseIndex | null;
  badgeTestId: string;
}

/** The outcome badge and sensitivity figure of one run for one pair. */
export const PairVerdict = memo(function PairVerdict({ runLabel, pair, method, index, badgeTestId }: Props) {
  const c1 = method === null ? undefined : caseFor(index, pair.id, 1, method);
  const c2 = method === null ? undefined : caseFor(index, pair.id, 2, method);
  const outcome = classifyPair(pair, c1?.answer, c2?.answer);
  const value = method === null ? null : sensitivity(method, c1, c2);
  const v1 = method === null ? null : shareA(method, c1);
  const v2 = method === null ? null : shareA(method, c2);
  return (
    <div className={`explorer-verdict-row explorer-outcome-${outcome}`}>
      <div className="explorer-verdict-head">
        <span className="explorer-run-name">{runLabel}</span>
        {method !== null && <span className="explorer-method-tag">{method}</span>}
        <OutcomeBadge
          outcome={outcome}
          answer={outcome === 'confused' ? (c1?.answer ?? null) : null}
          testId={outcome === 'confused' ? badgeTestId : undefined}
        />
      </div>
      {method !== null && c1 && c2 && (
        <div className="explorer-sens">
          <p className="explorer-sens-value">
            <span className="explorer-sens-label">Image sensitivity</span>{' '}
            <strong data-testid="explorer-sensitivity-value">
              {formatNumber(value, sensitivityDigits(method))}
            </strong>
          </p>
          {v1 !== null && v2 !== null ? (
            <ShareFigure v1={v1} v2={v2} quantity={SENSITIVITY_QUANTITY[method]} />
          ) : (
            <p className="explorer-sens-answers">
              <span>Image 1 → {c1.answer === null ? 'invalid' : <LetterMark letter={c1.answer} />}</span>
              <span>Image 2 → {c2.answer === null ? 'invalid' : <LetterMark letter={c2.answer} />}</span>
              <span className="muted">
                {c1.answer === c2.answer ? 'the same answer' : 'different answers'}
              </span>
            </p>
          )}
          <p className="explorer-sens-def">
            {method}: {SENSITIVITY_DEFINITIONS[method]}
          </p>
        </div>
      )}
    </div>
  );
});
