// Run tab, section 2: the benchmark images. Importing a folder (or files, or the app's images/
// folder), how many of the dataset's images are present, and which pairs lack one.
import { useId, useMemo } from 'react';
import { useDatasetStore } from '../../state/datasetStore.ts';
import { imageCoverage, useImageStore } from '../../state/imageStore.ts';
import { DropZone, FilePickerButton } from './FilePicker.tsx';
import { ImageDownload } from './ImageDownload.tsx';
import { ProgressBar } from './ProgressBar.tsx';

const ACCEPT = '.jpg,.jpeg,.png,image/jpeg,image/png';

/** First few names of a list, then how many more: reports stay readable with thousands of files. */
function someOf(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function ImportReport() {
  const report = useImageStore((s) => s.report);
  const dismiss = useImageStore((s) => s.dismiss);
  if (report === null) return null;
  return (
    <div className="notice run-report" role="status">
      <p>
        Stored {report.stored} {report.stored === 1 ? 'image' : 'images'}
        {report.source === 'files'
          ? ` (${report.official} named by local id, ${report.roco} by ROCO file name)`
          : ' from the app’s images/ folder'}
        .
      </p>
      {report.unmatched.length > 0 && (
        <p>
          {report.source === 'files'
            ? `${report.unmatched.length} image files match no image of the dataset: ${someOf(report.unmatched)}.`
            : `${report.unmatched.length} images are not in images/: ${someOf(report.unmatched)}.`}
        </p>
      )}
      {report.notImages.length > 0 && (
        <p>
          {report.notImages.length} files skipped (not .jpg/.jpeg/.png): {someOf(report.notImages)}.
        </p>
      )}
      {report.duplicates.length > 0 && (
        <p>
          {report.duplicates.length} files name an image already taken from another file:{' '}
          {someOf(report.duplicates)}.
        </p>
      )}
      <button type="button" className="button button-secondary button-small" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

export function ImagesSection() {
  const ids = useId();
  const dataset = useDatasetStore((s) => s.dataset);
  const presentIds = useImageStore((s) => s.presentIds);
  const status = useImageStore((s) => s.status);
  const progress = useImageStore((s) => s.progress);
  const error = useImageStore((s) => s.error);
  const importFiles = useImageStore((s) => s.importFiles);
  const importFromServer = useImageStore((s) => s.importFromServer);
  const clearAll = useImageStore((s) => s.clearAll);

  const coverage = useMemo(
    () => (dataset ? imageCoverage(dataset.pairs, presentIds) : null),
    [dataset, presentIds],
  );
  const busy = status === 'importing' || status === 'reading' || dataset === null;
  const missing = coverage?.missingPairs ?? [];

  return (
    <section className="run-card" aria-labelledby="run-images-heading">
      <h3 id="run-images-heading">2. Images</h3>
      <div className="run-images-count">
        <strong data-testid="images-present-count">
          {coverage ? `${coverage.present} of ${coverage.required} images present` : 'No dataset loaded'}
        </strong>
        {coverage && coverage.required > 0 && (
          <ProgressBar
            value={coverage.present}
            max={coverage.required}
            label="Images present"
            valueText={`${coverage.present} of ${coverage.required} images`}
          />
        )}
      </div>
      <ImageDownload importBusy={busy} />
      <p className="muted">
        The images are not bundled (their licences vary). Get them above, or import the folder the official
        downloader made (<code>&lt;local id&gt;.jpg</code>) or ROCO files (<code>ROCO_28778.jpg</code>). They
        stay in this browser.
      </p>

      <DropZone label="…or drop an image folder or image files here." disabled={busy} onFiles={importFiles}>
        <div className="run-buttons">
          <FilePickerButton
            id={`${ids}-images-folder`}
            testId="images-folder-input"
            label="Import image folder…"
            directory
            disabled={busy}
            onFiles={importFiles}
          />
          <FilePickerButton
            id={`${ids}-images-files`}
            testId="images-files-input"
            label="Choose image files…"
            accept={ACCEPT}
            secondary
            disabled={busy}
            onFiles={importFiles}
          />
        </div>
      </DropZone>

      {progress !== null && (
        <div className="run-load-progress">
          <ProgressBar
            value={progress.stored}
            max={Math.max(progress.total, 1)}
            label="Image import"
            valueText={`${progress.stored} of ${progress.total} images stored`}
          />
          <p className="run-stats">
            Storing images: {progress.stored} of {progress.total}
          </p>
        </div>
      )}
      <ImportReport />
      {error !== null && (
        <div className="alert" role="alert">
          <p className="alert-title">Images</p>
          <p className="alert-message">{error}</p>
        </div>
      )}

      <details className="run-missing" data-testid="images-missing-pairs">
        <summary>
          {coverage === null
            ? 'Pairs lacking images'
            : missing.length === 0
              ? 'Every pair has both images'
              : `${missing.length} of ${dataset?.pairs.length ?? 0} pairs lack images and will not be run`}
        </summary>
        {missing.length > 0 && (
          <ul className="run-missing-list">
            {missing.map((m) => (
              <li key={m.pairId}>
                <span className="run-pair-id">{m.pairId}</span> missing {m.missing.join(', ')}
              </li>
            ))}
          </ul>
        )}
      </details>

      <details className="run-help">
        <summary>Other ways to get the images</summary>
        <p>
          On the machine serving this app, <code>npm run fetch-images</code> downloads each image from PubMed
          Central’s Cloud Service into <code>public/images/</code> (resumable; it lists any image it could not
          get, with its pairs). Then load them here:
        </p>
        <div className="run-buttons">
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() => void importFromServer()}
            disabled={busy}
          >
            Load from the app’s images/ folder
          </button>
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() => void clearAll()}
            disabled={busy || presentIds.size === 0}
          >
            Remove stored images
          </button>
        </div>
        <p className="muted">
          Removing images keeps every run and result. Zip archives are not imported: unpack first.
        </p>
      </details>
    </section>
  );
}
