// One decoder forward pass and the tensor helpers around it: builds the inputs (ids, attention mask
// over past + new tokens, the past key/value cache, num_logits_to_keep where the export declares
// it, and what the family adapter adds for a continuation), counts the work, and hands back the
// logits rows asked for and the new cache. Each cache remembers the ids it holds and the image
// inputs of its prefix, so a family whose positions depend on the whole sequence (Qwen2-VL) can
// continue from it. `forwardBatch` continues one cache with several rows in one call (the cache
// tiled along the batch axis, rows right-padded), for the rows' logits only.
import { DynamicCache, Tensor } from '@huggingface/transformers';
import type { WorkCounters } from '../../src/core/run/vocabulary.ts';
import { parseDtypeChoice } from '../../src/core/run/dtypes.ts';
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

/**
 * Decoder dtypes whose activations are quantised per call (transformers.js's q8 / int8 / uint8
 * exports: DynamicQuantizeLinear before every MatMulInteger, one scale for the whole tensor): the
 * rows of a batch would share that scale, each row's logits then depending on the others, so such
 * a decoder is never batched. Weight-only formats (q4, q4f16, bnb4) and floats keep rows apart.
 */
const PER_CALL_QUANTISED: ReadonlySet<string> = new Set(['q8', 'int8', 'uint8']);

/** The decoder's dtype from the loaded model's dtype label (one dtype, or "file=dtype,…"). */
function decoderDtype(label: string): string {
  const choice = parseDtypeChoice(label);
  return typeof choice === 'string' ? choice : (choice['decoder_model_merged'] ?? 'fp32');
}

/** The decoder of one loaded model, with its work counted into `counters`. */
export class Decoder {
  private readonly keepsLogits: boolean;
  private readonly rowsIndependent: boolean;
  private readonly history = new WeakMap<object, CacheHistory>();

  constructor(
    private readonly lm: LoadedModel,
    readonly counters: WorkCounters,
  ) {
    const sessions = (lm.model as unknown as { sessions: Record<string, { inputNames: string[] }> }).sessions;
    this.keepsLogits = Boolean(sessions['decoder_model_merged']?.inputNames.includes('num_logits_to_keep'));
    this.rowsIndependent = !PER_CALL_QUANTISED.has(decoderDtype(lm.info.dtype));
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
    const logits = logitsRows(out.logits!, n);
    const entries: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(out)) {
      const name = this.lm.adapter.cacheInputName(k);
      if (name) entries[name] = v;
    }
    const row = (index: number) => logits(0, index);
    const cache = new DynamicCache(entries);
    this.history.set(cache, history);
    return { cache, row, lastRow: () => row(n - 1) };
  }

  /**
   * Whether `past` can be continued by several rows in one call: the family batches its
   * continuations, the decoder's rows are independent (PER_CALL_QUANTISED) and every cache tensor
   * is in CPU memory (a GPU-resident cache would have to be read back to be tiled, which costs
   * more than the call it saves).
   */
  canBatch(past: Cache): boolean {
    if (!this.lm.adapter.batchContinuationInputs || !this.rowsIndependent) return false;
    return Object.values(past).every((t) => (t as Tensor).location === 'cpu');
  }

  /**
   * Every row continues `past` (holding `pastLength` tokens) in one decoder call, as `forward`
   * with keep 'all' would one row at a time: the cache tiled B times along dim 0, the rows
   * right-padded to the longest with their own last id (padding after a row's tokens cannot change
   * their logits in a causal decoder), the family's continuation inputs per row.
   * One decoder call; only the real tokens count as prefilled. The batch's cache is not kept.
   */
  async forwardBatch(
    rows: readonly (readonly number[])[],
    past: Cache,
    pastLength: number,
  ): Promise<BatchResult> {
    const before = this.history.get(past);
    if (!before) throw new EngineError('internal', 'A cache this decoder did not make was passed to it');
    const batchInputs = this.lm.adapter.batchContinuationInputs;
    if (!batchInputs) throw new EngineError('internal', `${this.lm.adapter.id} does not batch continuations`);
    if (rows.length === 0 || rows.some((r) => r.length === 0))
      throw new EngineError('internal', 'A batch needs rows of at least one token');
    const B = rows.length;
    const width = Math.max(...rows.map((r) => r.length));
    const total = pastLength + width;
    const ids = new BigInt64Array(B * width);
    // The mask is 1 on the padding too: in a causal decoder tokens after a row's real ones cannot
    // change their logits, and a fused attention that reads each row's length from the mask's sum
    // (GroupQueryAttention's seqlens_k) then places every row's tokens where the cache ends.
    const mask = new BigInt64Array(B * total).fill(1n);
    rows.forEach((r, b) => {
      for (let i = 0; i < width; i++) ids[b * width + i] = BigInt(r[Math.min(i, r.length - 1)]!);
    });
    const tiled: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(past)) tiled[name] = tile(t as Tensor, B);
    const inputs: Record<string, unknown> = {
      input_ids: new Tensor('int64', ids, [B, width]),
      attention_mask: new Tensor('int64', mask, [B, total]),
      past_key_values: new DynamicCache(tiled),
      ...batchInputs(
        this.lm,
        rows.map((r) => ({ allIds: [...before.ids, ...r], newCount: r.length })),
        width,
        before.imageInputs,
      ),
    };
    if (this.keepsLogits) inputs.num_logits_to_keep = new Tensor('int64', BigInt64Array.of(0n), []);
    this.counters.decoderCalls++;
    for (const r of rows) this.counters.tokensPrefilled += r.length;
    try {
      const out = await (this.lm.model as unknown as (x: unknown) => Promise<Record<string, Tensor>>)(inputs);
      const logits = logitsRows(out.logits!, width);
      for (const [k, v] of Object.entries(out)) if (this.lm.adapter.cacheInputName(k)) v.dispose();
      return {
        row: (b, index) => {
          if (index >= rows[b]!.length) throw new EngineError('internal', `row ${b} has no token ${index}`);
          return logits(b, index);
        },
      };
    } finally {
      for (const t of Object.values(tiled)) t.dispose();
    }
  }
}

export interface BatchResult {
  /** Logits row for the token at `index` of row `b`'s input (predicting the next token). */
  row(b: number, index: number): Float32Array;
}

/** A cache tensor repeated `times` along dim 0 (the batch axis, or batch × heads). */
function tile(t: Tensor, times: number): Tensor {
  const src = t.data as unknown as ArrayLike<unknown> & { length: number };
  const Ctor = src.constructor as new (n: number) => { set(a: ArrayLike<unknown>, at: number): void };
  const data = new Ctor(src.length * times);
  for (let k = 0; k < times; k++) data.set(src, k * src.length);
  const [first, ...rest] = t.dims;
  return new Tensor(t.type, data as never, [first! * times, ...rest]);
}

/**
 * Reads logits [batch, rows, vocab] as float32 rows: the rows returned are the last `rows` of the
 * call's `n` inputs; `(b, index)` is the row for input `index` of batch row `b`.
 */
function logitsRows(logits: Tensor, n: number): (b: number, index: number) => Float32Array {
  const rows = logits.dims[1]!;
  const vocab = logits.dims[2]!;
  const data = toFloat32(logits);
  const firstRow = n - rows; // rows returned correspond to the last `rows` inputs
  return (b, index) => {
    const r = index - firstRow;
    if (r < 0 || r >= rows) throw new EngineError('internal', `logits row ${index} was not computed`);
    const at = (b * rows + r) * vocab;
    return data.subarray(at, at + vocab);
  };
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
