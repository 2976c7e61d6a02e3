// What the benchmark reports for one browser target: per way (this engine, the official way) the
// wall time, vision-encoder calls, crops encoded and encoder time, decoder calls, tokens prefilled
// and decoded, calls per case; the floor; the ratios; memory through the run; and each target of
// the speed issue with its measured value. Pure: it reads what benchChromium measured.
import type { WorkCounters } from '../../src/core/run/vocabulary.ts';
import type { BrowserTargetResult, WayRun } from './benchChromium.ts';

export interface BenchWorkload {
  chosen: readonly unknown[];
  requests: readonly unknown[];
  uniqueImages: number;
  cropsPerImage: Record<string, number>;
  uniqueImageCrops: number;
}

const r2 = (x: number) => Number(x.toFixed(2));
const s1 = (ms: number) => Number((ms / 1000).toFixed(1));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function way(run: WayRun | undefined, cases: number) {
  if (!run?.counters) return null;
  const c: WorkCounters = run.counters;
  return {
    complete: run.complete,
    wallS: s1(run.wallMs),
    imagesDone: run.imageEndsMs.length,
    visionEncoderCalls: c.visionEncoderRuns,
    cropsEncoded: c.cropsEncoded,
    visionEncoderS: s1(c.visionEncoderMs),
    imageEmbeddingS: s1(c.imageEmbeddingMs ?? 0),
    decoderCalls: c.decoderCalls,
    tokensPrefilled: c.tokensPrefilled,
    tokensDecoded: c.tokensDecoded,
    perCase: run.complete
      ? {
          visionEncoderCalls: r2(c.visionEncoderRuns / cases),
          cropsEncoded: r2(c.cropsEncoded / cases),
          decoderCalls: r2(c.decoderCalls / cases),
        }
      : null,
    rendererMBAtEachEighth: run.rendererMBAtEachEighth,
  };
}

export function browserReport(
  b: BrowserTargetResult,
  w: BenchWorkload & { minimumPrefillTokens: number },
  roundsPlanned: number,
) {
  const cases = w.requests.length;
  const complete = (m: 'cached' | 'full') => b.rounds.flatMap((r) => (r[m]?.complete ? [r[m]!] : []));
  const cached = complete('cached');
  const full = complete('full');
  const lastCached = b.rounds.at(-1)?.cached ?? b.rounds[0]?.cached;
  const firstFull = b.rounds[0]?.full;
  const ratio =
    full.length && cached.length
      ? median(full.map((r) => r.wallMs)) / median(cached.map((r) => r.wallMs))
      : null;
  // An official run stopped part-way: both ways on the images it finished (same cases, same order).
  const k = firstFull?.imageEndsMs.length ?? 0;
  const partial =
    !full.length && k > 0 && b.rounds[0]?.cached
      ? {
          images: k,
          of: w.uniqueImages,
          officialS: s1(firstFull!.imageEndsMs[k - 1]!),
          engineS: s1(b.rounds[0].cached.imageEndsMs[k - 1]!),
          ratio: r2(firstFull!.imageEndsMs[k - 1]! / b.rounds[0].cached.imageEndsMs[k - 1]!),
        }
      : null;
  const engineWall = cached.length ? median(cached.map((r) => r.wallMs)) : null;
  const c = lastCached?.counters;
  const growth = (s: { mb: number }[]) => (s.length >= 2 ? s.at(-1)!.mb - s[0]!.mb : null);
  const floorS = b.floor ? s1(b.floor.totalMs) : null;
  return {
    label: b.target,
    device: b.device,
    threads: b.threads,
    pairs: w.chosen.length,
    cases,
    uniqueImages: w.uniqueImages,
    cropsPerImage: w.cropsPerImage,
    rounds: `${cached.length} of ${roundsPlanned} (engine), ${full.length} of ${roundsPlanned} (official way)`,
    engine: way(lastCached, cases),
    official: way(firstFull, cases),
    engineSingleView: way(b.singleView ?? undefined, cases),
    engineRunsS: cached.map((r) => s1(r.wallMs)),
    officialRunsS: full.map((r) => s1(r.wallMs)),
    floor: b.floor
      ? {
          totalS: floorS,
          encodeS: s1(b.floor.encodeMs),
          prefillS: s1(b.floor.prefillMs),
          decodeS: s1(b.floor.decodeMs),
          cropsEncoded: b.floor.cropsEncoded,
          prefillTokens: b.floor.prefillTokens,
          decodeSteps: b.floor.decodeSteps,
          images: b.floor.images,
        }
      : null,
    targets: {
      officialOverEngine: {
        value: ratio === null ? null : r2(ratio),
        target: '≥ 5',
        onImagesBothFinished: partial,
      },
      cropsEncodedEqualUniqueImageCrops: {
        value: c ? `${c.cropsEncoded} = ${w.uniqueImageCrops}` : null,
        met: c ? c.cropsEncoded === w.uniqueImageCrops : null,
      },
      prefillOverMinimum: {
        value: c ? Number((c.tokensPrefilled / w.minimumPrefillTokens).toFixed(3)) : null,
        minimum: w.minimumPrefillTokens,
        target: '≤ 1.05',
      },
      engineOverFloor: {
        value: engineWall !== null && b.floor ? r2(engineWall / b.floor.totalMs) : null,
        target: '≤ 1.25',
      },
      memory: {
        rendererGrowthAfterFirstEighthMB: lastCached ? growth(lastCached.rendererMBAtEachEighth) : null,
        peakRendererRssMB: b.peakRendererRssMB,
        peakGpuProcessRssMB: b.peakGpuProcessRssMB,
      },
    },
  };
}
