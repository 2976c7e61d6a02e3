// The first visit's guide: three steps (load a model, add the images, run) with where each stands,
// shown above every tab until this browser holds a run.
import { useEffect, useMemo } from 'react';
import { useDatasetStore } from '../state/datasetStore.ts';
import { useFirstVisitStore } from '../state/firstVisitStore.ts';
import { imageCoverage, imageStore, useImageStore } from '../state/imageStore.ts';
import { useModelStore } from '../state/modelStore.ts';
import { useUiStore } from '../state/uiStore.ts';
import './startHere.css';

export function StartHere() {
  const hasRun = useFirstVisitStore((s) => s.hasRun);
  const tab = useUiStore((s) => s.tab);
  const setTab = useUiStore((s) => s.setTab);
  const model = useModelStore((s) => s.model);
  const dataset = useDatasetStore((s) => s.dataset);
  const presentIds = useImageStore((s) => s.presentIds);
  const coverage = useMemo(
    () => (dataset ? imageCoverage(dataset.pairs, presentIds) : null),
    [dataset, presentIds],
  );

  useEffect(() => {
    if (hasRun === false) void imageStore.getState().refresh();
  }, [hasRun]);

  if (hasRun !== false) return null;
  const pairsReady = coverage && dataset ? dataset.pairs.length - coverage.missingPairs.length : 0;
  return (
    <section className="start-here" aria-labelledby="start-here-heading" data-testid="start-here">
      <div className="start-here-head">
        <h2 id="start-here-heading">Start here</h2>
        <p className="muted">Three steps to your first numbers; everything stays in this browser.</p>
        {tab !== 'run' && (
          <button type="button" className="button" onClick={() => setTab('run')}>
            Open the Run tab
          </button>
        )}
      </div>
      <ol className="start-here-steps">
        <li className={model ? 'is-done' : undefined}>
          <strong>Load a model.</strong> Pick a small vision-language model (or a local folder) in the Run tab
          and load it.{' '}
          <span className="start-here-state">{model ? `Loaded: ${model.identity.modelId}` : 'Not yet.'}</span>
        </li>
        <li className={coverage && pairsReady > 0 ? 'is-done' : undefined}>
          <strong>Add the benchmark images.</strong> They are not bundled: download them, or import the folder
          the official downloader made.{' '}
          <span className="start-here-state">
            {coverage ? `${coverage.present} of ${coverage.required} images present.` : ''}
          </span>
        </li>
        <li>
          <strong>Run.</strong> Choose the methods (GD is the quickest) and the pairs, and start; the results
          then show up in Results and Explorer, beside the paper’s models.
        </li>
      </ol>
    </section>
  );
}
