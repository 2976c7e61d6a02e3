// Table 2 as in the paper: set or individual accuracy per image category, each run with its best
// method (by set accuracy) unless another is chosen, beside the published models' best; then the
// same numbers for the compared runs as a chart.
import { useId, type ChangeEvent } from 'react';
import { METHODS, type Method } from '../../core/types.ts';
import { PAPER_RESULTS } from '../../core/results/paperResults.ts';
import { useResultsStore } from '../../state/resultsStore.ts';
import { CategoryChart, type CategorySeries } from './CategoryChart.tsx';
import { METHOD_NAMES } from './Table1.tsx';
import {
  bestPublishedByCategory,
  formatValue,
  type CategoryMetric,
  type Table2Row,
} from '../../core/results/tableRows.ts';

const METRIC_LABELS: Readonly<Record<CategoryMetric, string>> = {
  setAccuracy: 'Set accuracy',
  individualAccuracy: 'Individual accuracy',
};

export function Table2({
  rows,
  categories,
  questions,
}: {
  rows: readonly Table2Row[];
  categories: readonly string[];
  questions: Readonly<Record<string, number>>;
}) {
  const metric = useResultsStore((s) => s.categoryMetric);
  const method = useResultsStore((s) => s.categoryMethod);
  const setMetric = useResultsStore((s) => s.setCategoryMetric);
  const setMethod = useResultsStore((s) => s.setCategoryMethod);
  const tableId = useId();
  const radioName = useId();
  const chance =
    metric === 'setAccuracy' ? PAPER_RESULTS.random.setAccuracy : PAPER_RESULTS.random.individualAccuracy;

  const series: CategorySeries[] = rows
    .filter((r) => r.kind === 'run')
    .map((r) => ({
      key: r.key,
      label: r.label,
      method: r.methodLabel,
      values: r.values,
      ...(r.invalidRate !== undefined ? { invalidRate: r.invalidRate } : {}),
    }));

  function onMethod(e: ChangeEvent<HTMLSelectElement>) {
    const v = e.target.value;
    setMethod(v === 'best' ? 'best' : (v as Method));
  }

  return (
    <section className="results-section" aria-labelledby="table2-heading">
      <div className="section-head">
        <h3 id="table2-heading">By category (Table 2)</h3>
        <p className="muted">
          Percentages per image category (questions in brackets); a pair counts in each category of each of
          its images, as in the official code. The published rows are each model&rsquo;s best method.
        </p>
      </div>
      <div className="controls">
        <fieldset className="segmented">
          <legend>Show</legend>
          {(Object.keys(METRIC_LABELS) as CategoryMetric[]).map((m) => (
            <label key={m}>
              <input
                type="radio"
                name={radioName}
                value={m}
                checked={metric === m}
                onChange={() => setMetric(m)}
              />
              <span>{METRIC_LABELS[m]}</span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>Method for your runs</span>
          <select value={method} onChange={onMethod}>
            <option value="best">Best by set accuracy (as the paper)</option>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {m} — {METHOD_NAMES[m]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="table-scroll" role="region" aria-labelledby="table2-heading" tabIndex={0}>
        <table className="results-table metrics-table table2" data-testid="results-table2" id={tableId}>
          <caption className="visually-hidden">
            {METRIC_LABELS[metric]} per category, your runs beside the published results
          </caption>
          <thead>
            <tr>
              <th scope="col" className="col-label">
                Model
              </th>
              <th scope="col">Method</th>
              {categories.map((c) => (
                <th scope="col" key={c} className="num">
                  {c} <span className="count">({questions[c] ?? 0})</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr
                key={row.key}
                data-testid="results-category-row"
                data-row-kind={row.kind}
                {...(row.runId ? { 'data-run-id': row.runId } : {})}
                className={`row-${row.kind}`}
              >
                <th scope="row" className="col-label">
                  <span className="row-label">{row.label}</span>
                </th>
                <td>{row.methodLabel}</td>
                {categories.map((c) => {
                  const v = row.values[c] ?? null;
                  return (
                    <td key={c} className={v === null ? 'num missing' : 'num'}>
                      {v === null ? '—' : formatValue(v)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {series.length > 0 && (
        <CategoryChart
          categories={categories}
          questions={questions}
          series={series}
          bestPublished={bestPublishedByCategory(categories, metric)}
          chance={chance}
          metricLabel={METRIC_LABELS[metric]}
          describedBy={tableId}
        />
      )}
    </section>
  );
}
