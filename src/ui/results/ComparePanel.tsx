// Results tab: "Compare two runs". Two stored runs of the same model on the same questions that
// differ only in a scoring setting (typically the dtype: a q4 or q8 export against fp32): per
// method the answers that flipped, the agreement with its 95 % Wilson interval, set accuracy A → B
// with the exact McNemar test, and a link to the flipped pairs in the Explorer. Runs that differ
// in anything else are refused with the reasons. Data comes from the comparison store.
import { useEffect, type ChangeEvent } from 'react';
import { COMPARISON_COLUMNS, comparisonHeader, comparisonRow } from '../../core/results/comparisonTable.ts';
import { DEFAULT_URL_STATE, explorerHash } from '../../core/results/explorerUrl.ts';
import { runSetup } from '../../core/results/runCard.ts';
import type { RunComparison } from '../../core/results/runComparison.ts';
import { useComparisonStore } from '../../state/comparisonStore.ts';
import type { RunSummary } from '../../state/resultsStore.ts';
import { saveFile } from './download.ts';

function RunSelect(props: {
  label: string;
  testId: string;
  value: string | null;
  runs: readonly RunSummary[];
  onChange: (id: string | null) => void;
}) {
  const onChange = (e: ChangeEvent<HTMLSelectElement>) =>
    props.onChange(e.target.value === '' ? null : e.target.value);
  return (
    <label className="field">
      <span>{props.label}</span>
      <select data-testid={props.testId} value={props.value ?? ''} onChange={onChange}>
        <option value="">Choose a run</option>
        {props.runs.map(({ run }) => {
          // App runs' labels already name dtype and device; an imported file's may not.
          const setup = runSetup(run);
          const named = run.label.includes(setup.dtype)
            ? run.label
            : `${run.label} · ${setup.dtype} · ${setup.device}`;
          return (
            <option key={run.id} value={run.id}>
              {`${named}${run.imported ? ' · imported' : ''}`}
            </option>
          );
        })}
      </select>
    </label>
  );
}

function ComparisonTable({ comparison }: { comparison: RunComparison }) {
  const [runA, runB, differs] = comparisonHeader(comparison);
  return (
    <>
      <p className="muted" data-testid="compare-differences">
        {runA}
        <br />
        {runB}
        <br />
        <strong>{differs}</strong>
      </p>
      <table className="results-table" data-testid="compare-table">
        <thead>
          <tr>
            {COMPARISON_COLUMNS.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            <th scope="col">Flipped pairs</th>
          </tr>
        </thead>
        <tbody>
          {comparison.methods.map((m) => {
            const cells = comparisonRow(m);
            const href = explorerHash({
              ...DEFAULT_URL_STATE,
              run: comparison.a.id,
              compare: comparison.b.id,
              method: m.method,
              flipped: true,
            });
            return (
              <tr key={m.method} data-testid="compare-row" data-method={m.method}>
                <th scope="row">{cells[0]}</th>
                {cells.slice(1).map((cell, i) => (
                  <td key={COMPARISON_COLUMNS[i + 1]} data-col={COMPARISON_COLUMNS[i + 1]}>
                    {cell}
                  </td>
                ))}
                <td>
                  {m.flippedPairIds.length === 0 ? (
                    'none'
                  ) : (
                    <a href={href} data-testid="compare-explorer-link">
                      {`${m.flippedPairIds.length} in the Explorer`}
                    </a>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {comparison.skipped.length > 0 && (
        <ul className="hint" data-testid="compare-skipped">
          {comparison.skipped.map((s) => (
            <li key={s.method}>{`${s.method} not compared: ${s.reason}.`}</li>
          ))}
        </ul>
      )}
    </>
  );
}

export function ComparePanel({ runs }: { runs: readonly RunSummary[] }) {
  const aId = useComparisonStore((s) => s.aId);
  const bId = useComparisonStore((s) => s.bId);
  const status = useComparisonStore((s) => s.status);
  const result = useComparisonStore((s) => s.result);
  const error = useComparisonStore((s) => s.error);
  const setA = useComparisonStore((s) => s.setA);
  const setB = useComparisonStore((s) => s.setB);
  const swap = useComparisonStore((s) => s.swap);
  const refresh = useComparisonStore((s) => s.refresh);
  const exportJson = useComparisonStore((s) => s.exportJson);
  const choices = runs.filter((s) => s.comparable);
  // A chosen run that gained answers (a run finished meanwhile) is compared again.
  const signature = runs.map((s) => `${s.run.id}:${s.caseCount}:${s.run.updatedAt}`).join('|');
  useEffect(() => {
    void refresh();
  }, [signature, refresh]);

  if (choices.length < 2) return null;
  return (
    <section className="results-section" aria-labelledby="compare-heading" data-testid="compare-panel">
      <div className="section-head">
        <h3 id="compare-heading">Compare two runs</h3>
        <p className="muted">
          Two runs of the same model on the same questions that differ only in a scoring setting — the dtype
          (a q4 or q8 export against fp32 or fp16, as papers report), the device or the scoring mode. Per
          method: images whose answer flipped, the agreement with its 95 % Wilson interval, and the change in
          set accuracy with the exact McNemar test on the pairs (b: right in A only, c: right in B only).
        </p>
      </div>
      <div className="button-row">
        <RunSelect label="Run A (reference)" testId="compare-a" value={aId} runs={choices} onChange={setA} />
        <RunSelect label="Run B" testId="compare-b" value={bId} runs={choices} onChange={setB} />
        <button type="button" className="button button-secondary" onClick={() => void swap()}>
          Swap
        </button>
        {result?.comparable && (
          <button
            type="button"
            className="button button-secondary"
            data-testid="compare-download"
            onClick={() => {
              const file = exportJson();
              if (file) saveFile(file);
            }}
          >
            Download comparison (JSON)
          </button>
        )}
      </div>
      {status === 'computing' && (
        <p className="hint" role="status">
          Comparing…
        </p>
      )}
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      {result && !result.comparable && (
        <div className="alert" role="alert" data-testid="compare-refused">
          <p>These two runs cannot be compared:</p>
          <ul>
            {result.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </div>
      )}
      {result?.comparable && <ComparisonTable comparison={result} />}
    </section>
  );
}
