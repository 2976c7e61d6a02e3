// Run tab: the image preprocessing of the run — the model's own (as published, what the paper's
// models used) or "single view", image splitting off, a labelled speed setting whose runs have their
// own run id. Disabled, with the reason, for a model that never splits an image.
import { useEffect } from 'react';
import { singleViewUnavailable } from '../../core/run/preprocessing.ts';
import { useModelStore } from '../../state/modelStore.ts';
import { useRunStore } from '../../state/runStore.ts';

export function PreprocessingChoice({ locked }: { locked: boolean }) {
  const choice = useRunStore((s) => s.preprocessing);
  const setPreprocessing = useRunStore((s) => s.setPreprocessing);
  const model = useModelStore((s) => s.model);
  const reason = model ? singleViewUnavailable(model.info.preprocessing) : 'Load a model first.';

  // A model that cannot split keeps the default: single view would be the default under another name.
  useEffect(() => {
    if (reason !== null && choice !== 'default') setPreprocessing('default');
  }, [reason, choice, setPreprocessing]);

  return (
    <fieldset className="run-methods run-preprocessing" disabled={locked}>
      <legend>Image preprocessing</legend>
      <label className="run-method">
        <input
          type="radio"
          name="run-preprocessing"
          data-testid="preprocessing-default"
          checked={choice === 'default'}
          onChange={() => setPreprocessing('default')}
        />
        <span title="The image processor as the model's repo configures it (image splitting where it splits): comparable with the paper's Table 1.">
          <strong>Model default</strong> (as published)
        </span>
      </label>
      <label className={reason === null ? 'run-method' : 'run-method run-method-disabled'}>
        <input
          type="radio"
          name="run-preprocessing"
          data-testid="preprocessing-single-view"
          checked={choice === 'single-view'}
          disabled={reason !== null}
          onChange={() => setPreprocessing('single-view')}
        />
        <span title="Speed setting: image splitting off, so each image is one view. A separate run (own run id), not comparable with the paper's Table 1.">
          <strong>Single view</strong>: faster, no image splitting; not comparable with the paper
        </span>
      </label>
      {model !== null && reason !== null && (
        <p className="muted run-preprocessing-reason" data-testid="preprocessing-reason">
          Single view is not offered: {reason}
        </p>
      )}
    </fieldset>
  );
}
