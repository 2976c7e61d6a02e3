// The filtered pairs ranked by image sensitivity (least sensitive first by default): the pairs where
// the model's answer barely moves between two images that need different answers. Columns sort;
// each pair id opens the pair. In presentation the list goes a few rows at a time, so a slide
// never scrolls.
import { memo, useMemo, useState, type MouseEvent } from 'react';
import type { ConfusionPair, Method } from '../../core/types.ts';
import {
  PAIR_OUTCOME_LABELS,
  formatNumber,
  type PairOutcome,
  type RunCaseIndex,
} from '../../core/results/explorerModel.ts';
import { explorerHash, type ExplorerUrlState, type SortKey } from '../../core/results/explorerUrl.ts';
import {
  SENSITIVITY_DEFINITIONS,
  sensitivityDigits,
  sensitivityRows,
  sortSensitivityRows,
} from '../../core/results/sensitivity.ts';
import { explorerStore } from '../../state/explorerStore.ts';
import { LegendShape } from './SimilarityScatter.tsx';

/** Rows per slide in presentation (fits 1280 × 720). */
export const PRESENT_ROWS = 6;

function SensitivityBar({ value, digits }: { value: number | null; digits: number }) {
  return (
    <span className="explorer-sens-cell">
      <span className="explorer-sens-num">{formatNumber(value, digits)}</span>
      <span className="explorer-sens-track" aria-hidden="true">
        {value !== null && (
          <span className="explorer-sens-fill" style={{ width: `${Math.min(1, value) * 100}%` }} />
        )}
      </span>
    </span>
  );
}

function Outcome({ outcome }: { outcome: PairOutcome }) {
  return (
    <span className="explorer-outcome-cell">
      <LegendShape outcome={outcome} /> {PAIR_OUTCOME_LABELS[outcome]}
    </span>
  );
}

interface Props {
  pairs: readonly ConfusionPair[];
  index: RunCaseIndex | null;
  compareIndex: RunCaseIndex | null;
  method: Method | null;
  runLabel: string | null;
  compareLabel: string | null;
  url: ExplorerUrlState;
}

export const SensitivityList = memo(function SensitivityList({
  pairs,
  index,
  compareIndex,
  method,
  runLabel,
  compareLabel,
  url,
}: Props) {
  const rows = useMemo(
    () =>
      method === null
        ? []
        : sortSensitivityRows(sensitivityRows(pairs, index, compareIndex, method), url.sort),
    [pairs, index, compareIndex, method, url.sort],
  );
  const [page, setPage] = useState({ rows, at: 0 });
  const at = page.rows === rows ? page.at : 0;
  const shown = url.present ? rows.slice(at, at + PRESENT_ROWS) : rows;

  if (method === null || runLabel === null) {
    return (
      <div className="explorer-empty" data-testid="explorer-sensitivity-list">
        <p>Choose a run to rank the pairs by how much its answers move between the two images.</p>
      </div>
    );
  }

  const store = explorerStore.getState();
  const withCompare = compareIndex !== null && compareLabel !== null;
  const digits = sensitivityDigits(method);

  function header(key: SortKey, label: string, className = '', rowSpan?: number) {
    const active = url.sort.key === key;
    return (
      <th
        scope="col"
        rowSpan={rowSpan}
        className={className}
        aria-sort={active ? (url.sort.descending ? 'descending' : 'ascending') : undefined}
      >
        <button type="button" className="explorer-sort" onClick={() => store.setSort(key)}>
          {label}
          <span aria-hidden="true" className="explorer-sort-mark">
            {active ? (url.sort.descending ? ' ▼' : ' ▲') : ''}
          </span>
        </button>
      </th>
    );
  }

  function open(e: MouseEvent<HTMLAnchorElement>, id: string) {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    store.openPair(id);
  }

  return (
    <section className="explorer-sensitivity" aria-labelledby="explorer-sensitivity-heading">
      <div className="explorer-sensitivity-intro">
        <h3 id="explorer-sensitivity-heading">Where the image barely matters</h3>
        <p>
          <strong>Image sensitivity</strong> says how much the answer moves between the two images of a pair,
          from 0 (not at all) to 1. The two images need different answers, so a value near 0 means the model
          answered the question without really looking. {method}: {SENSITIVITY_DEFINITIONS[method]}
        </p>
      </div>
      <div className="table-wrap">
        <table className="explorer-table" data-testid="explorer-sensitivity-list">
          <caption className="visually-hidden">
            Pairs by image sensitivity of {runLabel} ({method}); column buttons sort.
          </caption>
          <thead>
            {/* With two runs, a first header row names each run over its two columns. */}
            <tr>
              <th scope="col" className="col-rank" rowSpan={withCompare ? 2 : undefined}>
                #
              </th>
              {header('pair', 'Pair', 'col-pair', withCompare ? 2 : undefined)}
              <th scope="col" rowSpan={withCompare ? 2 : undefined}>
                Question
              </th>
              {withCompare ? (
                <>
                  <th scope="colgroup" colSpan={2} className="col-run">
                    {runLabel}
                  </th>
                  <th scope="colgroup" colSpan={2} className="col-run">
                    {compareLabel}
                  </th>
                </>
              ) : (
                <>
                  {header('sensitivity', 'Sensitivity', 'col-sens')}
                  <th scope="col">Outcome</th>
                </>
              )}
              {header('biomedclip', 'BiomedCLIP', 'col-num', withCompare ? 2 : undefined)}
              {header('dino', 'DINOv2', 'col-num', withCompare ? 2 : undefined)}
            </tr>
            {withCompare && (
              <tr>
                {header('sensitivity', 'Sensitivity', 'col-sens')}
                <th scope="col">Outcome</th>
                {header('compare', 'Sensitivity', 'col-sens')}
                <th scope="col">Outcome</th>
              </tr>
            )}
          </thead>
          <tbody>
            {shown.map((row, k) => {
              const i = url.present ? at + k : k;
              return (
                <tr
                  key={row.pair.id}
                  data-testid="explorer-sensitivity-row"
                  data-pair-id={row.pair.id}
                  className={row.pair.id === url.pair ? 'is-current' : undefined}
                >
                  <td className="col-rank">{i + 1}</td>
                  <th scope="row" className="col-pair">
                    <a
                      href={explorerHash({ ...url, pair: row.pair.id, view: 'pair' })}
                      onClick={(e) => open(e, row.pair.id)}
                    >
                      {row.pair.id}
                    </a>
                  </th>
                  <td className="col-question">{row.pair.question}</td>
                  <td className="col-sens">
                    <SensitivityBar value={row.sensitivity} digits={digits} />
                  </td>
                  <td>
                    <Outcome outcome={row.outcome} />
                  </td>
                  {withCompare && (
                    <td className="col-sens">
                      <SensitivityBar value={row.compareSensitivity} digits={digits} />
                    </td>
                  )}
                  {withCompare && <td>{row.compareOutcome && <Outcome outcome={row.compareOutcome} />}</td>}
                  <td className="col-num">{formatNumber(row.pair.biomedClipSim)}</td>
                  <td className="col-num">{formatNumber(row.pair.dinoSim)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {url.present && rows.length > PRESENT_ROWS && (
          <p className="explorer-sens-pages" data-testid="explorer-sensitivity-pages">
            <button
              type="button"
              className="button button-secondary"
              disabled={at === 0}
              onClick={() => setPage({ rows, at: Math.max(0, at - PRESENT_ROWS) })}
            >
              Earlier pairs
            </button>
            <span>
              Pairs {at + 1}–{Math.min(rows.length, at + PRESENT_ROWS)} of {rows.length}
            </span>
            <button
              type="button"
              className="button button-secondary"
              disabled={at + PRESENT_ROWS >= rows.length}
              onClick={() => setPage({ rows, at: at + PRESENT_ROWS })}
            >
              Later pairs
            </button>
          </p>
        )}
        {rows.length === 0 && (
          <div className="explorer-empty">
            <p>No pairs match these filters.</p>
          </div>
        )}
      </div>
    </section>
  );
});
