// Per-category bars (Table 2 as a chart): one group per category, one bar per compared run, a tick
// at the best published model's value and a dashed line at random guessing. Hand-written SVG; the
// numbers are those of Table 2 just above, which is the chart's data table.
import { useId } from 'react';
import { axisMax, formatValue } from '../../core/results/tableRows.ts';
import { XAxis } from './XAxis.tsx';

export interface CategorySeries {
  key: string;
  label: string;
  method: string;
  values: Record<string, number | null>;
  /** The run's invalid rate for that method (%). */
  invalidRate?: number;
}

const WIDTH = 760;
const LABEL_WIDTH = 190;
const VALUE_WIDTH = 60;
const BAR = 12;
const BAR_GAP = 3;
const GROUP_PAD = 10;
const TOP = 6;
const AXIS = 34;
const SERIES = 6; // colours in the palette, reused in order

export function seriesClass(index: number): string {
  return `series-${(index % SERIES) + 1}`;
}

export function CategoryChart({
  categories,
  questions,
  series,
  bestPublished,
  chance,
  metricLabel,
  describedBy,
}: {
  categories: readonly string[];
  questions: Readonly<Record<string, number>>;
  series: readonly CategorySeries[];
  bestPublished: Readonly<Record<string, { value: number; model: string } | null>>;
  chance: number;
  metricLabel: string;
  /** Id of the table holding the same numbers. */
  describedBy: string;
}) {
  const titleId = useId();
  const all = series.flatMap((s) => categories.map((c) => s.values[c] ?? 0));
  const published = categories.map((c) => bestPublished[c]?.value ?? 0);
  const max = axisMax([...all, ...published, chance], 10, 40);
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const x = (v: number) => LABEL_WIDTH + (Math.max(0, Math.min(v, max)) / max) * plotWidth;
  const groupHeight = Math.max(30, series.length * (BAR + BAR_GAP) - BAR_GAP + GROUP_PAD * 2);
  const plotBottom = TOP + categories.length * groupHeight;
  const height = plotBottom + AXIS;

  return (
    <figure className="chart" data-testid="results-chart-categories">
      <svg
        className="chart-svg"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={titleId}
        aria-describedby={describedBy}
      >
        <title id={titleId}>
          {`${metricLabel} per category for ${series.length} compared ${series.length === 1 ? 'run' : 'runs'}, with the best published model per category and random guessing at ${chance} %`}
        </title>
        <XAxis
          max={max}
          x={x}
          gridTop={TOP}
          plotBottom={plotBottom}
          plotLeft={LABEL_WIDTH}
          plotWidth={plotWidth}
          label={`${metricLabel.toLowerCase()} (%)`}
        />
        {categories.map((c, ci) => {
          const top = TOP + ci * groupHeight;
          const best = bestPublished[c];
          const barsTop = top + (groupHeight - (series.length * (BAR + BAR_GAP) - BAR_GAP)) / 2;
          const barY = (si: number) => barsTop + si * (BAR + BAR_GAP);
          return (
            <g key={c} className="chart-group">
              {ci > 0 && <line className="chart-separator" x1={8} x2={WIDTH - 8} y1={top} y2={top} />}
              <text
                x={LABEL_WIDTH - 8}
                y={top + groupHeight / 2}
                dy="0.35em"
                textAnchor="end"
                className="chart-label"
              >
                {c}
                <tspan className="chart-count">{` (${questions[c] ?? 0})`}</tspan>
              </text>
              {series.map((s, si) => {
                const v = s.values[c] ?? null;
                return (
                  <g key={s.key} className={seriesClass(si)}>
                    <title>{`${s.label} (${s.method}), ${c}: ${v === null ? 'no questions run' : `${formatValue(v)} %`}`}</title>
                    {v !== null && (
                      <rect
                        x={LABEL_WIDTH}
                        y={barY(si)}
                        width={Math.max(0, x(v) - LABEL_WIDTH)}
                        height={BAR}
                        rx={2}
                        className="bar-series"
                      />
                    )}
                  </g>
                );
              })}
              {/* Over the bars (a bar must not hide it), under the value labels (which have a halo). */}
              {best && (
                <g className="published-marker">
                  <title>{`Best published, ${c}: ${best.model}, ${formatValue(best.value)} %`}</title>
                  <line
                    className="marker-halo"
                    x1={x(best.value)}
                    x2={x(best.value)}
                    y1={top + 4}
                    y2={top + groupHeight - 4}
                  />
                  <line x1={x(best.value)} x2={x(best.value)} y1={top + 4} y2={top + groupHeight - 4} />
                </g>
              )}
              {series.map((s, si) => {
                const v = s.values[c] ?? null;
                return (
                  <text
                    key={s.key}
                    x={(v === null ? LABEL_WIDTH : x(v)) + 5}
                    y={barY(si) + BAR / 2}
                    dy="0.35em"
                    className="chart-value small"
                    aria-hidden="true"
                  >
                    {v === null ? '—' : formatValue(v)}
                  </text>
                );
              })}
            </g>
          );
        })}
        <g className="chance-line">
          <line x1={x(chance)} x2={x(chance)} y1={TOP} y2={plotBottom} />
        </g>
      </svg>
      <figcaption className="chart-caption">
        {series.map((s, i) => (
          <span key={s.key} className={`legend ${seriesClass(i)}`}>
            <span className="swatch swatch-series" aria-hidden="true" /> {s.label} ({s.method}
            {s.invalidRate !== undefined ? `, ${formatValue(s.invalidRate)} % invalid` : ''})
          </span>
        ))}
        <span className="legend">
          <span className="swatch swatch-published" aria-hidden="true" /> best published model
        </span>
        <span className="legend">
          <span className="swatch swatch-chance" aria-hidden="true" /> random guessing ({chance} %)
        </span>
      </figcaption>
    </figure>
  );
}
