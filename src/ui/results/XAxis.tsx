// The horizontal percent axis both results charts draw under their bars: a grid line and label
// every `axisTicks` step, and the axis title centred under the plot.
import { axisTicks } from '../../core/results/tableRows.ts';

export function XAxis({
  max,
  x,
  gridTop,
  plotBottom,
  plotLeft,
  plotWidth,
  label,
}: {
  max: number;
  x: (value: number) => number;
  gridTop: number;
  plotBottom: number;
  plotLeft: number;
  plotWidth: number;
  label: string;
}) {
  return (
    <>
      {axisTicks(max).map((t) => (
        <g key={t} className="chart-grid">
          <line x1={x(t)} x2={x(t)} y1={gridTop} y2={plotBottom} />
          <text x={x(t)} y={plotBottom + 16} textAnchor="middle" className="chart-tick">
            {t}
          </text>
        </g>
      ))}
      <text x={plotLeft + plotWidth / 2} y={plotBottom + 31} textAnchor="middle" className="chart-axis-label">
        {label}
      </text>
    </>
  );
}
