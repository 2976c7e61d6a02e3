// One run in detail: its run card (everything needed to reproduce it) as a definition list with
// Copy and Download, and the export buttons: our bundle (to import on another machine), the
// per-case CSV, and the official answers and score files per method; under them, for a run that
// kept its image embeddings, the model's own image similarity against confusion.
import { runName } from '../../core/run/runName.ts';
import { useMemo, type ChangeEvent } from 'react';
import { officialFileNames } from '../../core/resultFormats.ts';
import { OFFICIAL_MODE } from '../../core/run/methods.ts';
import { useDatasetStore } from '../../state/datasetStore.ts';
import type { ExportKind } from '../../core/results/exportFiles.ts';
import { buildRunCard } from '../../core/results/runCard.ts';
import { useResultsStore } from '../../state/resultsStore.ts';
import { saveFile } from './download.ts';
import { ModelSimilarityPanel } from './ModelSimilarityPanel.tsx';
import { modelSimilarityEntry, runCardEntries } from './runCardEntries.ts';

export function RunCardPanel() {
  const runs = useResultsStore((s) => s.runs);
  const detailRunId = useResultsStore((s) => s.detailRunId);
  const results = useResultsStore((s) => (s.detailRunId ? s.metricsByRun[s.detailRunId] : undefined));
  const similarity = useResultsStore((s) => (s.detailRunId ? s.similarityByRun[s.detailRunId] : undefined));
  const showDetails = useResultsStore((s) => s.showDetails);
  const exportRun = useResultsStore((s) => s.exportRun);
  const copyRunCard = useResultsStore((s) => s.copyRunCard);
  const dataset = useDatasetStore((s) => s.dataset);
  const summary = runs.find((s) => s.run.id === detailRunId);

  const card = useMemo(
    () => (summary ? buildRunCard(summary.run, dataset, results ?? null) : null),
    [summary, dataset, results],
  );
  const entries = useMemo(
    () => (card ? [...runCardEntries(card), ...(similarity ? [modelSimilarityEntry(similarity)] : [])] : []),
    [card, similarity],
  );

  if (!summary || !card) return null;
  const { run, comparable } = summary;

  async function download(kind: ExportKind) {
    const file = await exportRun(run.id, kind);
    if (file) saveFile(file);
  }

  function onRun(e: ChangeEvent<HTMLSelectElement>) {
    void showDetails(e.target.value);
  }

  return (
    <section className="results-section" aria-labelledby="runcard-heading">
      <div className="section-head">
        <h3 id="runcard-heading">Run card and export</h3>
        <label className="field field-inline">
          <span>Run</span>
          <select value={run.id} onChange={onRun} data-testid="results-detail-run">
            {runs.map((s) => (
              <option key={s.run.id} value={s.run.id}>
                {runName(s.run)}
                {s.run.imported ? ' (imported)' : ''}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="runcard-layout">
        <div className="runcard-box">
          <dl className="runcard-list" data-testid="results-run-card">
            {entries.map((e) => (
              <div key={e.term} className="runcard-entry">
                <dt>{e.term}</dt>
                {e.details.map((d, i) => (
                  <dd key={i} className={e.mono ? 'mono' : undefined}>
                    {d}
                  </dd>
                ))}
              </div>
            ))}
          </dl>
          <div className="button-row">
            <button
              type="button"
              className="button button-secondary"
              data-testid="results-copy-run-card"
              onClick={() => void copyRunCard(run.id)}
            >
              Copy run card
            </button>
            <button
              type="button"
              className="button button-secondary"
              data-testid="results-export-run-card"
              onClick={() => void download({ kind: 'run-card' })}
            >
              Download run card (JSON)
            </button>
          </div>
        </div>

        <div className="export-box">
          <h4>Export results</h4>
          <div className="export-item">
            <button
              type="button"
              className="button"
              data-testid="results-export-bundle"
              onClick={() => void download({ kind: 'bundle' })}
            >
              Results bundle (JSON)
            </button>
            <p className="muted">Run card and every answer. Import it on another machine to compare there.</p>
          </div>
          <div className="export-item">
            <button
              type="button"
              className="button button-secondary"
              data-testid="results-export-csv"
              onClick={() => void download({ kind: 'csv' })}
              disabled={!comparable}
            >
              Answers (CSV)
            </button>
            <p className="muted">
              One row per image and method, with probabilities, scores and generated text.
            </p>
          </div>
          <h4>Official result files</h4>
          <p className="muted">
            The files the official evaluation code writes, for use with its scripts.
            {!comparable && ' Load the dataset this run answered to make them.'}
          </p>
          {card.methods.length === 0 && <p className="muted">This run has no methods yet.</p>}
          <ul className="official-list">
            {card.methods.map((m) => {
              const names = officialFileNames(run.model.modelId, m);
              return (
                <li key={m}>
                  <span className="official-method">
                    {m} <span className="muted">({OFFICIAL_MODE[m]})</span>
                  </span>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    data-testid={`results-export-official-${m}`}
                    onClick={() => void download({ kind: 'official-answers', method: m })}
                    disabled={!comparable}
                    title={names.answers}
                  >
                    Answers
                  </button>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    data-testid={`results-export-official-score-${m}`}
                    onClick={() => void download({ kind: 'official-score', method: m })}
                    disabled={!comparable}
                    title={names.score}
                  >
                    Score
                  </button>
                  <code className="file-name">{names.answers}</code>
                </li>
              );
            })}
          </ul>
        </div>
      </div>
      {similarity && dataset && (
        <ModelSimilarityPanel
          key={run.id}
          runId={run.id}
          runLabel={runName(run)}
          similarity={similarity}
          pairs={dataset.pairs}
        />
      )}
    </section>
  );
}
