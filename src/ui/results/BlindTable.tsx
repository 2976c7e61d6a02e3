// Results tab: the blind baseline of the compared runs that have a blank-image sibling. Per GD/PS
// method: accuracy with the real image, with a blank grey image, and the share of answers the image
// did not change. A model that looks at the image has a low "unchanged" share.
import { runName } from '../../core/run/runName.ts';
import type { BlindBaseline } from '../../core/blind.ts';
import type { RunRecord } from '../../core/run/records.ts';

export interface BlindTableRun {
  run: RunRecord;
  rows: BlindBaseline[];
}

export const blindPercent = (v: number) => `${v.toFixed(1)} %`;

export function BlindTable({ runs }: { runs: BlindTableRun[] }) {
  if (runs.length === 0) return null;
  return (
    <section className="results-section" aria-labelledby="blind-heading">
      <div className="section-head">
        <h3 id="blind-heading">Blind baseline</h3>
        <p className="muted">
          The same GD/PS questions asked with a blank grey image instead of the real one (a separate cached
          run). Individual accuracy over the cases answered in both runs.
        </p>
      </div>
      <table className="results-table" data-testid="results-blind">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Method</th>
            <th scope="col">Cases</th>
            <th scope="col">Accuracy, real image</th>
            <th scope="col">Accuracy, blank image</th>
            <th scope="col">Answer unchanged by the image</th>
          </tr>
        </thead>
        <tbody>
          {runs.flatMap(({ run, rows }) =>
            rows.map((row) => (
              <tr
                key={`${run.id}-${row.method}`}
                data-testid="results-blind-row"
                data-run-id={run.id}
                data-method={row.method}
              >
                <td>{runName(run)}</td>
                <td>{row.method}</td>
                <td data-col="cases">{row.casesCompared}</td>
                <td data-col="real">{blindPercent(row.realAccuracy)}</td>
                <td data-col="blank">{blindPercent(row.blankAccuracy)}</td>
                <td data-col="unchanged">{blindPercent(row.unchangedShare)}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}
