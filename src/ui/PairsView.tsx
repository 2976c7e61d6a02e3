// Pairs tab: every confusion pair of the loaded dataset in one table (cards on narrow screens),
// with a category filter and a search box that `/` focuses from anywhere on the page. A long
// table renders only the rows near the screen (useWindowedRows).
import { memo, useEffect, useMemo, useRef, type ChangeEvent, type KeyboardEvent } from 'react';
import type { ConfusionPair, Letter } from '../core/types.ts';
import { useDatasetStore } from '../state/datasetStore.ts';
import { countImages, filterPairs, pairsPerCategory, searchTerms } from '../core/results/pairFilters.ts';
import { useUiStore } from '../state/uiStore.ts';
import { CategoryChips } from './CategoryChips.tsx';
import { Highlight } from './Highlight.tsx';
import { SearchField } from './SearchField.tsx';
import { useWindowedRows } from './useWindowedRows.ts';

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

function formatSimilarity(x: number | null): string {
  return x === null ? '—' : x.toFixed(3);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

interface RowProps {
  pair: ConfusionPair;
  index: number;
  categories: readonly string[];
  terms: readonly string[];
}

function ImageCell({
  slot,
  correct,
  categories,
  order,
}: {
  slot: 1 | 2;
  correct: Letter;
  categories: readonly string[];
  order: readonly string[];
}) {
  return (
    <td role="cell" className="col-image" data-label={`Image ${slot}`}>
      <span className="answer">
        <span className="answer-label">Answer</span>
        <span className={`letter letter-${correct}`}>{correct}</span>
      </span>
      <CategoryChips categories={categories} order={order} label={`Image ${slot} categories`} />
    </td>
  );
}

// Memoised: changing the category filter leaves rows that stay visible untouched.
const PairRow = memo(function PairRow({ pair, index, categories, terms }: RowProps) {
  return (
    <tr
      role="row"
      data-testid="pair-row"
      data-pair-id={pair.id}
      data-row-index={index}
      className={index % 2 === 1 ? 'row-even' : undefined}
      aria-rowindex={index + 2}
    >
      <th scope="row" role="rowheader" className="col-id" data-label="Pair">
        <Highlight text={pair.id} terms={terms} />
      </th>
      <td role="cell" className="col-question" data-label="Question">
        <Highlight text={pair.question} terms={terms} />
      </td>
      <td role="cell" className="col-option" data-label="Option A">
        <span className="letter letter-A" aria-hidden="true">
          A
        </span>{' '}
        <Highlight text={pair.optionA} terms={terms} />
      </td>
      <td role="cell" className="col-option" data-label="Option B">
        <span className="letter letter-B" aria-hidden="true">
          B
        </span>{' '}
        <Highlight text={pair.optionB} terms={terms} />
      </td>
      <ImageCell slot={1} correct={pair.im1Correct} categories={pair.category1} order={categories} />
      <ImageCell slot={2} correct={pair.im2Correct} categories={pair.category2} order={categories} />
      <td role="cell" className="col-num" data-label="BiomedCLIP">
        {formatSimilarity(pair.biomedClipSim)}
      </td>
      <td role="cell" className="col-num col-dino" data-label="DINO">
        {formatSimilarity(pair.dinoSim)}
      </td>
    </tr>
  );
});

export function PairsView() {
  const dataset = useDatasetStore((s) => s.dataset);
  const status = useDatasetStore((s) => s.status);
  const filter = useUiStore((s) => s.pairFilter);
  const setPairFilter = useUiStore((s) => s.setPairFilter);
  const clearPairFilter = useUiStore((s) => s.clearPairFilter);
  const searchRef = useRef<HTMLInputElement>(null);

  // "/" focuses the search box unless the user is already typing somewhere.
  useEffect(() => {
    function onKey(e: globalThis.KeyboardEvent) {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return;
      e.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const pairs = useMemo(() => dataset?.pairs ?? [], [dataset]);
  const categoryCounts = useMemo(() => pairsPerCategory(pairs), [pairs]);
  const totalImages = useMemo(() => countImages(pairs), [pairs]);
  const shown = useMemo(() => filterPairs(pairs, filter), [pairs, filter]);
  const shownImages = useMemo(() => countImages(shown), [shown]);
  const terms = useMemo(() => searchTerms(filter.query), [filter.query]);
  const keys = useMemo(() => shown.map((p) => p.id), [shown]);
  const rows = useWindowedRows(keys);

  if (dataset === null) {
    return (
      <section className="pairs-empty" aria-labelledby="pairs-heading">
        <h2 id="pairs-heading">Confusion pairs</h2>
        <p role="status">{status === 'loading' ? 'Loading the pairs…' : 'No dataset is loaded.'}</p>
      </section>
    );
  }

  const categories = dataset.categories;
  const filtered = filter.category !== '' || terms.length > 0;
  const countText = filtered
    ? `${shown.length} of ${plural(pairs.length, 'pair')} · ${shownImages} of ${plural(totalImages, 'image')}`
    : `${plural(pairs.length, 'pair')} · ${plural(totalImages, 'image')}`;

  function onSearchKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Escape' && filter.query !== '') {
      e.preventDefault();
      setPairFilter({ query: '' });
    }
  }

  return (
    <section className="pairs" aria-labelledby="pairs-heading">
      <div className="pairs-toolbar">
        <div className="pairs-heading">
          <h2 id="pairs-heading">Confusion pairs</h2>
          <p className="pair-count" data-testid="pair-count" aria-live="polite">
            {countText}
          </p>
        </div>
        <div className="pairs-filters" role="search">
          <label className="field">
            <span>Category</span>
            <select
              data-testid="category-filter"
              value={filter.category}
              onChange={(e: ChangeEvent<HTMLSelectElement>) => setPairFilter({ category: e.target.value })}
            >
              <option value="">All categories</option>
              {categories.map((c) => (
                <option key={c} value={c}>
                  {c} ({plural(categoryCounts.get(c) ?? 0, 'pair')})
                </option>
              ))}
            </select>
          </label>
          <SearchField
            inputRef={searchRef}
            testId="search-input"
            value={filter.query}
            onChange={(value) => setPairFilter({ query: value })}
            onKeyDown={onSearchKey}
          />
        </div>
      </div>

      <div className="table-wrap">
        {/* Explicit roles keep table semantics when narrow screens restyle rows as cards. */}
        <table className="pairs-table" role="table" aria-rowcount={shown.length + 1}>
          <caption className="visually-hidden">
            Confusion pairs: each question is asked about two images whose correct options differ.
          </caption>
          <thead role="rowgroup">
            <tr role="row">
              <th scope="col" role="columnheader" className="col-id">
                Pair
              </th>
              <th scope="col" role="columnheader" className="col-question">
                Question
              </th>
              <th scope="col" role="columnheader" className="col-option">
                Option A
              </th>
              <th scope="col" role="columnheader" className="col-option">
                Option B
              </th>
              <th scope="col" role="columnheader" className="col-image">
                Image 1<span className="visually-hidden">: correct answer and categories</span>
              </th>
              <th scope="col" role="columnheader" className="col-image">
                Image 2<span className="visually-hidden">: correct answer and categories</span>
              </th>
              <th scope="col" role="columnheader" className="col-num">
                <abbr title="BiomedCLIP image similarity">BiomedCLIP</abbr>
              </th>
              <th scope="col" role="columnheader" className="col-num col-dino">
                <abbr title="DINO image similarity">DINO</abbr>
              </th>
            </tr>
          </thead>
          <tbody role="rowgroup" ref={rows.bodyRef}>
            {rows.padTop > 0 && (
              <tr className="row-spacer" aria-hidden="true" style={{ height: rows.padTop }} />
            )}
            {shown.slice(rows.start, rows.end).map((pair, i) => (
              <PairRow
                key={pair.id}
                pair={pair}
                index={rows.start + i}
                categories={categories}
                terms={terms}
              />
            ))}
            {rows.padBottom > 0 && (
              <tr className="row-spacer" aria-hidden="true" style={{ height: rows.padBottom }} />
            )}
          </tbody>
        </table>
        {shown.length === 0 && (
          <div className="no-match">
            <p>No pairs match these filters.</p>
            <button type="button" className="button button-secondary" onClick={clearPairFilter}>
              Clear filters
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
