// The image preprocessing a run uses, applied to the loaded processor: what the model's own image
// processor does (read at load, for the run identity and the model card), and "single view", which
// rebuilds the image processor from its config with the family's splitting override
// (adapter.singleViewConfig) as if the repo's preprocessor_config.json said so, for the length of a
// run. Which settings matter and how splitting is turned off is the family adapter's; this module
// only applies and reads them.
import type { ModelPreprocessing, PreprocessingChoice } from '../../src/core/run/preprocessing.ts';
import { sameSettings } from '../../src/core/run/preprocessing.ts';
import { EngineError } from './errors.ts';
import type { LoadedModel } from './loadModel.ts';

interface ImageProcessorLike {
  config: Record<string, unknown>;
  constructor: new (config: Record<string, unknown>) => ImageProcessorLike;
}

interface ProcessorComponents {
  components: { image_processor?: ImageProcessorLike };
}

/** Replaces the image processor by one built from its config plus `override`; returns the undo. */
function withImageProcessorConfig(lm: LoadedModel, override: Readonly<Record<string, unknown>>): () => void {
  const { components } = lm.processor as unknown as ProcessorComponents;
  const original = components.image_processor;
  if (!original) throw new EngineError('internal', 'The processor has no image processor to configure');
  components.image_processor = new original.constructor({ ...original.config, ...override });
  return () => {
    components.image_processor = original;
  };
}

/** The model's own preprocessing settings and, where the family splits images, those of single view. */
export function modelPreprocessing(lm: LoadedModel): ModelPreprocessing {
  const settings = lm.adapter.preprocessing(lm);
  const override = lm.adapter.singleViewConfig;
  if (!override) {
    return {
      default: settings,
      singleView: null,
      singleViewUnavailable: `${lm.family.label} does not split images: every image is already one view.`,
    };
  }
  const undo = withImageProcessorConfig(lm, override);
  let single;
  try {
    single = lm.adapter.preprocessing(lm);
  } finally {
    undo();
  }
  if (sameSettings(single, settings)) {
    return {
      default: settings,
      singleView: null,
      singleViewUnavailable: `This model's image processor does not split images (${Object.entries(override)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')} in its config): every image is already one view.`,
    };
  }
  return { default: settings, singleView: single };
}

/** Applies `choice` to the loaded model's image processor; the returned function restores it. */
export function applyPreprocessing(lm: LoadedModel, choice: PreprocessingChoice): () => void {
  if (choice === 'default') return () => undefined;
  const override = lm.adapter.singleViewConfig;
  if (!override) {
    throw new EngineError(
      'internal',
      `Single view is not available: ${lm.family.label} does not split images (every image is one view).`,
    );
  }
  return withImageProcessorConfig(lm, override);
}
