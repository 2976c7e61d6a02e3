// The stored runs: what each is (name, model, dtype, device, date, status, answers stored), a
// checkbox to compare it side by side, Rename, and Delete with an inline confirmation. Runs on another
// dataset are listed with a note and cannot be compared until that dataset is loaded.
import { useState, type ChangeEvent, type KeyboardEvent } from 'react';
import { MAX_RUN_NAME, defaultRunName, runName } from '../../core/run/runName.ts';
import { isBlindRun } from '../../core/results/blindRows.ts';
import { runSetup } from '../../core/results/runCard.ts';
import { useResultsStore, type RunSummary } from '../../state/resultsStore.ts';
import { formatDate } from '../../core/results/tableRows.ts';
import { TableHead, type Column } from '../TableHead.tsx';

function RunRow({ summary }: { summary: RunSummary }) {
  const { run, caseCount, comparable, expectedCases } = summary;
  const selected = useResultsStore((s) => s.selectedRunIds.includes(run.id));
  const isDetail = useResultsStore((s) => s.detailRunId === run.id);
  const confirming = useResultsStore((s) => s.confirmDeleteId === run.id);
  const select = useResultsStore((s) => s.select);
  const deselect = useResultsStore((s) => s.deselect);
  const showDetails = useResultsStore((s) => s.showDetails);
  const requestDelete = useResultsStore((s) => s.requestDelete);
  const cancelDelete = useResultsStore((s) => s.cancelDelete);
  const deleteRun = useResultsStore((s) => s.deleteRun);
  const renameRun = useResultsStore((s) => s.renameRun);
  const [editing, setEditing] = useState<string | null>(null);
  const setup = runSetup(run);
  const name = runName(run);
  const checkboxId = `compare-${run.id}`;
  const blind = isBlindRun(run);

  function onToggle(e: ChangeEvent<HTMLInputElement>) {
    if (e.target.checked) void select(run.id);
    else deselect(run.id);
  }

  function save() {
    if (editing === null) return;
    void renameRun(run.id, editing);
    setEditing(null);
  }

  function onNameKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Enter') {
      e.preventDefault();
      save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      setEditing(null);
    }
  }

  return (
    <tr
      data-testid="run-list-item"
      data-run-id={run.id}
      className={
        [selected ? 'is-selected' : '', comparable ? '' : 'is-foreign'].join(' ').trim() || undefined
      }
    >
      <td className="col-compare">
        <input
          id={checkboxId}
          type="checkbox"
          checked={selected}
          disabled={!comparable || blind}
          onChange={onToggle}
          aria-label={`Compare “${name}”`}
        />
      </td>
      <th scope="row" className="col-run">
        {editing === null ? (
          <>
            <button
              type="button"
              className="link-button run-name"
              data-testid="run-name"
              onClick={() => void showDetails(run.id)}
              aria-pressed={isDetail}
              title="Show this run's card and export buttons"
            >
              {name}
            </button>{' '}
            <button
              type="button"
              className="link-button run-rename"
              data-testid="run-rename"
              onClick={() => setEditing(run.name ?? '')}
              aria-label={`Rename “${name}”`}
            >
              Rename
            </button>
          </>
        ) : (
          <input
            type="text"
            className="run-name-input"
            data-testid="run-name-input"
            value={editing}
            maxLength={MAX_RUN_NAME}
            placeholder={defaultRunName(run)}
            aria-label="Run name (empty: the default name)"
            onChange={(e) => setEditing(e.target.value)}
            onKeyDown={onNameKey}
            onBlur={save}
            autoFocus
          />
        )}
        {run.imported && <span className="badge">imported</span>}
        {blind && (
          <span className="badge" data-testid="run-blind-badge" title="Shown in the Blind baseline table">
            blind baseline (blank image)
          </span>
        )}
        {!comparable && (
          <span className="run-note">
            Answers another dataset (“{run.datasetName}”, hash <code>{run.datasetHash.slice(0, 8)}</code>):
            load it to compare.
          </span>
        )}
      </th>
      <td className="col-model">
        <code>{setup.modelId}</code>
      </td>
      <td>{setup.dtype}</td>
      <td>{setup.device}</td>
      <td className="col-date">{formatDate(run.createdAt)}</td>
      <td>
        <span className={`status status-${run.status}`}>{run.status}</span>
      </td>
      <td className="num">
        {caseCount}
        {expectedCases !== null && <span className="muted"> / {expectedCases}</span>}
      </td>
      <td className="col-actions">
        {confirming ? (
          <span className="confirm" role="group" aria-label={`Confirm deleting “${name}”`}>
            <span className="confirm-text">
              Delete “{name}” and its {caseCount} answers?
            </span>
            <button
              type="button"
              className="button button-danger"
              data-testid="run-delete-confirm"
              onClick={() => void deleteRun(run.id)}
              autoFocus
            >
              Delete
            </button>
            <button type="button" className="button button-secondary" onClick={cancelDelete}>
              Cancel
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="button button-secondary button-small"
            data-testid="run-delete"
            onClick={() => requestDelete(run.id)}
            aria-label={`Delete “${name}”`}
          >
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

const RUN_LIST_COLUMNS: Column[] = [
  { label: 'Compare', className: 'col-compare' },
  { label: 'Run' },
  { label: 'Model' },
  { label: 'dtype' },
  { label: 'Device' },
  { label: 'Started' },
  { label: 'Status' },
  { label: 'Answers', numeric: true },
];

export function RunList() {
  const runs = useResultsStore((s) => s.runs);
  const selectedCount = useResultsStore((s) => s.selectedRunIds.length);
  return (
    <section className="results-section" aria-labelledby="runs-heading">
      <div className="section-head">
        <h3 id="runs-heading">Your runs</h3>
        <p className="muted">
          {runs.length} {runs.length === 1 ? 'run' : 'runs'} stored in this browser · {selectedCount} compared
          below. Tick runs to compare them side by side.
        </p>
      </div>
      <div className="table-scroll" role="region" aria-labelledby="runs-heading" tabIndex={0}>
        <table className="results-table runs-table">
          <TableHead columns={RUN_LIST_COLUMNS} actions />
          <tbody>
            {runs.map((s) => (
              <RunRow key={s.run.id} summary={s} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
