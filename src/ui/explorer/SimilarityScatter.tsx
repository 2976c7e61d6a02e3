// Every pair placed by the similarity of its two images: BiomedCLIP (x) against DINOv2 (y), with the
// paper's selection thresholds (BiomedCLIP ≥ 0.9, DINOv2 ≤ 0.75) drawn. Shape and colour give the
// run's outcome, or, when the run kept its image embeddings, shape gives the outcome and the fill
// the model's own similarity of the pair; pairs outside the filters are faded. Each point is a link
// that opens its pair.
import { memo, useId, useMemo, type MouseEvent } from 'react';
import type { ConfusionPair, Method } from '../../core/types.ts';
import {
  PAIR_OUTCOMES,
  PAIR_OUTCOME_LABELS,
  countOutcomes,
  formatNumber,
  pairOutcome,
  type PairOutcome,
  type RunCaseIndex,
} from '../../core/results/explorerModel.ts';
import { explorerHash, type ExplorerUrlState } from '../../core/results/explorerUrl.ts';
import type { PairModelSimilarity } from '../../core/results/modelSimilarity.ts';
import { PAPER_THRESHOLDS, axisDomain, scale, ticks } from '../../core/results/scatterAxes.ts';
import { explorerStore } from '../../state/explorerStore.ts';
import { SimilarityGradient, similarityColour, similarityDomain } from './similarityScale.tsx';

const W = 760;
const H = 500;
const M = { left: 64, right: 20, top: 20, bottom: 56 };
const STEP_X = 0.02;
const STEP_Y = 0.05;
const R = 6.5;

/** A marker per outcome, so the outcome never rests on colour alone. */
export function OutcomeShape({
  outcome,
  x,
  y,
  r,
  fill,
}: {
  outcome: PairOutcome;
  x: number;
  y: number;
  r: number;
  /** Overrides the outcome's colour (the model's similarity colours the fill). */
  fill?: string;
}) {
  const cls = `explorer-shape explorer-shape-${outcome}`;
  const style = fill === undefined ? undefined : { fill };
  switch (outcome) {
    case 'both':
      return <circle className={cls} style={style} cx={x} cy={y} r={r} />;
    case 'confused':
      return (
        <path
          className={cls}
          style={style}
          d={`M${x},${y - r * 1.2} L${x + r * 1.1},${y + r * 0.8} L${x - r * 1.1},${y + r * 0.8} Z`}
        />
      );
    case 'none':
      return (
        <rect
          className={cls}
          style={style}
          x={x - r * 0.85}
          y={y - r * 0.85}
          width={r * 1.7}
          height={r * 1.7}
        />
      );
    case 'invalid':
      return (
        <path
          className={cls}
          style={style}
          d={`M${x},${y - r * 1.15} L${x + r * 1.15},${y} L${x},${y + r * 1.15} L${x - r * 1.15},${y} Z`}
        />
      );
    case 'not-run':
      return <circle className={cls} style={style} cx={x} cy={y} r={r * 0.8} />;
  }
}

export function LegendShape({ outcome, fill }: { outcome: PairOutcome; fill?: string }) {
  return (
    <svg className="explorer-legend-shape" viewBox="0 0 20 20" aria-hidden="true">
      <OutcomeShape outcome={outcome} x={10} y={10} r={6} fill={fill} />
    </svg>
  );
}

/** Legend shapes while the fill shows the model's similarity: the shape alone names the outcome. */
const NEUTRAL_FILL = 'var(--muted)';
/** A pair without the model's similarity (an image not encoded) while the others have one. */
const NO_SIMILARITY_FILL = 'var(--surface)';

interface Props {
  pairs: readonly ConfusionPair[];
  /** The filtered pairs (the others are faded). */
  shown: readonly ConfusionPair[];
  currentId: string | null;
  index: RunCaseIndex | null;
  method: Method | null;
  runLabel: string | null;
  url: ExplorerUrlState;
  /** The run's own similarity of each pair (fills the points); null when it kept no embeddings. */
  modelSimilarities?: ReadonlyMap<string, PairModelSimilarity> | null;
}

export const SimilarityScatter = memo(function SimilarityScatter({
  pairs,
  shown,
  currentId,
  index,
  method,
  runLabel,
  url,
  modelSimilarities = null,
}: Props) {
  const titleId = useId();
  const descId = useId();
  const placed = useMemo(() => pairs.filter((p) => p.biomedClipSim !== null && p.dinoSim !== null), [pairs]);
  const shownIds = useMemo(() => new Set(shown.map((p) => p.id)), [shown]);
  const xDomain = useMemo(
    () =>
      axisDomain(
        placed.map((p) => p.biomedClipSim),
        PAPER_THRESHOLDS.biomedClipMin,
        STEP_X,
      ),
    [placed],
  );
  const yDomain = useMemo(
    () =>
      axisDomain(
        placed.map((p) => p.dinoSim),
        PAPER_THRESHOLDS.dinoMax,
        STEP_Y,
      ),
    [placed],
  );
  const colourDomain = useMemo(
    () =>
      modelSimilarities === null
        ? null
        : similarityDomain(
            placed.flatMap((p) => {
              const s = modelSimilarities.get(p.id);
              return s ? [s.similarity] : [];
            }),
          ),
    [placed, modelSimilarities],
  );
  // The legend counts what is drawn at full strength: the pairs the filters keep.
  const counts = useMemo(
    () =>
      countOutcomes(
        placed.filter((p) => shownIds.has(p.id)),
        index,
        method,
      ),
    [placed, shownIds, index, method],
  );

  if (placed.length === 0) {
    return (
      <p className="explorer-empty" data-testid="explorer-scatter">
        This dataset has no BiomedCLIP or DINOv2 similarities to plot.
      </p>
    );
  }

  const x = scale(xDomain, M.left, W - M.right);
  const y = scale(yDomain, H - M.bottom, M.top);
  const tx = x(PAPER_THRESHOLDS.biomedClipMin);
  const ty = y(PAPER_THRESHOLDS.dinoMax);
  const bottom = H - M.bottom;
  const right = W - M.right;
  // Faded points first, so the filtered ones and the current pair are drawn on top.
  const order = [...placed].sort(
    (a, b) =>
      Number(shownIds.has(a.id)) - Number(shownIds.has(b.id)) ||
      Number(a.id === currentId) - Number(b.id === currentId),
  );

  function open(e: MouseEvent<Element>, id: string) {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return; // new tab etc.
    e.preventDefault();
    explorerStore.getState().openPair(id);
  }

  return (
    <figure className="explorer-scatter">
      <svg
        className="explorer-scatter-svg"
        viewBox={`0 0 ${W} ${H}`}
        role="group"
        aria-labelledby={titleId}
        aria-describedby={descId}
        data-testid="explorer-scatter"
      >
        <title id={titleId}>Pairs by BiomedCLIP and DINOv2 similarity</title>
        <desc id={descId}>
          {`${placed.length} pairs. x: BiomedCLIP similarity of the two images, y: DINOv2 similarity. ` +
            `The paper kept pairs with BiomedCLIP at least ${PAPER_THRESHOLDS.biomedClipMin} and DINOv2 at most ` +
            `${PAPER_THRESHOLDS.dinoMax}: images a medical encoder finds alike though they differ visually. ` +
            (colourDomain === null
              ? ''
              : `The fill gives this model's own similarity of the two images, from ${colourDomain.min.toFixed(3)} (dark) to ${colourDomain.max.toFixed(3)} (light); the shape gives the outcome. `) +
            `Each point is a link to its pair.`}
        </desc>
        <rect
          className="explorer-scatter-selected"
          x={tx}
          y={ty}
          width={Math.max(0, right - tx)}
          height={Math.max(0, bottom - ty)}
        />
        {ticks(xDomain, STEP_X).map((t) => (
          <g key={`x${t}`} className="explorer-grid">
            <line x1={x(t)} x2={x(t)} y1={M.top} y2={bottom} />
            <text x={x(t)} y={bottom + 18} textAnchor="middle">
              {t.toFixed(2)}
            </text>
          </g>
        ))}
        {ticks(yDomain, STEP_Y).map((t) => (
          <g key={`y${t}`} className="explorer-grid">
            <line x1={M.left} x2={right} y1={y(t)} y2={y(t)} />
            <text x={M.left - 8} y={y(t) + 4} textAnchor="end">
              {t.toFixed(2)}
            </text>
          </g>
        ))}
        <text className="explorer-axis-label" x={(M.left + right) / 2} y={H - 12} textAnchor="middle">
          BiomedCLIP similarity →
        </text>
        <text
          className="explorer-axis-label"
          x={16}
          y={(M.top + bottom) / 2}
          textAnchor="middle"
          transform={`rotate(-90 16 ${(M.top + bottom) / 2})`}
        >
          DINOv2 similarity →
        </text>
        <line className="explorer-threshold" x1={tx} x2={tx} y1={M.top} y2={bottom} />
        <line className="explorer-threshold" x1={M.left} x2={right} y1={ty} y2={ty} />
        <text className="explorer-threshold-label" x={tx + 6} y={M.top + 14}>
          BiomedCLIP ≥ {PAPER_THRESHOLDS.biomedClipMin}
        </text>
        <text className="explorer-threshold-label" x={right - 6} y={ty - 6} textAnchor="end">
          DINOv2 ≤ {PAPER_THRESHOLDS.dinoMax}
        </text>
        {order.map((p) => {
          const outcome: PairOutcome = method === null ? 'not-run' : pairOutcome(index, p, method);
          const px = x(p.biomedClipSim as number);
          const py = y(p.dinoSim as number);
          const faded = !shownIds.has(p.id);
          const current = p.id === currentId;
          const model = modelSimilarities?.get(p.id);
          const fill =
            colourDomain === null
              ? undefined
              : model
                ? similarityColour(colourDomain, model.similarity)
                : NO_SIMILARITY_FILL;
          const modelText = model ? `, this model ${formatNumber(model.similarity)}` : '';
          return (
            <a
              key={p.id}
              href={explorerHash({ ...url, pair: p.id, view: 'pair' })}
              className={`explorer-point${faded ? ' is-faded' : ''}${current ? ' is-current' : ''}`}
              data-testid="explorer-scatter-point"
              data-pair-id={p.id}
              data-outcome={outcome}
              data-model-similarity={model?.similarity}
              aria-label={`Pair ${p.id}: ${p.question} BiomedCLIP ${formatNumber(p.biomedClipSim)}, DINOv2 ${formatNumber(p.dinoSim)}${modelText}. ${PAIR_OUTCOME_LABELS[outcome]}.`}
              tabIndex={faded ? -1 : undefined}
              onClick={(e) => open(e, p.id)}
            >
              <title>{`Pair ${p.id} · ${PAIR_OUTCOME_LABELS[outcome]}\n${p.question}\nBiomedCLIP ${formatNumber(p.biomedClipSim)} · DINOv2 ${formatNumber(p.dinoSim)}${model ? ` · this model ${formatNumber(model.similarity)}` : ''}`}</title>
              {current && <circle className="explorer-point-ring" cx={px} cy={py} r={R * 2} />}
              <OutcomeShape outcome={outcome} x={px} y={py} r={R} fill={fill} />
            </a>
          );
        })}
      </svg>
      <p className="explorer-scatter-note">
        The paper kept pairs whose two images a medical encoder (BiomedCLIP) finds alike, similarity ≥{' '}
        {PAPER_THRESHOLDS.biomedClipMin}, while a general vision encoder (DINOv2) finds them different, ≤{' '}
        {PAPER_THRESHOLDS.dinoMax}: the shaded corner. Click a point to open its pair.
      </p>
      <figcaption className="explorer-legend">
        <span className="explorer-legend-title">
          {method === null || runLabel === null ? 'No run chosen' : `${runLabel} · ${method}`}
        </span>
        {PAIR_OUTCOMES.map((o) => (
          <span key={o} className="explorer-legend-item">
            <LegendShape outcome={o} fill={colourDomain === null ? undefined : NEUTRAL_FILL} />{' '}
            {PAIR_OUTCOME_LABELS[o]} <span className="muted">({counts[o]})</span>
          </span>
        ))}
        {colourDomain !== null && <SimilarityGradient domain={colourDomain} />}
        <span className="explorer-legend-item">
          <span className="explorer-legend-region" aria-hidden="true" /> the paper&rsquo;s selection
        </span>
        {shown.length !== pairs.length && (
          <span className="explorer-legend-item muted">faded: outside the filters</span>
        )}
      </figcaption>
    </figure>
  );
});
