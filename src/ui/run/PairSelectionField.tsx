// Run tab: which pairs to run — all of them, the first N, one category, or a list of pair ids.
// The choice is shown beside the run id and kept in the run card; it is no part of the run id, so
// running the rest later computes only the cases not stored yet.
import { useState, type ChangeEvent } from 'react';
import { parsePairIds, type PairSelection } from '../../core/run/selection.ts';
import { useDatasetStore } from '../../state/datasetStore.ts';
import { useRunStore } from '../../state/runStore.ts';

type Kind = PairSelection['kind'];

export function PairSelectionField({ disabled }: { disabled: boolean }) {
  const selection = useRunStore((s) => s.selection);
  const setSelection = useRunStore((s) => s.setSelection);
  const dataset = useDatasetStore((s) => s.dataset);
  const total = dataset?.pairs.length ?? 0;
  const categories = dataset?.categories ?? [];
  // What the user typed, kept while they type (the store holds the parsed choice).
  const [count, setCount] = useState(selection.kind === 'first' ? String(selection.count) : '10');
  const [category, setCategory] = useState(
    selection.kind === 'category' ? selection.category : (categories[0] ?? ''),
  );
  const [ids, setIds] = useState(selection.kind === 'ids' ? selection.ids.join(', ') : '');

  function choose(kind: Kind, next: { count?: string; category?: string; ids?: string } = {}) {
    const c = next.count ?? count;
    const cat = next.category ?? category;
    const list = next.ids ?? ids;
    if (kind === 'all') setSelection({ kind });
    else if (kind === 'first') setSelection({ kind, count: Math.max(0, Math.floor(Number(c) || 0)) });
    else if (kind === 'category') setSelection({ kind, category: cat || (categories[0] ?? '') });
    else setSelection({ kind, ids: parsePairIds(list) });
  }

  return (
    <fieldset className="run-pairs" disabled={disabled}>
      <legend>Pairs</legend>
      <label className="field">
        <span>Run</span>
        <select
          data-testid="run-subset"
          value={selection.kind}
          onChange={(e: ChangeEvent<HTMLSelectElement>) => choose(e.target.value as Kind)}
        >
          <option value="all">All {total} pairs</option>
          <option value="first">The first N pairs</option>
          <option value="category">The pairs of one category</option>
          <option value="ids">A list of pair ids</option>
        </select>
      </label>
      {selection.kind === 'first' && (
        <label className="field">
          <span>How many</span>
          <input
            type="number"
            min={1}
            max={total}
            data-testid="run-subset-first"
            value={Number(count) === selection.count ? count : String(selection.count)}
            onChange={(e) => {
              setCount(e.target.value);
              choose('first', { count: e.target.value });
            }}
          />
        </label>
      )}
      {selection.kind === 'category' && (
        <label className="field">
          <span>Category</span>
          <select
            data-testid="run-subset-category"
            value={selection.category}
            onChange={(e) => {
              setCategory(e.target.value);
              choose('category', { category: e.target.value });
            }}
          >
            {categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
      )}
      {selection.kind === 'ids' && (
        <label className="field">
          <span>Pair ids (separated by commas or spaces)</span>
          <input
            type="text"
            data-testid="run-subset-ids"
            value={parsePairIds(ids).join(',') === selection.ids.join(',') ? ids : selection.ids.join(', ')}
            placeholder="10001, 10005"
            onChange={(e) => {
              setIds(e.target.value);
              choose('ids', { ids: e.target.value });
            }}
          />
        </label>
      )}
    </fieldset>
  );
}
