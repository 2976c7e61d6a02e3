// The cached-vs-full self-check's rule: how closely the image-prefix cache must reproduce a full
// recomputation before a run trusts it, per dtype (the number format decides how much two
// mathematically equal computations differ), and the verdict on one image's records scored both
// ways. The engine's runner applies it to the first image of a self-checked family's run; the run
// card records the tolerance used. Pure.
import { compareCaseRecords } from '../recordComparison.ts';
import type { CaseRecord } from '../types.ts';
import { dtypesOf, isDtype, parseDtypeChoice, type DtypeChoice } from './dtypes.ts';
import type { Dtype } from './vocabulary.ts';

export interface CacheTolerance {
  /** Largest |Δp| allowed over GD letter probabilities and PS prefix scores. */
  maxProbDiff: number;
  /**
   * True: every decision and every generated text must be identical. False where the number
   * format makes near-tied choices go either way: a letter probability within the tolerance of
   * 1/2 may flip, and greedy text (MC, FF) may take another token once two are within noise; the
   * probabilities, scored on the same cached prefix, are then what is checked.
   */
  exactDecisions: boolean;
  /** Why this value: what was measured and what the format does. */
  reason: string;
}

/**
 * Per dtype. Measured on the SmolVLM replica (`.fixtures/models/replica-smolvlm`, wasm in Node),
 * cached against full, max |Δp|: 10 pairs × 2 images with GD/PS/MC: fp32 2.1e-7, fp16 0,
 * q8 4.3e-2 (13 of 20 MC texts differ, no answer), q4 1.4e-7, q4f16 0; 40 pairs with GD/PS:
 * fp32 4.3e-7, q8 6.1e-2 (one GD and one PS decision of 160 flipped, both near a tie), q4 2.2e-7.
 * test/engine/cacheTolerance.test.ts measures it again.
 * A broken cache (wrong positions, a missing cache input) moves a letter logit by a whole unit or
 * more, i.e. p by up to 0.25: every value here stays well below that.
 */
export const CACHE_TOLERANCES: Readonly<Record<Dtype, CacheTolerance>> = {
  fp32: {
    maxProbDiff: 1e-4,
    exactDecisions: true,
    reason:
      'float32 throughout: cached and full differ only in summation order (≤ 2.3e-7 on every replica); 1e-4 keeps a margin of over 400×',
  },
  fp16: {
    maxProbDiff: 1e-2,
    exactDecisions: false,
    reason:
      'half precision keeps 11 significant bits: a letter logit near 16 is stored to a step of 2⁻⁷ ≈ 0.008 and moves a two-way probability by up to a quarter of that, so a kernel that sums in another order (GPU tiling depends on the sequence length) can differ by a few steps; the replica measured 0 on wasm, where both paths round alike',
  },
  q4f16: {
    maxProbDiff: 1e-2,
    exactDecisions: false,
    reason: "4-bit weights with half-precision activations: fp16's rounding (the replica measured 0 on wasm)",
  },
  q4: {
    maxProbDiff: 1e-3,
    exactDecisions: false,
    reason:
      '4-bit weights, float32 activations: the replica measured 1.4e-7 on wasm, as fp32; 10× fp32 because MatMulNBits takes other kernels for a one-row cached decode step than for a many-row prompt on other backends (not measured here)',
  },
  bnb4: {
    maxProbDiff: 1e-3,
    exactDecisions: false,
    reason: "4-bit (NF4) weights, float32 activations: as q4's (no bnb4 replica to measure)",
  },
  q8: {
    maxProbDiff: 1e-1,
    exactDecisions: false,
    reason:
      '8-bit dynamic quantization (DynamicQuantizeLinear + MatMulInteger) takes one activation scale per tensor from its largest value over all rows, so a cached continuation, whose tensors hold only the new tokens, rounds differently from the full prompt: the replica measured up to 6.1e-2 over 160 GD/PS cases, near-tied decisions flipping and greedy MC texts diverging on 13 of 20 cases',
  },
  int8: {
    maxProbDiff: 1e-1,
    exactDecisions: false,
    reason: "8-bit dynamic quantization with signed weights: q8's",
  },
  uint8: {
    maxProbDiff: 1e-1,
    exactDecisions: false,
    reason: "8-bit dynamic quantization with unsigned weights: q8's",
  },
};

/** The ONNX file whose numerics differ between cached and full (the image and token embeddings are the same computation both ways). */
const DECODER_FILE = 'decoder_model_merged';

/**
 * The dtype whose tolerance a run's dtype label takes: the dtype itself; for a per-file mix the
 * decoder's, or the loosest of the mix when the decoder is not named; fp32 for a label that is
 * no dtype (the strictest: a cache it rejects is only slower, never wrong).
 */
export function toleranceDtype(dtype: string): Dtype {
  if (isDtype(dtype)) return dtype;
  let choice: DtypeChoice;
  try {
    choice = parseDtypeChoice(dtype);
  } catch {
    return 'fp32';
  }
  if (typeof choice === 'string') return choice;
  const decoder = choice[DECODER_FILE];
  if (decoder) return decoder;
  return dtypesOf(choice).reduce((loosest, d) =>
    CACHE_TOLERANCES[d].maxProbDiff > CACHE_TOLERANCES[loosest].maxProbDiff ? d : loosest,
  );
}

export function cacheToleranceFor(dtype: string): CacheTolerance & { dtype: Dtype } {
  const d = toleranceDtype(dtype);
  return { dtype: d, ...CACHE_TOLERANCES[d] };
}

/** The self-check's verdict as the run card keeps it (core/run/vocabulary ScoringReport.cacheCheck). */
export interface CacheCheckVerdict {
  passed: boolean;
  maxProbDiff: number;
  cases: number;
  /** The tolerance applied and the dtype it belongs to. */
  tolerance: number;
  toleranceDtype: Dtype;
  exactDecisions: boolean;
  /** Cases whose decision differs, and whose generated text differs (ids as core/types caseIdOf). */
  answerMismatches: string[];
  textMismatches: string[];
}

/**
 * Cached against full records of the same cases under the run's dtype: every case present, max
 * |Δp| within the tolerance and, where the dtype demands it, identical decisions and texts. Where
 * it does not, a GD/PS decision may differ only inside the tolerance (implied by max |Δp|).
 */
export function cacheCheckVerdict(
  cached: readonly CaseRecord[],
  reference: readonly CaseRecord[],
  dtype: string,
): CacheCheckVerdict {
  const tolerance = cacheToleranceFor(dtype);
  const c = compareCaseRecords(cached, reference);
  const decisionsAgree =
    !tolerance.exactDecisions || (c.answerMismatches.length === 0 && c.textMismatches.length === 0);
  return {
    passed:
      c.missing.length === 0 &&
      c.compared === reference.length &&
      c.maxProbDiff <= tolerance.maxProbDiff &&
      decisionsAgree,
    maxProbDiff: c.maxProbDiff,
    cases: c.compared,
    tolerance: tolerance.maxProbDiff,
    toleranceDtype: tolerance.dtype,
    exactDecisions: tolerance.exactDecisions,
    answerMismatches: c.answerMismatches,
    textMismatches: c.textMismatches,
  };
}
