// The Explorer's controls: which view, which run (and which to compare), which method, and the
// filters (category, outcome, flipped against the compared run, search) with the number of pairs
// they keep. Every change goes through the explorer store, which also puts it in the URL.
import { useMemo, type KeyboardEvent, type RefObject } from 'react';
import {
  filterExplorerPairs,
  indexLookup,
  matchesOutcome,
  pairAnswers,
  plural,
} from '../../core/results/explorerModel.ts';
import { filterFlippedPairs } from '../../core/results/pairFilters.ts';
import {
  OUTCOME_FILTERS,
  OUTCOME_FILTER_LABELS,
  type ExplorerViewName,
  type OutcomeFilter,
} from '../../core/results/explorerUrl.ts';
import { explorerStore, type ExplorerRun } from '../../state/explorerStore.ts';
import { SomeImagesNote } from './ImagesNotice.tsx';
import type { ExplorerData } from './useExplorerData.ts';
import type { Method } from '../../core/types.ts';
import { SearchField } from '../SearchField.tsx';

const VIEW_LABELS: Readonly<Record<ExplorerViewName, string>> = {
  pair: 'Pair',
  scatter: 'Similarity scatter',
  sensitivity: 'Least sensitive',
};

function runOptionLabel(run: ExplorerRun): string {
  const date = new Date(run.createdAt).toLocaleDateString(undefined, { dateStyle: 'medium' });
  const name = run.label || run.modelId;
  const status = run.status === 'complete' ? '' : ` · ${run.status}`;
  return `${name} · ${date}${run.imported ? ' · imported' : ''}${status}`;
}

function RunOptions({ data, exclude }: { data: ExplorerData; exclude: string | null }) {
  return (
    <>
      {data.comparableRuns
        .filter((r) => r.id !== exclude)
        .map((r) => (
          <option key={r.id} value={r.id}>
            {runOptionLabel(r)}
          </option>
        ))}
      {data.otherRuns.length > 0 && (
        <optgroup label="Runs on another question set">
          {data.otherRuns.map((r) => (
            <option key={r.id} value={r.id} disabled>
              {runOptionLabel(r)}
            </option>
          ))}
        </optgroup>
      )}
    </>
  );
}

interface Props {
  data: ExplorerData;
  searchRef: RefObject<HTMLInputElement | null>;
}

export function ExplorerToolbar({ data, searchRef }: Props) {
  const store = explorerStore.getState();
  const { url, dataset, main, method, methods, list, filter } = data;
  const total = dataset?.pairs.length ?? 0;
  const mainMissing = url.run !== null && main.run === null;

  // Pairs each outcome would keep with the other filters as they are.
  const outcomeCounts = useMemo(() => {
    const counts = new Map<OutcomeFilter, number>();
    if (!dataset || main.index === null || method === null) return counts;
    const base = filterExplorerPairs(dataset.pairs, { ...filter, outcome: '' }, null, null);
    for (const o of OUTCOME_FILTERS) {
      counts.set(
        o,
        base.filter((p) => {
          const { answer1, answer2 } = pairAnswers(main.index, p.id, method);
          return matchesOutcome(o, p, answer1, answer2);
        }).length,
      );
    }
    return counts;
  }, [dataset, filter, main.index, method]);

  // Pairs the flipped filter would keep with the other filters as they are.
  const flippedCount = useMemo(() => {
    if (!dataset || main.index === null || data.compare.index === null || method === null) return null;
    const base = filterExplorerPairs(dataset.pairs, { ...filter, flipped: false }, main.index, method);
    return filterFlippedPairs(base, indexLookup(main.index, method), indexLookup(data.compare.index, method))
      .length;
  }, [dataset, filter, main.index, data.compare.index, method]);

  function onSearchKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Escape' && url.query !== '') {
      e.preventDefault();
      e.stopPropagation();
      store.setFilter({ query: '' });
    }
  }

  const noRun = url.run === null;
  return (
    <div className="explorer-toolbar">
      <div className="explorer-toolbar-row">
        <div className="explorer-views" role="group" aria-label="View">
          {(['pair', 'scatter', 'sensitivity'] as const).map((v) => (
            <button
              key={v}
              type="button"
              className="explorer-view-button"
              data-testid={`explorer-view-${v}`}
              aria-pressed={url.view === v}
              onClick={() => store.setView(v)}
            >
              {VIEW_LABELS[v]}
            </button>
          ))}
        </div>
        <label className="field explorer-field-run">
          <span>Run</span>
          <select
            data-testid="explorer-run-select"
            value={url.run ?? ''}
            onChange={(e) => store.setRun(e.target.value === '' ? null : e.target.value)}
          >
            <option value="">
              {data.comparableRuns.length === 0 ? 'No runs yet' : 'No run (pairs only)'}
            </option>
            {mainMissing && url.run !== null && (
              <option value={url.run} disabled>
                {`${url.run} (not in this browser)`}
              </option>
            )}
            <RunOptions data={data} exclude={null} />
          </select>
        </label>
        <label className="field explorer-field-run">
          <span>Compare with</span>
          <select
            data-testid="explorer-compare-select"
            value={url.compare ?? ''}
            disabled={noRun}
            onChange={(e) => store.setCompare(e.target.value === '' ? null : e.target.value)}
          >
            <option value="">No second run</option>
            {url.compare !== null && data.compare.run === null && (
              <option value={url.compare} disabled>
                {`${url.compare} (not in this browser)`}
              </option>
            )}
            <RunOptions data={data} exclude={url.run} />
          </select>
        </label>
        <label className="field">
          <span>Method</span>
          <select
            data-testid="explorer-filter-method"
            value={method ?? ''}
            disabled={noRun || methods.length === 0}
            onChange={(e) => store.setMethod(e.target.value as Method)}
          >
            {method === null || methods.length === 0 ? <option value={method ?? ''}>—</option> : null}
            {methods.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button explorer-present-button"
          data-testid="explorer-present-toggle"
          aria-pressed="false"
          aria-keyshortcuts="P"
          onClick={() => store.setPresent(true)}
        >
          Present
        </button>
      </div>
      <div className="explorer-toolbar-row" role="search" aria-label="Filter pairs">
        <label className="field">
          <span>Category</span>
          <select
            data-testid="explorer-filter-category"
            value={filter.category}
            onChange={(e) => store.setFilter({ category: e.target.value })}
          >
            <option value="">All categories</option>
            {(dataset?.categories ?? []).map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Outcome{method ? ` (${method})` : ''}</span>
          <select
            data-testid="explorer-filter-outcome"
            value={noRun ? '' : url.outcome}
            disabled={noRun}
            title={noRun ? 'Choose a run to filter by its outcome' : undefined}
            onChange={(e) => store.setFilter({ outcome: e.target.value as OutcomeFilter })}
          >
            <option value="">{OUTCOME_FILTER_LABELS['']}</option>
            {OUTCOME_FILTERS.map((o) => (
              <option key={o} value={o}>
                {OUTCOME_FILTER_LABELS[o]}
                {outcomeCounts.has(o) ? ` (${outcomeCounts.get(o)})` : ''}
              </option>
            ))}
          </select>
        </label>
        <label
          className="explorer-flipped"
          title={
            url.compare === null
              ? 'Choose a run under "Compare with" to see where its answers differ'
              : 'Pairs with an image the two runs answer differently'
          }
        >
          <input
            type="checkbox"
            data-testid="explorer-filter-flipped"
            checked={url.flipped && url.compare !== null}
            disabled={noRun || url.compare === null}
            onChange={(e) => store.setFilter({ flipped: e.target.checked })}
          />
          <span>
            Flipped vs compared run{method ? ` (${method})` : ''}
            {flippedCount !== null ? ` (${flippedCount})` : ''}
          </span>
        </label>
        <SearchField
          inputRef={searchRef}
          testId="explorer-search"
          className="explorer-search"
          value={url.query}
          onChange={(value) => store.setFilter({ query: value })}
          onKeyDown={onSearchKey}
        />
        <p className="explorer-count-line" aria-live="polite">
          <strong data-testid="explorer-count">{plural(list.length, 'pair')}</strong>
          {list.length !== total && <span className="muted"> of {total}</span>}
        </p>
        {data.filtered && (
          <button type="button" className="button button-secondary" onClick={() => store.clearFilters()}>
            Clear filters
          </button>
        )}
        <SomeImagesNote dataset={dataset} />
      </div>
    </div>
  );
}
