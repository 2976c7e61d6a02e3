// The loaded model card's image facts: image tokens per view, the image preprocessing as the model
// ships it, and the views and image tokens per image measured in the last run of this model, in
// words ("13–17 views per image, 832–1088 image tokens").
import { imageViewsOf, preprocessingOf } from '../../core/results/runCard.ts';
import { describeImageViews, describeSettings, imageViewRange } from '../../core/run/preprocessing.ts';
import type { LoadedModelView } from '../../state/modelStore.ts';
import { useRunStore } from '../../state/runStore.ts';

export function ImageViewFacts({ info }: { info: LoadedModelView['info'] }) {
  const run = useRunStore((s) => s.run);
  const ofThisModel =
    run !== null &&
    !run.imported &&
    run.model.modelId === info.modelId &&
    run.model.revision === info.revision &&
    run.device === info.device &&
    run.dtype === info.dtype;
  const measured = ofThisModel ? imageViewRange(imageViewsOf(run)) : null;
  const singleView = ofThisModel && preprocessingOf(run)?.choice === 'single-view';
  const splits = info.preprocessing?.singleView != null;
  return (
    <>
      <dt>Image tokens per view</dt>
      <dd>{info.imageTokenCount > 0 ? info.imageTokenCount : 'follows the image size'}</dd>
      <dt>Image preprocessing</dt>
      <dd data-testid="loaded-preprocessing">
        {info.preprocessing ? describeSettings(info.preprocessing.default) : 'not reported'}
      </dd>
      <dt>Views per image</dt>
      <dd data-testid="loaded-image-views">
        {measured
          ? `${describeImageViews(measured)} (measured over ${measured.images} ${measured.images === 1 ? 'image' : 'images'} in the last run${singleView ? ', single view' : ''})`
          : splits
            ? 'the image is split: its views depend on its size (measured during a run)'
            : info.preprocessing
              ? '1 (this model does not split images)'
              : 'measured during a run'}
      </dd>
    </>
  );
}
