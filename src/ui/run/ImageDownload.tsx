// "Get the benchmark images": the page downloads the dataset's images from the image source (the
// PMC Cloud Service, or the base URL in the field / `?images=`) into IndexedDB, with a progress
// bar, pause and resume (also across reloads). Offline mode refuses it; where the browser refuses
// the cross-origin read, one sentence says so and the two remaining routes are shown.
import { useEffect, useId } from 'react';
import { formatBytes, formatDuration } from '../../core/images/download.ts';
import { CLOUD_SERVICE_BASE_URL, LAYOUT_VERIFIED } from '../../core/images/imageSource.ts';
import { useDatasetStore } from '../../state/datasetStore.ts';
import { imageDownloadStore, useImageDownloadStore } from '../../state/imageDownloadStore.ts';
import { useOfflineStore } from '../../state/offlineStore.ts';
import { ProgressBar } from './ProgressBar.tsx';

export function ImageDownload({ importBusy }: { importBusy: boolean }) {
  const id = useId();
  const dataset = useDatasetStore((s) => s.dataset);
  const offline = useOfflineStore((s) => s.offline);
  const source = useImageDownloadStore((s) => s.source);
  const status = useImageDownloadStore((s) => s.status);
  const progress = useImageDownloadStore((s) => s.progress);
  const failures = useImageDownloadStore((s) => s.failures);
  const message = useImageDownloadStore((s) => s.message);
  const { setSource, start, pause } = imageDownloadStore.getState();

  // A download that was running when the page was reloaded continues once the dataset is there.
  useEffect(() => {
    if (dataset) void imageDownloadStore.getState().resumePending();
  }, [dataset]);

  const running = status === 'running';
  const canStart = !running && !importBusy && dataset !== null && !offline;
  const label =
    status === 'paused' || (status === 'offline' && !offline)
      ? 'Resume download'
      : 'Get the benchmark images';

  return (
    <div className="run-download" data-testid="images-download-section">
      <div className="run-fields">
        <label className="field field-hub">
          <span>Image source</span>
          <input
            data-testid="images-source"
            value={source}
            placeholder={CLOUD_SERVICE_BASE_URL}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => setSource(e.target.value)}
            disabled={running}
            aria-describedby={`${id}-source-help`}
          />
        </label>
      </div>
      <p className="muted" id={`${id}-source-help`}>
        Each image is one figure of a PubMed Central open-access article, fetched from PMC’s Cloud Service
        (since 2026 PMC serves article files one by one there; the old per-article packages are gone).
        {LAYOUT_VERIFIED
          ? ''
          : ' The file layout used is not yet checked with this tool against the real service.'}
      </p>
      <div className="run-buttons">
        <button
          type="button"
          className="button"
          data-testid="images-download"
          onClick={() => void start()}
          disabled={!canStart}
        >
          {label}
        </button>
        {running && (
          <button
            type="button"
            className="button button-secondary"
            data-testid="images-download-pause"
            onClick={pause}
          >
            Pause
          </button>
        )}
      </div>
      {offline && (
        <p className="muted" data-testid="images-download-offline">
          Offline mode is on: downloading the images needs it off (Storage tab).
        </p>
      )}
      {progress !== null && (running || status === 'paused') && (
        <div className="run-load-progress">
          <ProgressBar
            value={progress.done}
            max={Math.max(progress.total, 1)}
            label="Image download"
            valueText={`${progress.done} of ${progress.total} images`}
            testId="images-download-progress"
          />
          <p className="run-stats" data-testid="images-download-status">
            {progress.done} of {progress.total} images · {formatBytes(progress.bytes)}
            {progress.etaMs !== null && running ? ` · ETA ${formatDuration(progress.etaMs)}` : ''}
            {progress.failed > 0 ? ` · ${progress.failed} failed` : ''}
          </p>
        </div>
      )}
      {message !== null && status !== 'refused' && (
        <p
          className={status === 'error' || status === 'stopped' ? 'alert-message' : 'run-stats'}
          role="status"
          data-testid="images-download-message"
        >
          {message}
        </p>
      )}
      {status === 'refused' && (
        <div className="alert" role="alert" data-testid="images-download-refused">
          <p className="alert-message">{message}</p>
          <p className="alert-hint">Two routes remain:</p>
          <ul>
            <li>
              on the machine serving this app, <code>npm run fetch-images</code> downloads them into{' '}
              <code>public/images/</code>; then “Load from the app’s images/ folder” below;
            </li>
            <li>
              or import a folder: the official downloader’s <code>&lt;local id&gt;.jpg</code> files, or a ROCO
              download’s <code>ROCO_nnnnn.jpg</code> files (“Import image folder…” above).
            </li>
          </ul>
        </div>
      )}
      {failures.length > 0 && (
        <details className="run-missing" data-testid="images-download-failures">
          <summary>{failures.length} images could not be got</summary>
          <ul className="run-missing-list">
            {failures.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
