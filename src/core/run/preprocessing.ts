// Image preprocessing as a run setting: the image processor settings that decide the pixels a model
// sees (image splitting, the sizes it resizes to), the choice between the model's own preprocessing
// and "single view" (no splitting, a speed setting), which of the two a run used, and the image
// tokens and views (crops plus the global view) measured per image during a run, as a range.
// Which keys matter is the family adapters' business (workers/engine/families); this module only
// compares, describes and summarises what they report. Pure types and functions.
import { stableHash } from '../hash.ts';
import { RunSetupError } from './identity.ts';

/**
 * 'default': the image processor as the model's repo configures it (what the paper's models used);
 * 'single-view': image splitting off, one view per image (faster; not comparable with the paper).
 */
export type PreprocessingChoice = 'default' | 'single-view';

export const PREPROCESSING_CHOICES: readonly PreprocessingChoice[] = ['default', 'single-view'];

/** The settings that decide the pixels, flat and JSON-stable: `do_image_splitting`, `size.longest_edge`, … */
export type PreprocessingSettings = Readonly<Record<string, string | number | boolean | null>>;

/** What a loaded model offers (the engine reads it from the processor at load). */
export interface ModelPreprocessing {
  /** The settings as the model's own config gives them. */
  default: PreprocessingSettings;
  /** The settings with image splitting off; null where the model never splits an image. */
  singleView: PreprocessingSettings | null;
  /** Why single view is not offered (set when singleView is null). */
  singleViewUnavailable?: string;
}

/** The preprocessing one run uses: part of its identity when it is not the model's default. */
export interface RunPreprocessing {
  choice: PreprocessingChoice;
  settings: PreprocessingSettings;
  /** True when the settings are the model's own: the run id leaves them out. */
  modelDefault: boolean;
}

/** Image tokens and views of one processed image (views: crops plus the global view; 1 unsplit). */
export interface ImageViewCount {
  tokens: number;
  crops: number;
}

/** Image tokens and views per image over the images a run used, as ranges. */
export interface ImageViewRange {
  images: number;
  tokens: { min: number; max: number };
  crops: { min: number; max: number };
}

export function isPreprocessingChoice(x: unknown): x is PreprocessingChoice {
  return typeof x === 'string' && (PREPROCESSING_CHOICES as readonly string[]).includes(x);
}

export function sameSettings(a: PreprocessingSettings, b: PreprocessingSettings): boolean {
  return stableHash(a) === stableHash(b);
}

/** The reason single view cannot be chosen for this model, or null when it can. */
export function singleViewUnavailable(model: ModelPreprocessing | undefined): string | null {
  if (!model) return 'The loaded model did not report its image preprocessing.';
  if (model.singleView) return null;
  return model.singleViewUnavailable ?? 'This model does not split images: every image is one view.';
}

/**
 * The preprocessing a run with `choice` uses on this model (null: the default of a model that did
 * not report its settings). Throws RunSetupError when single view is asked of a model that never
 * splits an image (it would be the default under another name).
 */
export function runPreprocessing(
  model: ModelPreprocessing | undefined,
  choice: PreprocessingChoice,
): RunPreprocessing | null {
  if (choice === 'default') return model ? { choice, settings: model.default, modelDefault: true } : null;
  const reason = singleViewUnavailable(model);
  if (reason !== null) throw new RunSetupError(`Single view is not available: ${reason}`);
  const settings = model!.singleView!;
  return { choice, settings, modelDefault: sameSettings(settings, model!.default) };
}

/** "do_image_splitting true, size.longest_edge 2048, …" in the settings' key order. */
export function describeSettings(settings: PreprocessingSettings): string {
  const parts = Object.entries(settings).map(([k, v]) => `${k} ${String(v)}`);
  return parts.length > 0 ? parts.join(', ') : 'none reported';
}

export const PREPROCESSING_LABELS: Readonly<Record<PreprocessingChoice, string>> = {
  default: 'model default',
  'single-view': 'single view (image splitting off)',
};

/** What a run's preprocessing means for comparing it with the paper's Table 1 (README, run card). */
export function paperComparability(choice: PreprocessingChoice): string {
  return choice === 'default'
    ? 'the model’s own preprocessing, as published (what the paper’s models used)'
    : 'not comparable with the paper’s Table 1 (the model sees fewer, coarser views than as published)';
}

/** The range over the per-image counts (local id → count); null when no image was measured. */
export function imageViewRange(perImage: Readonly<Record<string, ImageViewCount>>): ImageViewRange | null {
  const counts = Object.values(perImage);
  if (counts.length === 0) return null;
  const tokens = counts.map((c) => c.tokens);
  const crops = counts.map((c) => c.crops);
  return {
    images: counts.length,
    tokens: { min: Math.min(...tokens), max: Math.max(...tokens) },
    crops: { min: Math.min(...crops), max: Math.max(...crops) },
  };
}

function span({ min, max }: { min: number; max: number }): string {
  return min === max ? String(min) : `${min}–${max}`;
}

/** "13–17 views per image, 832–1088 image tokens" ("1 view per image, 64 image tokens"). */
export function describeImageViews(range: ImageViewRange): string {
  const views = range.crops.max === 1 ? 'view' : 'views';
  return `${span(range.crops)} ${views} per image, ${span(range.tokens)} image tokens`;
}
