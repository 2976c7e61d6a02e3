// Per-file dtypes: real repos mix number formats per ONNX file (the FastVLM demo loads
// `{embed_tokens: 'fp16', vision_encoder: 'q4', decoder_model_merged: 'q4'}`; a repo's config.json
// may declare one in `transformers.js_config.dtype`). A dtype choice is one dtype for every file
// or such a map; this module owns how a choice is written, read back and named in a run's
// identity. Pure functions.
import { ALL_DTYPES, type Dtype } from './vocabulary.ts';

/** The ONNX files of an image-text-to-text export (transformers.js session_config.js, ImageTextToText). */
export const IMAGE_TEXT_MODEL_FILES = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'] as const;
export type ImageTextModelFile = (typeof IMAGE_TEXT_MODEL_FILES)[number];

/** ONNX file base name (transformers.js session file: vision_encoder, embed_tokens, …) → dtype. */
export type DtypeMap = Readonly<Record<string, Dtype>>;

/** One dtype for every file, or one per file. */
export type DtypeChoice = Dtype | DtypeMap;

export class DtypeChoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DtypeChoiceError';
  }
}

export function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && (ALL_DTYPES as readonly string[]).includes(value);
}

/**
 * The choice for exactly these files: a map's missing files take `fallback`, and a map whose
 * files all share one dtype becomes that dtype. A map naming a file the model lacks is refused
 * (transformers.js would silently ignore it), naming the files it has.
 */
export function resolveDtypeChoice(
  choice: DtypeChoice,
  files: readonly string[],
  fallback: Dtype,
): DtypeChoice {
  if (typeof choice === 'string') return choice;
  const unknown = Object.keys(choice).filter((f) => !files.includes(f));
  if (unknown.length > 0) {
    throw new DtypeChoiceError(
      `The dtype map names ${unknown.map((f) => `"${f}"`).join(', ')}, which this model does not have; ` +
        `its ONNX files are ${files.join(', ')}.`,
    );
  }
  const full: Record<string, Dtype> = {};
  for (const f of [...files].sort()) full[f] = choice[f] ?? fallback;
  const values = new Set(Object.values(full));
  return values.size === 1 ? [...values][0]! : full;
}

/** The choice as one stable string: the dtype, or "file=dtype,…" sorted by file. */
export function dtypeLabel(choice: DtypeChoice): string {
  if (typeof choice === 'string') return choice;
  const entries = Object.entries(choice).sort(([a], [b]) => (a < b ? -1 : 1));
  const values = new Set(entries.map(([, d]) => d));
  if (values.size === 1) return [...values][0]!;
  return entries.map(([f, d]) => `${f}=${d}`).join(',');
}

/**
 * Reads a choice as the CLI and the page accept it: "q4", "vision_encoder=fp16,decoder_model_merged=q4"
 * (spaces and ":" allowed) or the JSON of a map. Throws DtypeChoiceError naming the bad part.
 */
export function parseDtypeChoice(text: string): DtypeChoice {
  const trimmed = text.trim();
  if (isDtype(trimmed)) return trimmed;
  let entries: [string, unknown][];
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new DtypeChoiceError(`"${text}" is not valid JSON.`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new DtypeChoiceError('A dtype map must be an object of file → dtype.');
    entries = Object.entries(parsed);
  } else {
    entries = trimmed
      .split(',')
      .filter((part) => part.trim() !== '')
      .map((part) => {
        const m = /^\s*([\w.-]+)\s*[=:]\s*([\w]+)\s*$/.exec(part);
        if (!m) throw new DtypeChoiceError(`"${part.trim()}" is not "file=dtype".`);
        return [m[1]!, m[2]!];
      });
  }
  if (entries.length === 0)
    throw new DtypeChoiceError(`"${text}" names no dtype (one of ${ALL_DTYPES.join(', ')}).`);
  const map: Record<string, Dtype> = {};
  for (const [file, dtype] of entries) {
    if (!isDtype(dtype))
      throw new DtypeChoiceError(
        `"${String(dtype)}" for ${file} is not a dtype (one of ${ALL_DTYPES.join(', ')}).`,
      );
    map[file] = dtype;
  }
  return map;
}

/** A repo's declared `transformers.js_config.dtype`, when it is a valid choice; null otherwise. */
export function declaredDtype(config: {
  'transformers.js_config'?: { dtype?: unknown };
}): DtypeChoice | null {
  const declared = config['transformers.js_config']?.dtype;
  if (isDtype(declared)) return declared;
  if (declared && typeof declared === 'object' && !Array.isArray(declared)) {
    const entries = Object.entries(declared);
    if (entries.length > 0 && entries.every(([, d]) => isDtype(d)))
      return Object.fromEntries(entries) as DtypeMap;
  }
  return null;
}

/** Every dtype a choice uses (one for a single dtype). */
export function dtypesOf(choice: DtypeChoice): Dtype[] {
  return typeof choice === 'string' ? [choice] : [...new Set(Object.values(choice))];
}

/** One dtype for every image-text file, except those given their own. */
export function withFileDtypes(
  base: Dtype,
  perFile: Partial<Record<ImageTextModelFile, Dtype>>,
): DtypeChoice {
  if (Object.keys(perFile).length === 0) return base;
  const map: Record<string, Dtype> = {};
  for (const f of IMAGE_TEXT_MODEL_FILES) map[f] = perFile[f] ?? base;
  return resolveDtypeChoice(map, IMAGE_TEXT_MODEL_FILES, base);
}
