// Best set accuracy as horizontal bars: the compared runs (with 95 % interval whiskers) above the
// published models, and a dashed line at random guessing (25 %). Hand-written SVG; the same
// numbers are in the data table under it for anyone who cannot see the chart. A run's full name
// stands on its own line above its bar (runs of one model differ only at the end of their names).
import { useId } from 'react';
import { axisMax, formatInterval, formatValue, shorten, type Bar } from '../../core/results/tableRows.ts';
import { XAxis } from './XAxis.tsx';

const WIDTH = 760;
const LABEL_WIDTH = 240;
const VALUE_WIDTH = 120;
const ROW = 24;
const RUN_ROW = 40; // a run: its name on a line of its own, the bar under it
const RUN_LABEL = 13;
const BAR = 15;
const TOP = 8;
const AXIS = 34;
const GAP = 12; // between the runs and the published models

export function SetAccuracyChart({ bars, chance }: { bars: readonly Bar[]; chance: number }) {
  const titleId = useId();
  const descId = useId();
  const max = axisMax(bars.flatMap((b) => [b.value, b.interval?.upper ?? 0, chance]));
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const x = (v: number) => LABEL_WIDTH + (Math.max(0, Math.min(v, max)) / max) * plotWidth;
  const runCount = bars.filter((b) => b.kind === 'run').length;
  const gapAt = runCount > 0 && runCount < bars.length ? runCount : -1;
  const rowHeight = (i: number) => (bars[i]?.kind === 'run' ? RUN_ROW : ROW);
  const tops: number[] = [];
  for (let i = 0, top = TOP; i < bars.length; i++) {
    if (i === gapAt) top += GAP;
    tops.push(top);
    top += rowHeight(i);
  }
  const y = (i: number) => tops[i] ?? TOP;
  const plotBottom = bars.length > 0 ? y(bars.length - 1) + rowHeight(bars.length - 1) : TOP + ROW;
  const height = plotBottom + AXIS;

  return (
    <figure className="chart" data-testid="results-chart-set">
      <svg
        className="chart-svg"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
      >
        <title id={titleId}>Best set accuracy: your runs and the published models</title>
        <desc id={descId}>
          {`Horizontal bars, percent. ${runCount} of your runs with 95 % confidence intervals, then ${
            bars.length - runCount
          } published models. A dashed line marks random guessing at ${chance} %.`}
        </desc>
        <XAxis
          max={max}
          x={x}
          gridTop={TOP - 4}
          plotBottom={plotBottom}
          plotLeft={LABEL_WIDTH}
          plotWidth={plotWidth}
          label="best set accuracy (%)"
        />
        {bars.map((b, i) => {
          const top = y(i);
          const run = b.kind === 'run';
          const mid = run ? top + RUN_LABEL + (RUN_ROW - RUN_LABEL) / 2 : top + ROW / 2;
          const summary =
            `${b.label}: ${formatValue(b.value)} %` +
            (b.method ? ` (${b.method})` : '') +
            (b.interval ? `, 95 % CI ${formatInterval(b.interval.lower, b.interval.upper)}` : '') +
            (b.significant ? ', above random guessing' : '') +
            (b.invalidRate !== undefined ? `, ${formatValue(b.invalidRate)} % of answers invalid` : '');
          const end = b.interval ? Math.max(x(b.value), x(b.interval.upper)) : x(b.value);
          return (
            <g key={b.key} className={`chart-row chart-row-${b.kind}`}>
              <title>{summary}</title>
              {run ? (
                <text x={8} y={top + RUN_LABEL - 2} className="chart-label chart-label-run">
                  {b.label}
                </text>
              ) : (
                <text x={LABEL_WIDTH - 8} y={mid} dy="0.35em" textAnchor="end" className="chart-label">
                  {shorten(b.label, 27)}
                </text>
              )}
              <rect
                x={LABEL_WIDTH}
                y={mid - BAR / 2}
                width={Math.max(0, x(b.value) - LABEL_WIDTH)}
                height={BAR}
                rx={2}
                className={b.kind === 'run' ? 'bar-run' : 'bar-paper'}
              />
              {b.interval && (
                <g className="whisker">
                  <line x1={x(b.interval.lower)} x2={x(b.interval.upper)} y1={mid} y2={mid} />
                  <line x1={x(b.interval.lower)} x2={x(b.interval.lower)} y1={mid - 6} y2={mid + 6} />
                  <line x1={x(b.interval.upper)} x2={x(b.interval.upper)} y1={mid - 6} y2={mid + 6} />
                </g>
              )}
              <text x={end + 6} y={mid} dy="0.35em" className="chart-value">
                {formatValue(b.value)}
                {b.significant ? '*' : ''}
                {b.method ? ` ${b.method}` : ''}
                {b.invalidRate !== undefined ? ` · ${formatValue(b.invalidRate)} % invalid` : ''}
              </text>
            </g>
          );
        })}
        <g className="chance-line">
          <line x1={x(chance)} x2={x(chance)} y1={TOP - 4} y2={plotBottom} />
        </g>
      </svg>
      <figcaption className="chart-caption">
        <span className="legend">
          <span className="swatch swatch-run" aria-hidden="true" /> your runs (whiskers: 95 % interval)
        </span>
        <span className="legend">
          <span className="swatch swatch-paper" aria-hidden="true" /> published
        </span>
        <span className="legend">
          <span className="swatch swatch-chance" aria-hidden="true" /> random guessing ({chance} %)
        </span>
      </figcaption>
      <details className="chart-data">
        <summary>Chart data as a table</summary>
        <table className="results-table compact">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Best set accuracy (%)
              </th>
              <th scope="col">Method</th>
              <th scope="col" className="num">
                95 % interval
              </th>
              <th scope="col" className="num">
                Invalid answers (%)
              </th>
            </tr>
          </thead>
          <tbody>
            {bars.map((b) => (
              <tr key={b.key}>
                <th scope="row">
                  {b.label}
                  {b.kind === 'paper' ? ' (published)' : ''}
                </th>
                <td className="num">
                  {formatValue(b.value)}
                  {b.significant ? '*' : ''}
                </td>
                <td>{b.method ?? '—'}</td>
                <td className="num">
                  {b.interval ? formatInterval(b.interval.lower, b.interval.upper) : '—'}
                </td>
                <td className="num">
                  {b.invalidRate !== undefined
                    ? formatValue(b.invalidRate)
                    : b.kind === 'paper'
                      ? 'not published'
                      : '—'}
                </td>
              </tr>
            ))}
            <tr>
              <th scope="row">Random guessing</th>
              <td className="num">{formatValue(chance)}</td>
              <td>—</td>
              <td className="num">—</td>
              <td className="num">0.00</td>
            </tr>
          </tbody>
        </table>
      </details>
    </figure>
  );
}
