// One decoder forward pass and the tensor helpers around it: builds the inputs (ids, attention mask
// over past + new tokens, the past key/value cache, num_logits_to_keep where the export declares
// it, and what the family adapter adds for a continuation), counts the work, and hands back the
// logits rows asked for and the new cache. Each cache remembers the ids it holds and the image
// inputs of its prefix, so a family whose positions depend on the whole sequence (Qwen2-VL) can
// continue from it.
import { DynamicCache, Tensor } from '@huggingface/transformers';
import type { WorkCounters } from '../../src/core/run/vocabulary.ts';
import { EngineError } from './errors.ts';
import type { LoadedModel } from './loadModel.ts';

export type Cache = InstanceType<typeof DynamicCache>;

/** What a cache holds: every id so far and the image inputs that filled its image block. */
interface CacheHistory {
  ids: readonly number[];
  imageInputs: Record<string, Tensor>;
}

export interface ForwardResult {
  cache: Cache;
  /** Logits row for the token at `index` of this call's input (predicting the next token). */
  row(index: number): Float32Array;
  lastRow(): Float32Array;
}

export interface ForwardOptions {
  /** 'last': only the last position's logits are needed (GD, greedy steps); 'all': every position. */
  keep: 'last' | 'all';
  /** Pixel inputs for a call that encodes the image. */
  extra?: Record<string, Tensor>;
  /** Counted as decoded (fed back one at a time) rather than prefilled. */
  decoding?: boolean;
}

/** The decoder of one loaded model, with its work counted into `counters`. */
export class Decoder {
  private readonly keepsLogits: boolean;
  private readonly history = new WeakMap<object, CacheHistory>();

  constructor(
    private readonly lm: LoadedModel,
    readonly counters: WorkCounters,
  ) {
    const sessions = (lm.model as unknown as { sessions: Record<string, { inputNames: string[] }> }).sessions;
    this.keepsLogits = Boolean(sessions['decoder_model_merged']?.inputNames.includes('num_logits_to_keep'));
  }

  async forward(
    ids: number[],
    past: Cache | null,
    pastLength: number,
    { keep, extra = {}, decoding = false }: ForwardOptions,
  ): Promise<ForwardResult> {
    const n = ids.length;
    const inputs: Record<string, unknown> = {
      input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
      attention_mask: new Tensor('int64', new BigInt64Array(pastLength + n).fill(1n), [1, pastLength + n]),
      ...extra,
    };
    const before = past ? this.history.get(past) : undefined;
    if (past && !before)
      throw new EngineError('internal', 'A cache this decoder did not make was passed to it');
    const history: CacheHistory = before
      ? { ids: [...before.ids, ...ids], imageInputs: before.imageInputs }
      : { ids, imageInputs: pickImageInputs(extra) };
    if (past) {
      inputs.past_key_values = past;
      Object.assign(inputs, this.lm.adapter.continuationInputs(this.lm, history.ids, n, history.imageInputs));
    }
    if (this.keepsLogits) {
      inputs.num_logits_to_keep = new Tensor('int64', BigInt64Array.of(keep === 'last' ? 1n : 0n), []);
    }
    this.counters.decoderCalls++;
    if (decoding) this.counters.tokensDecoded += n;
    else this.counters.tokensPrefilled += n;
    const out = (await (this.lm.model as unknown as (x: unknown) => Promise<Record<string, Tensor>>)(
      inputs,
    )) as Record<string, Tensor>;
    const logits = out.logits!;
    const rows = logits.dims[1]!;
    const data = toFloat32(logits);
    const vocab = logits.dims[2]!;
    const firstRow = n - rows; // rows returned correspond to the last `rows` inputs
    const entries: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(out)) {
      const name = this.lm.adapter.cacheInputName(k);
      if (name) entries[name] = v;
    }
    const row = (index: number) => {
      const r = index - firstRow;
      if (r < 0 || r >= rows) throw new EngineError('internal', `logits row ${index} was not computed`);
      return data.subarray(r * vocab, (r + 1) * vocab);
    };
    const cache = new DynamicCache(entries);
    this.history.set(cache, history);
    return { cache, row, lastRow: () => row(n - 1) };
  }
}

export function idsOf(inputs: Record<string, Tensor>): number[] {
  const t = inputs.input_ids;
  if (!t) throw new EngineError('internal', 'The processor returned no input_ids');
  return Array.from(t.data as BigInt64Array, Number);
}

/** Everything the processor produced besides the text: pixel values and their masks or grids. */
export function pickImageInputs(inputs: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (k !== 'input_ids' && k !== 'attention_mask' && k !== 'token_type_ids' && v instanceof Tensor)
      out[k] = v;
  }
  return out;
}

export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Logits as float32 whatever the model's output type (fp16 models return float16 logits). */
function toFloat32(t: Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = t.data as unknown as ArrayLike<number> & { BYTES_PER_ELEMENT?: number };
    // Float16Array (where it exists) already yields numbers; Uint16Array holds raw halves.
    if (src instanceof Uint16Array) return Float32Array.from(src, halfToFloat);
    return Float32Array.from(src);
  }
  throw new EngineError('internal', `Unexpected logits type ${t.type}`);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
