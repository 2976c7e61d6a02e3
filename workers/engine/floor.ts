// The speed benchmark's floor: per image of a plan, the work no engine can avoid, each part timed
// alone — the image's crops encoded once (one vision-encoder call), the analytic minimum of prefill
// (the image prefix once, each prompt's text after it once, each PS option once after the shared
// question, as Scorer.minimumPrefillTokens counts it) and the greedy steps MC and FF decode. Image
// decoding, preprocessing, tokenizing and storing records lie outside the timed spans. The floor
// scores nothing: it is what the engine's wall time is compared with (`npm run bench`).
import { EngineError } from './errors.ts';
import { argmax, Decoder, pickImageInputs, type Cache } from './forward.ts';
import type { LoadedModel } from './loadModel.ts';
import { applyPreprocessing } from './preprocessing.ts';
import { imageWork, type ImageLoader } from './runner.ts';
import { Scorer } from './scorer.ts';
import { DEFAULT_FF_MAX_NEW_TOKENS, MC_MAX_NEW_TOKENS } from '../../src/core/run/methods.ts';
import type { ImageGroup } from '../../src/core/run/plan.ts';
import type { PreprocessingChoice } from '../../src/core/run/preprocessing.ts';
import { newCounters } from '../../src/core/run/vocabulary.ts';
import type { ConfusionPair } from '../../src/core/types.ts';

export interface FloorImage {
  localId: string;
  crops: number;
  /** The image's crops in one vision-encoder call. */
  encodeMs: number;
  /** Decoder time of the minimum prefill (the prefix call less its encode, then every tail). */
  prefillMs: number;
  prefillTokens: number;
  /** Greedy steps of the generating cases (tokens fed back one at a time). */
  decodeMs: number;
  decodeSteps: number;
}

export interface FloorReport {
  images: FloorImage[];
  encodeMs: number;
  prefillMs: number;
  decodeMs: number;
  /** encodeMs + prefillMs + decodeMs */
  totalMs: number;
  prefillTokens: number;
  decodeSteps: number;
  cropsEncoded: number;
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

export async function measureFloor(
  lm: LoadedModel,
  pairs: ReadonlyMap<string, ConfusionPair>,
  plan: readonly ImageGroup[],
  loadImage: ImageLoader,
  preprocessing: PreprocessingChoice = 'default',
  maxNewTokens: number = DEFAULT_FF_MAX_NEW_TOKENS,
): Promise<FloorReport> {
  const counters = newCounters();
  const scorer = new Scorer(lm, counters);
  const decoder = new Decoder(lm, counters);
  const restore = applyPreprocessing(lm, preprocessing);
  const images: FloorImage[] = [];
  try {
    for (const group of plan) {
      const image = await loadImage(group.localId);
      if (!image) throw new EngineError('image', `The floor needs image ${group.localId}`);
      const p = await scorer.plan(imageWork(group, pairs, image));
      if (!p) continue;
      const before = { ...counters };
      const at: FloorImage = {
        localId: group.localId,
        crops: 0,
        encodeMs: 0,
        prefillMs: 0,
        prefillTokens: 0,
        decodeMs: 0,
        decodeSteps: 0,
      };
      const prefill = async (ids: number[], past: Cache | null, pastLength: number) => {
        const [out, ms] = await timed(() => decoder.forward(ids, past, pastLength, { keep: 'last' }));
        at.prefillMs += ms;
        at.prefillTokens += ids.length;
        return out;
      };
      // The prefix call encodes the image inside it: its encode is timed by the encoder counter.
      const [prefix, prefixMs] = await timed(() =>
        decoder.forward(p.planned[0]!.ids.slice(0, p.prefixLength), null, 0, {
          keep: 'last',
          extra: pickImageInputs(p.imageInputs),
        }),
      );
      at.encodeMs = counters.visionEncoderMs - before.visionEncoderMs;
      at.crops = counters.cropsEncoded - before.cropsEncoded;
      at.prefillMs += prefixMs - at.encodeMs;
      at.prefillTokens += p.prefixLength;
      const L = p.prefixLength;
      for (const c of p.planned) {
        if (c.method === 'PS') {
          const { fullA, fullB, spanA, spanB } = c.ps!;
          const q = Math.min(spanA.start, spanB.start);
          const question = await prefill(fullA.slice(L, q), prefix.cache, L);
          for (const [full, span] of [
            [fullA, spanA],
            [fullB, spanB],
          ] as const) {
            const tail = full.slice(q, span.end - 1);
            if (tail.length > 0) await (await prefill(tail, question.cache, q)).cache.dispose();
          }
          await question.cache.dispose();
          continue;
        }
        let step = await prefill(c.ids.slice(L), prefix.cache, L);
        if (c.method === 'GD') {
          await step.cache.dispose();
          continue;
        }
        const limit = c.method === 'MC' ? MC_MAX_NEW_TOKENS : maxNewTokens;
        let length = c.ids.length;
        for (let generated = 0; ;) {
          const next = argmax(step.lastRow());
          if (lm.eosIds.has(next) || ++generated >= limit) break;
          const [following, ms] = await timed(() =>
            decoder.forward([next], step.cache, length, { keep: 'last', decoding: true }),
          );
          at.decodeMs += ms;
          at.decodeSteps++;
          await step.cache.dispose();
          step = following;
          length++;
        }
        await step.cache.dispose();
      }
      await prefix.cache.dispose();
      images.push(at);
    }
  } finally {
    restore();
  }
  const sum = (k: keyof Omit<FloorImage, 'localId'>) => images.reduce((a, i) => a + i[k], 0);
  const encodeMs = sum('encodeMs');
  const prefillMs = sum('prefillMs');
  const decodeMs = sum('decodeMs');
  return {
    images,
    encodeMs,
    prefillMs,
    decodeMs,
    totalMs: encodeMs + prefillMs + decodeMs,
    prefillTokens: sum('prefillTokens'),
    decodeSteps: sum('decodeSteps'),
    cropsEncoded: sum('crops'),
  };
}
