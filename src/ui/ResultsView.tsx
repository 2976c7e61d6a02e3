// Results tab: the stored runs, Table 1 (overall, per method and best, with intervals and the test
// against random guessing) and Table 2 (per category) beside the published results, their charts,
// two runs compared (flipped answers, McNemar), and each run's card with export and import. Data comes from the results store only.
import { useEffect, useMemo } from 'react';
import { useDatasetStore } from '../state/datasetStore.ts';
import { PAPER_RESULTS } from '../core/results/paperResults.ts';
import { useResultsStore } from '../state/resultsStore.ts';
import { useUiStore } from '../state/uiStore.ts';
import { BlindTable, type BlindTableRun } from './results/BlindTable.tsx';
import { ComparePanel } from './results/ComparePanel.tsx';
import { ImportPanel } from './results/ImportPanel.tsx';
import { ResultsMessages } from './results/ResultsMessages.tsx';
import { RunCardPanel } from './results/RunCardPanel.tsx';
import { RunList } from './results/RunList.tsx';
import { SetAccuracyChart } from './results/SetAccuracyChart.tsx';
import { Table1 } from './results/Table1.tsx';
import { Table2 } from './results/Table2.tsx';
import { bestSetBars, table1Rows, table2Rows, type RunForTable } from '../core/results/tableRows.ts';

function EmptyState({ loading, onRunTab }: { loading: boolean; onRunTab: () => void }) {
  if (loading) {
    return (
      <p className="results-empty" role="status">
        Reading stored runs…
      </p>
    );
  }
  return (
    <div className="results-empty" data-testid="results-empty">
      <h3>No runs yet</h3>
      <p>
        Results appear here once a model has answered some questions. Open the{' '}
        <button type="button" className="link-button" onClick={onRunTab}>
          Run tab
        </button>
        , choose a small vision-language model and the methods (GD, PS, MC), and start a run: every answer is
        kept in this browser, and its set accuracy, individual accuracy and confusion show up here beside the
        paper&rsquo;s models.
      </p>
      <p>Results computed on another machine can be imported with the button above.</p>
    </div>
  );
}

export function ResultsView() {
  const dataset = useDatasetStore((s) => s.dataset);
  const datasetSource = useDatasetStore((s) => s.source);
  const runs = useResultsStore((s) => s.runs);
  const status = useResultsStore((s) => s.status);
  const selectedRunIds = useResultsStore((s) => s.selectedRunIds);
  const metricsByRun = useResultsStore((s) => s.metricsByRun);
  const blindByRun = useResultsStore((s) => s.blindByRun);
  const categoryMetric = useResultsStore((s) => s.categoryMetric);
  const categoryMethod = useResultsStore((s) => s.categoryMethod);
  const refresh = useResultsStore((s) => s.refresh);
  const setTab = useUiStore((s) => s.setTab);

  // Re-read on opening the tab and whenever the dataset changes (comparability depends on it).
  useEffect(() => {
    void refresh();
  }, [dataset, refresh]);

  const compared: RunForTable[] = useMemo(() => {
    const out: RunForTable[] = [];
    for (const id of selectedRunIds) {
      const summary = runs.find((s) => s.run.id === id);
      const results = metricsByRun[id];
      if (summary && results) out.push({ run: summary.run, results });
    }
    return out;
  }, [runs, selectedRunIds, metricsByRun]);
  const pending = selectedRunIds.length - compared.length;
  // Every run with a blind baseline, compared above or not (its sibling cannot be ticked).
  const blindRuns: BlindTableRun[] = useMemo(() => {
    const out: BlindTableRun[] = [];
    for (const summary of runs) {
      const rows = blindByRun[summary.run.id];
      if (rows && rows.length > 0) out.push({ run: summary.run, rows });
    }
    return out;
  }, [runs, blindByRun]);

  const rows1 = useMemo(() => table1Rows(compared), [compared]);
  const bars = useMemo(() => bestSetBars(compared), [compared]);
  const categories = useMemo(() => dataset?.categories ?? [], [dataset]);
  const rows2 = useMemo(
    () => table2Rows(compared, categories, categoryMetric, categoryMethod),
    [compared, categories, categoryMetric, categoryMethod],
  );

  return (
    <section className="results" aria-labelledby="results-heading">
      <div className="results-header">
        <div className="results-intro">
          <h2 id="results-heading">Results</h2>
          <p className="muted">
            Your runs beside the MediConfusion paper&rsquo;s models. A pair counts as right only when both of
            its images are answered correctly (set accuracy); random guessing gets 25 %.
          </p>
          {datasetSource === 'user' && dataset !== null && (
            <p className="hint">
              Your own dataset “{dataset.name}” is loaded: the published rows were measured on the official
              MediConfusion pairs and are shown for reference only.
            </p>
          )}
        </div>
        <ImportPanel />
      </div>
      <ResultsMessages />
      {runs.length === 0 ? (
        <EmptyState loading={status === 'loading' || status === 'idle'} onRunTab={() => setTab('run')} />
      ) : (
        <>
          <RunList />
          {pending > 0 && (
            <p className="hint" role="status">
              Computing the results of {pending} {pending === 1 ? 'run' : 'runs'} (2000 bootstrap resamples
              per method)…
            </p>
          )}
        </>
      )}
      <Table1 rows={rows1} comparingNone={runs.length > 0 && selectedRunIds.length === 0} />
      <BlindTable runs={blindRuns} />
      <ComparePanel runs={runs} />
      <section className="results-section" aria-labelledby="chart1-heading">
        <div className="section-head">
          <h3 id="chart1-heading">Best set accuracy</h3>
          <p className="muted">Each model&rsquo;s best method; your runs with their 95 % intervals.</p>
        </div>
        <SetAccuracyChart bars={bars} chance={PAPER_RESULTS.random.setAccuracy} />
      </section>
      {dataset !== null && <Table2 rows={rows2} categories={categories} questions={dataset.categoryCounts} />}
      {runs.length > 0 && <RunCardPanel />}
      <p className="results-source muted">Published numbers: {PAPER_RESULTS.source}</p>
    </section>
  );
}
