// The model's own image similarity against confusion, for one run and method: one mark per pair
// with two valid answers, placed by how alike the model finds its two images (x), in the row of
// pairs answered alike (confused) or the row answered differently, each row's median marked; the
// caption gives Spearman's ρ with its 95 % interval. Each mark is a link to its pair. Used by the
// Explorer's scatter view and the Results tab.
import { memo, useId, useMemo, type MouseEvent } from 'react';
import type { ConfusionPair } from '../../core/types.ts';
import type { SimilarityConfusion } from '../../core/results/modelSimilarity.ts';
import { axisDomain, scale, ticks } from '../../core/results/scatterAxes.ts';

const W = 760;
const H = 230;
const M = { left: 150, right: 20, top: 14, bottom: 48 };
const ROW_HEIGHT = (H - M.top - M.bottom) / 2;
const R = 5;

// Two short lines each, so the labels fit the left margin whatever the font.
const ROWS = [
  { confused: true, label: 'answered alike', note: '(confused)', cls: 'is-confused' },
  { confused: false, label: 'answered', note: 'differently', cls: 'is-different' },
] as const;

/** A tick step giving about five to ten ticks over `span`. */
function tickStep(span: number): number {
  for (const step of [0.005, 0.01, 0.02, 0.05, 0.1, 0.2]) if (span / step <= 10) return step;
  return 0.5;
}

/** A fixed offset in [−1, 1] per pair (FNV-1a of its id), so the marks sit still across renders. */
function jitter(pairId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < pairId.length; i++) {
    h ^= pairId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 0) / 0xffffffff) * 2 - 1;
}

function signed(x: number): string {
  return x.toFixed(2).replace('-', '−');
}

/** "ρ = 0.21 (95 % CI −0.05 to 0.45), n = 150 pairs", or why there is none. */
export function rankCorrelationText(confusion: SimilarityConfusion): string {
  const n = confusion.points.length;
  const r = confusion.rankCorrelation;
  if (!r) return `Spearman's ρ undefined: ${confusion.reason ?? 'not enough pairs'} (n = ${n})`;
  return `Spearman's ρ = ${signed(r.estimate)} (95 % CI ${signed(r.lower)} to ${signed(r.upper)}), n = ${n} pairs`;
}

interface Props {
  confusion: SimilarityConfusion;
  /** The dataset's pairs, for each mark's question. */
  pairs: readonly ConfusionPair[];
  currentId: string | null;
  /** Run and method, as the legend names them. */
  label: string;
  /** Where a mark links to. */
  hrefFor: (pairId: string) => string;
  /** Called on a plain click instead of following the link (the Explorer opens the pair in place). */
  onOpen?: (pairId: string) => void;
  /** A visible title above the chart, where no heading of the page names it. */
  heading?: string;
}

export const ModelSimilarityChart = memo(function ModelSimilarityChart({
  confusion,
  pairs,
  currentId,
  label,
  hrefFor,
  onOpen,
  heading,
}: Props) {
  const titleId = useId();
  const descId = useId();
  const questions = useMemo(() => new Map(pairs.map((p) => [p.id, p.question])), [pairs]);
  const values = confusion.points.map((p) => p.similarity);
  const lo = values.length > 0 ? Math.min(...values) : 0;
  const hi = values.length > 0 ? Math.max(...values) : 1;
  const step = tickStep(Math.max(hi - lo, 0.01));
  const domain = axisDomain(values, lo, step);
  const x = scale(domain, M.left, W - M.right);
  const bottom = H - M.bottom;
  const rowY = (confused: boolean) => M.top + ROW_HEIGHT * (confused ? 0.5 : 1.5);
  const medians = { true: confusion.medianConfused, false: confusion.medianNotConfused };
  const n = confusion.points.length;
  // The current pair last, so its ring is drawn over its neighbours.
  const order = [...confusion.points].sort(
    (a, b) => Number(a.pairId === currentId) - Number(b.pairId === currentId),
  );

  function open(e: MouseEvent<Element>, id: string) {
    if (!onOpen || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    onOpen(id);
  }

  return (
    <figure className="model-sim-chart" data-testid="model-similarity-chart">
      {heading && <p className="model-sim-heading">{heading}</p>}
      <svg
        className="model-sim-chart-svg"
        viewBox={`0 0 ${W} ${H}`}
        role="group"
        aria-labelledby={titleId}
        aria-describedby={descId}
      >
        <title id={titleId}>The model&rsquo;s own image similarity against confusion · {label}</title>
        <desc id={descId}>
          {`${n} pairs with two valid answers, ${confusion.confusedPairs} answered alike. x: cosine of the two ` +
            `images' mean features inside this model. Top row: pairs answered alike (confused); bottom row: ` +
            `answered differently; the vertical line in each row is its median. ${rankCorrelationText(confusion)}. ` +
            `Each mark is a link to its pair.`}
        </desc>
        {ticks(domain, step).map((t) => (
          <g key={t} className="explorer-grid">
            <line x1={x(t)} x2={x(t)} y1={M.top} y2={bottom} />
            <text x={x(t)} y={bottom + 18} textAnchor="middle">
              {t.toFixed(step < 0.01 ? 3 : 2)}
            </text>
          </g>
        ))}
        <text className="explorer-axis-label" x={(M.left + W - M.right) / 2} y={H - 10} textAnchor="middle">
          this model&rsquo;s similarity of the two images →
        </text>
        {ROWS.map((row) => {
          const y = rowY(row.confused);
          const median = medians[`${row.confused}`];
          return (
            <g key={row.label} className={`model-sim-row ${row.cls}`}>
              <line className="model-sim-row-rule" x1={M.left} x2={W - M.right} y1={y} y2={y} />
              <text className="model-sim-row-label" x={M.left - 10} y={y - 3} textAnchor="end">
                <tspan>{row.label}</tspan>
                <tspan x={M.left - 10} dy={16}>
                  {row.note}
                </tspan>
              </text>
              {median !== null && (
                <line
                  className="model-sim-median"
                  x1={x(median)}
                  x2={x(median)}
                  y1={y - ROW_HEIGHT * 0.42}
                  y2={y + ROW_HEIGHT * 0.42}
                />
              )}
            </g>
          );
        })}
        {order.map((p) => {
          const px = x(p.similarity);
          const py = rowY(p.confused) + jitter(p.pairId) * ROW_HEIGHT * 0.3;
          const current = p.pairId === currentId;
          const answered = p.confused ? 'answered alike (confused)' : 'answered differently';
          const text = `Pair ${p.pairId}: ${questions.get(p.pairId) ?? ''} This model ${p.similarity.toFixed(3)}, ${answered}.`;
          return (
            <a
              key={p.pairId}
              href={hrefFor(p.pairId)}
              className={`model-sim-point ${p.confused ? 'is-confused' : 'is-different'}${current ? ' is-current' : ''}`}
              data-testid="model-similarity-point"
              data-pair-id={p.pairId}
              data-confused={p.confused ? 'true' : 'false'}
              aria-label={text}
              onClick={(e) => open(e, p.pairId)}
            >
              <title>{text}</title>
              {current && <circle className="explorer-point-ring" cx={px} cy={py} r={R * 2} />}
              <circle className="model-sim-mark" cx={px} cy={py} r={R} />
            </a>
          );
        })}
      </svg>
      <figcaption className="model-sim-caption">
        <span className="explorer-legend-title">{label}</span>{' '}
        <span data-testid="model-similarity-rho">{rankCorrelationText(confusion)}</span>
        {' · '}
        <span data-testid="model-similarity-medians">
          median similarity: answered alike{' '}
          {confusion.medianConfused === null ? '—' : confusion.medianConfused.toFixed(3)}, answered
          differently {confusion.medianNotConfused === null ? '—' : confusion.medianNotConfused.toFixed(3)}
        </span>
        <span className="muted model-sim-note">
          {' '}
          ρ &gt; 0: the pairs this model sees as more alike are the ones it answers alike. A property of this
          model&rsquo;s image features, not a measure of clinical difference.
        </span>
      </figcaption>
    </figure>
  );
});
