// The dataset bar: which question set is loaded and where it comes from, loading a user's own
// pairs file, switching between saved datasets, and the precise error when a file is malformed.
import type { ChangeEvent } from 'react';
import { useDatasetStore } from '../state/datasetStore.ts';

const FILE_INPUT_ID = 'dataset-file-input';

export function DatasetBar() {
  const dataset = useDatasetStore((s) => s.dataset);
  const status = useDatasetStore((s) => s.status);
  const source = useDatasetStore((s) => s.source);
  const fileName = useDatasetStore((s) => s.fileName);
  const error = useDatasetStore((s) => s.error);
  const notice = useDatasetStore((s) => s.notice);
  const saved = useDatasetStore((s) => s.saved);
  const importDatasetFile = useDatasetStore((s) => s.importDatasetFile);
  const switchToOfficial = useDatasetStore((s) => s.useOfficialDataset);
  const loadOfficial = useDatasetStore((s) => s.loadOfficial);
  const loadSavedDataset = useDatasetStore((s) => s.loadSavedDataset);
  const deleteSavedDataset = useDatasetStore((s) => s.deleteSavedDataset);
  const dismissError = useDatasetStore((s) => s.dismissError);

  function onFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    // Reset so choosing the same (now fixed) file again still fires a change.
    e.target.value = '';
    if (file) void importDatasetFile(file);
  }

  function onSavedChange(e: ChangeEvent<HTMLSelectElement>) {
    const hash = e.target.value;
    if (hash) void loadSavedDataset(hash);
  }

  const loading = status === 'loading';
  const isSaved = source === 'user' && dataset !== null && saved.some((d) => d.hash === dataset.hash);

  return (
    <section className="dataset-bar" aria-label="Dataset">
      <div className="dataset-info">
        <p className="dataset-name">
          {dataset === null ? (
            <span>{loading ? 'Loading the MediConfusion pairs…' : 'No dataset loaded'}</span>
          ) : source === 'official' ? (
            <>
              <span className="dataset-label">Dataset</span> <strong>MediConfusion</strong> (official)
            </>
          ) : (
            <>
              <span className="dataset-label">Your dataset</span> <strong>{dataset.name}</strong>
              {fileName !== null && <span className="muted"> from {fileName}</span>}
            </>
          )}
          {dataset !== null && (
            <span className="muted" title={`Dataset hash ${dataset.hash}`}>
              {' '}
              · {dataset.pairs.length} {dataset.pairs.length === 1 ? 'pair' : 'pairs'} · hash{' '}
              <code>{dataset.hash.slice(0, 8)}</code>
            </span>
          )}
        </p>
        <p className="provenance">
          {source === 'official' || dataset === null
            ? 'Data: MediConfusion (AIF4S/MediConfusion, MIT). Images not included.'
            : 'Checked against the MediConfusion format. Scores on it are not comparable with the paper.'}
        </p>
      </div>

      <div className="dataset-actions">
        <input
          id={FILE_INPUT_ID}
          data-testid="dataset-file-input"
          type="file"
          accept=".json,.csv,application/json,text/csv"
          className="visually-hidden file-input"
          onChange={onFile}
          disabled={loading}
        />
        <label htmlFor={FILE_INPUT_ID} className="button" aria-disabled={loading || undefined}>
          Load your own pairs (JSON/CSV)
        </label>
        {source === 'user' && (
          <button type="button" className="button button-secondary" onClick={() => void switchToOfficial()}>
            Use official MediConfusion
          </button>
        )}
        {isSaved && dataset !== null && (
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void deleteSavedDataset(dataset.hash)}
          >
            Forget this dataset
          </button>
        )}
        <details className="format-help">
          <summary>File format</summary>
          <p>
            JSON as the official <code>dataset.json</code> (an object keyed by pair id), or CSV with a header
            row: <code>id</code>, <code>question</code>, <code>option_A</code>, <code>option_B</code>,{' '}
            <code>im_1_correct</code>, <code>im_2_correct</code>, <code>im_1_local</code>,{' '}
            <code>im_2_local</code>, <code>category_1</code>, <code>category_2</code> (categories separated by{' '}
            <code>;</code>). A file with any error is rejected as a whole.
          </p>
        </details>
        {saved.length > 0 && (
          <label className="field">
            <span>Saved datasets</span>
            <select value="" onChange={onSavedChange} disabled={loading}>
              <option value="">Choose…</option>
              {saved.map((d) => (
                <option key={d.hash} value={d.hash}>
                  {d.name} ({d.format.toUpperCase()}, {new Date(d.addedAt).toLocaleDateString()})
                </option>
              ))}
            </select>
          </label>
        )}
      </div>

      {error !== null && (
        <div className="alert" role="alert" data-testid="dataset-error">
          <p className="alert-title">{dataset === null ? 'No dataset could be loaded' : 'File not loaded'}</p>
          <p className="alert-message">{error}</p>
          {dataset !== null && (
            <p className="alert-hint">
              {source === 'official'
                ? 'The official MediConfusion pairs are'
                : `Your dataset "${dataset.name}" is`}{' '}
              still in use.
            </p>
          )}
          <div className="alert-actions">
            {dataset === null && (
              <button type="button" className="button" onClick={() => void loadOfficial()}>
                Try again
              </button>
            )}
            <button type="button" className="button button-secondary" onClick={dismissError}>
              Dismiss
            </button>
          </div>
        </div>
      )}
      {notice !== null && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
    </section>
  );
}
