// The Storage tab: everything this browser keeps for the app, with sizes, the quota and whether
// storage is persistent, and a Delete for each item. Deleting model files or images never deletes
// a result; deleting a run asks for confirmation first.
import { useEffect, useState } from 'react';
import { useOfflineStore } from '../state/offlineStore.ts';
import { useStorageStore } from '../state/storageStore.ts';
import { formatBytes } from './run/format.ts';
import { ProgressBar } from './run/ProgressBar.tsx';
import { TableHead, type Column } from './TableHead.tsx';
import './storage/offline.css';

function Overview() {
  const estimate = useStorageStore((s) => s.estimate);
  const persisted = useStorageStore((s) => s.persisted);
  const requestPersistent = useStorageStore((s) => s.requestPersistent);
  const sw = useOfflineStore((s) => s.serviceWorker);
  return (
    <section className="storage-card" aria-labelledby="storage-overview-heading">
      <h3 id="storage-overview-heading">This browser</h3>
      <p data-testid="storage-usage">
        {estimate
          ? `${formatBytes(estimate.usage)} used of ${formatBytes(estimate.quota)} available to this site`
          : 'The browser does not report usage and quota.'}
      </p>
      {estimate && estimate.quota > 0 && (
        <ProgressBar
          value={estimate.usage}
          max={estimate.quota}
          label="Storage used"
          valueText={`${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)}`}
        />
      )}
      <p data-testid="storage-persisted">
        Persistent storage:{' '}
        <strong>
          {persisted === null ? 'unknown' : persisted ? 'yes' : 'no (the browser may evict data)'}
        </strong>
      </p>
      {persisted !== true && (
        <div className="run-buttons">
          <button
            type="button"
            className="button button-secondary button-small"
            data-testid="storage-persist-request"
            onClick={() => void requestPersistent()}
          >
            Request persistent storage
          </button>
        </div>
      )}
      <p className="muted" data-testid="storage-service-worker">
        Offline copy of the app:{' '}
        {sw.status === 'ready'
          ? `installed${sw.version ? ` (build ${sw.version})` : ''}`
          : sw.status === 'installing'
            ? 'being installed'
            : sw.status === 'error'
              ? `failed (${sw.message ?? 'unknown error'})`
              : sw.status === 'unsupported'
                ? 'not supported by this browser'
                : 'only in the built app (npm run build), not the dev server'}
      </p>
    </section>
  );
}

const MODEL_COLUMNS: Column[] = [
  { label: 'Model' },
  { label: 'Revision' },
  { label: 'Files', numeric: true },
  { label: 'Size', numeric: true },
];
const RUN_COLUMNS: Column[] = [
  { label: 'Run' },
  { label: 'Status' },
  { label: 'Answers', numeric: true },
  { label: 'Size', numeric: true },
];

function Models() {
  const groups = useStorageStore((s) => s.models);
  const models = groups.filter((g) => g.kind === 'model');
  const runtime = groups.filter((g) => g.kind === 'runtime');
  const appCaches = useStorageStore((s) => s.appCaches);
  const available = useStorageStore((s) => s.cachesAvailable);
  const busy = useStorageStore((s) => s.busy);
  const deleteModel = useStorageStore((s) => s.deleteModel);
  return (
    <section className="storage-card storage-wide" aria-labelledby="storage-models-heading">
      <h3 id="storage-models-heading">Models</h3>
      {!available && <p className="muted">This page cannot use Cache Storage (not a secure context).</p>}
      {available && models.length === 0 && (
        <p className="muted" data-testid="storage-models-empty">
          No downloaded model files. Models picked from a local folder are read from that folder each time and
          are not stored.
        </p>
      )}
      {models.length > 0 && (
        <table className="storage-table">
          <TableHead columns={MODEL_COLUMNS} actions />
          <tbody>
            {models.map((m) => (
              <tr key={m.key} data-testid="storage-model-row" data-repo={m.repoId}>
                <th scope="row">
                  <span className="storage-name">{m.repoId}</span>
                  <span className="storage-sub">{m.host}</span>
                </th>
                <td>{m.revision}</td>
                <td className="num">{m.files}</td>
                <td className="num" data-testid="storage-model-bytes" data-bytes={m.bytes}>
                  {formatBytes(m.bytes)}
                </td>
                <td>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    data-testid="storage-model-delete"
                    disabled={busy !== null}
                    onClick={() => void deleteModel(m.key)}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {runtime.map((r) => (
        <p key={r.key} className="muted storage-line" data-testid="storage-runtime-cache">
          Engine runtime (onnxruntime-web) cached by the model loader: {r.files} files, {formatBytes(r.bytes)}
          .{' '}
          <button
            type="button"
            className="button button-secondary button-small"
            disabled={busy !== null}
            onClick={() => void deleteModel(r.key)}
          >
            Delete
          </button>
        </p>
      ))}
      {appCaches.map((c) => (
        <p key={c.name} className="muted" data-testid="storage-app-cache">
          App files kept for offline use: {c.files} files, {formatBytes(c.bytes)} (the service worker renews
          them with each new build).
        </p>
      ))}
    </section>
  );
}

function Images() {
  const images = useStorageStore((s) => s.images);
  const busy = useStorageStore((s) => s.busy);
  const clearImages = useStorageStore((s) => s.clearImages);
  return (
    <section className="storage-card" aria-labelledby="storage-images-heading">
      <h3 id="storage-images-heading">Images</h3>
      <p>
        <span data-testid="storage-images-count" data-count={images.count}>
          {images.count} {images.count === 1 ? 'image' : 'images'}
        </span>
        , <span data-testid="storage-images-bytes">{formatBytes(images.bytes)}</span>
      </p>
      <div className="run-buttons">
        <button
          type="button"
          className="button button-secondary button-small"
          data-testid="storage-images-delete"
          disabled={busy !== null || images.count === 0}
          onClick={() => void clearImages()}
        >
          Remove all images
        </button>
      </div>
    </section>
  );
}

function Results() {
  const runs = useStorageStore((s) => s.runs);
  const datasets = useStorageStore((s) => s.datasets);
  const busy = useStorageStore((s) => s.busy);
  const deleteRun = useStorageStore((s) => s.deleteRun);
  const deleteDataset = useStorageStore((s) => s.deleteDataset);
  const [confirm, setConfirm] = useState<string | null>(null);
  return (
    <section className="storage-card storage-wide" aria-labelledby="storage-results-heading">
      <h3 id="storage-results-heading">Results</h3>
      {runs.length === 0 ? (
        <p className="muted">No runs stored.</p>
      ) : (
        <table className="storage-table">
          <TableHead columns={RUN_COLUMNS} actions />
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-testid="storage-run-row" data-run-id={r.id}>
                <th scope="row">
                  <span className="storage-name">{r.label}</span>
                  {r.imported && <span className="storage-sub">imported</span>}
                </th>
                <td>{r.status}</td>
                <td className="num" data-testid="storage-run-cases">
                  {r.cases}
                </td>
                <td className="num">{formatBytes(r.bytes)}</td>
                <td>
                  {confirm === r.id ? (
                    <span className="run-buttons">
                      <button
                        type="button"
                        className="button button-small storage-danger"
                        data-testid="storage-run-delete-confirm"
                        disabled={busy !== null}
                        onClick={() => {
                          setConfirm(null);
                          void deleteRun(r.id);
                        }}
                      >
                        Delete run and answers
                      </button>
                      <button
                        type="button"
                        className="button button-secondary button-small"
                        onClick={() => setConfirm(null)}
                      >
                        Keep
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="button button-secondary button-small"
                      data-testid="storage-run-delete"
                      disabled={busy !== null}
                      onClick={() => setConfirm(r.id)}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {datasets.length > 0 && (
        <>
          <h4>Saved datasets</h4>
          <ul className="storage-list">
            {datasets.map((d) => (
              <li key={d.hash}>
                <span className="storage-name">{d.name}</span> {formatBytes(d.bytes)}{' '}
                <button
                  type="button"
                  className="button button-secondary button-small"
                  disabled={busy !== null}
                  onClick={() => void deleteDataset(d.hash)}
                >
                  Delete
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function StorageView() {
  const status = useStorageStore((s) => s.status);
  const error = useStorageStore((s) => s.error);
  const notice = useStorageStore((s) => s.notice);
  const refresh = useStorageStore((s) => s.refresh);
  const dismiss = useStorageStore((s) => s.dismiss);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <div className="storage-view" data-testid="storage-view" data-status={status}>
      <div className="run-intro">
        <h2 className="run-title">Storage</h2>
        <p className="muted">
          What this browser keeps for the app. Model files, images and results are stored apart: removing
          model files or images never removes a result.
        </p>
        <div className="run-buttons">
          <button
            type="button"
            className="button button-secondary button-small"
            data-testid="storage-refresh"
            onClick={() => void refresh()}
            disabled={status === 'reading'}
          >
            {status === 'reading' ? 'Reading…' : 'Refresh'}
          </button>
        </div>
      </div>
      {notice !== null && (
        <p className="notice" role="status" data-testid="storage-notice">
          {notice}{' '}
          <button type="button" className="button button-secondary button-small" onClick={dismiss}>
            Dismiss
          </button>
        </p>
      )}
      {error !== null && (
        <div className="alert" role="alert" data-testid="storage-error">
          <p className="alert-title">Storage</p>
          <p className="alert-message">{error}</p>
        </div>
      )}
      <div className="storage-grid">
        <Overview />
        <Images />
        <Models />
        <Results />
      </div>
    </div>
  );
}
