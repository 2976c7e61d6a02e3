// Importing results computed elsewhere: our bundle, a per-case CSV, the command line's output, or
// an official `<model>_<mode>.json` answers file (method from its name, or chosen here). A file with
// any error is rejected whole and the error panel says exactly where.
import type { ChangeEvent } from 'react';
import { METHODS, type Method } from '../../core/types.ts';
import { OFFICIAL_MODE } from '../../core/run/methods.ts';
import type { ImportMethodChoice } from '../../core/results/importFiles.ts';
import { useResultsStore } from '../../state/resultsStore.ts';

const INPUT_ID = 'results-import-input';

export function ImportPanel() {
  const importing = useResultsStore((s) => s.importing);
  const importMethod = useResultsStore((s) => s.importMethod);
  const importFile = useResultsStore((s) => s.importFile);
  const setImportMethod = useResultsStore((s) => s.setImportMethod);

  function onFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    // Reset so choosing the same (now fixed) file again still fires a change.
    e.target.value = '';
    if (file) void importFile(file);
  }

  function onMethod(e: ChangeEvent<HTMLSelectElement>) {
    const v = e.target.value;
    setImportMethod(v === 'auto' ? 'auto' : (v as Method));
  }

  return (
    <div className="results-import">
      <input
        id={INPUT_ID}
        data-testid="results-import-input"
        type="file"
        accept=".json,.csv,application/json,text/csv"
        className="visually-hidden file-input"
        onChange={onFile}
        disabled={importing}
      />
      <label htmlFor={INPUT_ID} className="button" aria-disabled={importing || undefined}>
        {importing ? 'Importing…' : 'Import results (JSON/CSV)'}
      </label>
      <label className="field">
        <span>Method of an official answers file</span>
        <select value={importMethod} onChange={onMethod} disabled={importing}>
          <option value={'auto' satisfies ImportMethodChoice}>From the file name</option>
          {METHODS.map((m) => (
            <option key={m} value={m}>
              {m} ({OFFICIAL_MODE[m]})
            </option>
          ))}
        </select>
      </label>
      <details className="format-help">
        <summary>Which files?</summary>
        <p>
          A results bundle exported here (<code>*.mediconfusion-results.json</code>), the answers CSV exported
          here, the command line&rsquo;s <code>--out</code> file, or an official answers file{' '}
          <code>&lt;model&gt;_greedy.json</code> (also <code>_prefix</code>, <code>_mc</code>,{' '}
          <code>_gpt4</code>
          ). The answers must be for the loaded dataset. Imported runs are stored in this browser and appear
          in the comparison.
        </p>
      </details>
    </div>
  );
}
