// Table 1 as in the paper: set accuracy, individual accuracy and confusion per method (MC, GD, FF,
// PS) and the best across methods, for the compared runs (with 95 % intervals and a marker when set
// accuracy is significantly above random guessing) and the invalid rate per method, then the
// published models and random guessing.
import { Fragment } from 'react';
import type { Method } from '../../core/types.ts';
import { PAPER_METHOD_ORDER } from '../../core/results/paperResults.ts';
import {
  formatInterval,
  formatPValue,
  formatValue,
  type MetricCell,
  type Table1Row,
} from '../../core/results/tableRows.ts';

export const METHOD_NAMES: Readonly<Record<Method, string>> = {
  MC: 'multiple choice',
  GD: 'greedy decoding',
  FF: 'free form',
  PS: 'prefix score',
};

const GROUPS = [
  { key: 'setAccuracy', col: 'set', label: 'Set accuracy ↑' },
  { key: 'individualAccuracy', col: 'individual', label: 'Individual accuracy ↑' },
  { key: 'confusion', col: 'confusion', label: 'Confusion ↓' },
  { key: 'invalid', col: 'invalid', label: 'Invalid answers ↓' },
] as const;

/**
 * One number of the table; user cells add the interval on a second line and the chance marker.
 * A dash says why it is there: in words under it for your runs, on hover for the published rows.
 */
export function ValueCell({
  cell,
  className,
  col,
  explain = false,
}: {
  cell: MetricCell;
  className?: string;
  col?: string;
  explain?: boolean;
}) {
  const cls = ['num', className].filter(Boolean).join(' ');
  const dataCol = col ? { 'data-col': col } : {};
  if (cell.value === null) {
    const reason = cell.reason ?? 'not evaluated';
    return (
      <td className={`${cls} missing`} title={reason} {...dataCol}>
        <span aria-hidden="true">—</span>
        <span className={explain ? 'dash-reason' : 'visually-hidden'}>{reason}</span>
      </td>
    );
  }
  return (
    <td className={cls} {...dataCol}>
      <span className="value">{formatValue(cell.value)}</span>
      {cell.significant && cell.pValue !== undefined && (
        <>
          <span
            className="sig"
            aria-hidden="true"
            title={`Above random guessing: p = ${formatPValue(cell.pValue)}`}
          >
            *
          </span>
          <span className="visually-hidden"> (above random guessing, p = {formatPValue(cell.pValue)})</span>
        </>
      )}
      {cell.method && <span className="method-tag"> {cell.method}</span>}
      {cell.interval && (
        <span className="interval"> ({formatInterval(cell.interval.lower, cell.interval.upper)})</span>
      )}
    </td>
  );
}

function GroupHeader({ label }: { label: string }) {
  return (
    <tr className="group-row">
      <th scope="colgroup" colSpan={19}>
        {label}
      </th>
    </tr>
  );
}

export function Table1({ rows, comparingNone }: { rows: readonly Table1Row[]; comparingNone: boolean }) {
  const kinds = rows.map((r) => r.kind);
  return (
    <section className="results-section" aria-labelledby="table1-heading">
      <div className="section-head">
        <h3 id="table1-heading">Overall (Table 1)</h3>
        <p className="muted">
          Percentages. Your runs show the value and, below it, the 95 % bootstrap interval over pairs.{' '}
          <span className="sig-legend">*</span> set accuracy above random guessing (one-sided exact binomial
          test, p &lt; 0.05). Best = highest across the methods run. GD reads the letters by the official rule
          (the tokens of “A” and “B”) unless a run’s label says “GD letters as written” or “GD letters both
          spellings”: such GD numbers are not comparable with the paper’s. Invalid answers: neither or both
          letters (they count as wrong); a dash says why there is no number.
        </p>
      </div>
      {comparingNone && (
        <p className="hint" role="status">
          No run is selected: tick one in the list above to see it beside the published models.
        </p>
      )}
      <div className="table-scroll" role="region" aria-labelledby="table1-heading" tabIndex={0}>
        <table className="results-table metrics-table table1" data-testid="results-table1">
          <caption className="visually-hidden">
            Set accuracy, individual accuracy and confusion per method, your runs beside the published results
          </caption>
          <colgroup>
            <col className="col-label" />
          </colgroup>
          {GROUPS.map((g) => (
            <colgroup key={g.key} span={4} className="metric-group" />
          ))}
          <colgroup span={2} className="metric-group best-group" />
          <thead>
            <tr>
              <th scope="col" rowSpan={2} className="col-label">
                Model
              </th>
              {GROUPS.map((g) => (
                <th key={g.key} scope="colgroup" colSpan={4} className="group-start">
                  {g.label}
                </th>
              ))}
              <th scope="colgroup" colSpan={2} className="group-start">
                Best ↑
              </th>
            </tr>
            <tr>
              {GROUPS.map((g) => (
                <Fragment key={g.key}>
                  {PAPER_METHOD_ORDER.map((m, i) => (
                    <th key={m} scope="col" className={i === 0 ? 'num group-start' : 'num'}>
                      <abbr title={METHOD_NAMES[m]}>{m}</abbr>
                    </th>
                  ))}
                </Fragment>
              ))}
              <th scope="col" className="num group-start">
                Set
              </th>
              <th scope="col" className="num">
                Individual
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <Fragment key={row.key}>
                {row.kind === 'run' && i === 0 && <GroupHeader label="Your runs" />}
                {row.kind === 'paper' && kinds[i - 1] !== 'paper' && (
                  <GroupHeader label="Published (MediConfusion paper, Table 1)" />
                )}
                <tr
                  data-testid="results-row"
                  data-row-kind={row.kind}
                  {...(row.runId ? { 'data-run-id': row.runId } : {})}
                  className={`row-${row.kind}`}
                >
                  <th scope="row" className="col-label">
                    <span className="row-label">{row.label}</span>
                    {row.imported && (
                      <span className="badge" data-testid="results-row-imported">
                        imported
                      </span>
                    )}
                    {row.note && <span className="row-note">{row.note}</span>}
                  </th>
                  {GROUPS.map((g) =>
                    PAPER_METHOD_ORDER.map((m, k) => (
                      <ValueCell
                        key={`${g.key}-${m}`}
                        cell={row[g.key][m]}
                        col={`${g.col}-${m}`}
                        explain={row.kind === 'run'}
                        {...(k === 0 ? { className: 'group-start' } : {})}
                      />
                    )),
                  )}
                  <ValueCell
                    cell={row.bestSet}
                    className="group-start"
                    col="best-set"
                    explain={row.kind === 'run'}
                  />
                  <ValueCell cell={row.bestIndividual} col="best-individual" explain={row.kind === 'run'} />
                </tr>
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
