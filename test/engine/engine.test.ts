// The inference engine in Node on onnxruntime-web's wasm backend (the browser's kernels), on the
// project's generated tiny SmolVLM-layout model: cached scoring equals full recomputation,
// answers depend on the image, work counters are exact, and bad input fails the specified way.
import { imageGroupsOf, localIdOf } from '../../src/core/run/plan.ts';
import { cp, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CaseRecord } from '../../src/core/types.ts';
import type { LoadedModel } from '../../workers/engine/loadModel.ts';
import type { CaseRequest } from '../../src/core/run/vocabulary.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { compareRecords, IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';

let engine: NodeEngine;
let lm: LoadedModel;
const dataset = officialDataset();
const pairs = new Map(dataset.pairs.map((p) => [p.id, p]));

function requestsFor(pairIds: string[], methods: CaseRequest['method'][]): CaseRequest[] {
  return pairIds.flatMap((pairId) =>
    ([1, 2] as const).flatMap((slot) => methods.map((method) => ({ pairId, slot, method }))),
  );
}

async function run(
  requests: CaseRequest[],
  mode: 'cached' | 'full',
  extra: Partial<Parameters<NodeEngine['runCases']>[4]> = {},
) {
  const records: CaseRecord[] = [];
  const scorer = new engine.Scorer(lm, engine.newCounters());
  const summary = await engine.runCases(
    lm,
    pairs,
    imageGroupsOf(requests, pairs),
    folderImageLoader(engine, IMAGES_DIR),
    { mode, onRecord: (r) => void records.push(r), ...extra },
    scorer,
  );
  return { records, summary };
}

beforeAll(async () => {
  engine = await createNodeEngine('wasm');
  lm = await engine.loadModel(
    { source: { kind: 'path', path: TINY_MODEL_DIR }, device: 'wasm', dtype: 'fp32' },
    engine.host,
  );
});

describe('cached scoring', () => {
  // Pairs chosen so that some images appear in more than one pair, as in the full set.
  const sample = dataset.pairs.slice(0, 12).map((p) => p.id);

  it('equals full recomputation for GD, PS and MC within 1e-4 with identical decisions', async () => {
    const requests = requestsFor(sample, ['GD', 'PS', 'MC']);
    const cached = await run(requests, 'cached');
    const full = await run(requests, 'full');
    expect(cached.records).toHaveLength(requests.length);
    expect(full.records).toHaveLength(requests.length);
    const cmp = compareRecords(cached.records, full.records);
    console.log(
      `cached vs full recomputation: max |Δp| = ${cmp.maxProbDiff.toExponential(2)} over ${cmp.compared} cases`,
    );
    expect(cmp.answerMismatches).toEqual([]);
    expect(cmp.textMismatches).toEqual([]);
    expect(cmp.maxProbDiff).toBeLessThan(1e-4);
    // Per-token log-probabilities agree too.
    const fullByKey = new Map(full.records.map((r) => [`${r.pairId}/${r.slot}/${r.method}`, r]));
    for (const r of cached.records.filter((x) => x.method === 'PS')) {
      const o = fullByKey.get(`${r.pairId}/${r.slot}/${r.method}`)!;
      expect(r.tokenLogProbs!.A.length).toBe(o.tokenLogProbs!.A.length);
      r.tokenLogProbs!.A.forEach((lp, i) => expect(Math.abs(lp - o.tokenLogProbs!.A[i]!)).toBeLessThan(1e-4));
    }
  });

  it('encodes each image once and prefills less than full recomputation', async () => {
    const requests = requestsFor(sample, ['GD', 'PS', 'MC']);
    const uniqueImages = imageGroupsOf(requests, pairs).length;
    const cached = await run(requests, 'cached');
    const full = await run(requests, 'full');
    expect(cached.summary.counters.visionEncoderRuns).toBe(uniqueImages);
    expect(cached.summary.counters.imagesPreprocessed).toBe(uniqueImages);
    // Full: one encoder run per GD prompt, per PS option and per MC prompt.
    expect(full.summary.counters.visionEncoderRuns).toBe((requests.length / 3) * 4);
    // The tiny model has only 16 image tokens, so the text dominates; sharing still saves a quarter.
    expect(cached.summary.counters.tokensPrefilled).toBeLessThan(
      full.summary.counters.tokensPrefilled * 0.75,
    );
    expect(cached.summary.counters.decoderCalls).toBeGreaterThan(0);
  });

  it('gives answers that depend on the image', async () => {
    const requests = requestsFor(
      dataset.pairs.slice(0, 20).map((p) => p.id),
      ['GD'],
    );
    const { records } = await run(requests, 'cached');
    const pA = (id: string, slot: 1 | 2) =>
      records.find((r) => r.pairId === id && r.slot === slot)!.probabilities!.A;
    const moved = dataset.pairs.slice(0, 20).filter((p) => Math.abs(pA(p.id, 1) - pA(p.id, 2)) > 1e-3);
    expect(moved.length).toBeGreaterThan(10);
    const letters = new Set(records.map((r) => r.answer));
    expect(letters).toEqual(new Set(['A', 'B']));
  });

  it('reports GD probabilities that sum to one and PS scores in (0, 1]', async () => {
    const { records } = await run(requestsFor(sample.slice(0, 3), ['GD', 'PS']), 'cached');
    for (const r of records) {
      if (r.method === 'GD') expect(r.probabilities!.A + r.probabilities!.B).toBeCloseTo(1, 6);
      if (r.method === 'PS') {
        for (const s of [r.prefixScores!.A, r.prefixScores!.B]) {
          expect(s).toBeGreaterThan(0);
          expect(s).toBeLessThanOrEqual(1);
        }
      }
    }
  });
});

describe('families whose prefix cache is not proven', () => {
  const ids = dataset.pairs.slice(0, 4).map((p) => p.id);

  it('self-check: scores the first image both ways, keeps the cache when they agree', async () => {
    const checked = { ...lm, family: { ...lm.family, prefixCache: 'self-check' as const } };
    const records: CaseRecord[] = [];
    const summary = await engine.runCases(
      checked,
      pairs,
      imageGroupsOf(requestsFor(ids, ['GD', 'PS', 'MC']), pairs),
      folderImageLoader(engine, IMAGES_DIR),
      { mode: 'cached', onRecord: (r) => void records.push(r) },
    );
    expect(summary.cacheCheck?.passed).toBe(true);
    expect(summary.cacheCheck!.maxProbDiff).toBeLessThan(1e-4);
    expect(summary.modeUsed).toBe('cached');
    expect(records).toHaveLength(ids.length * 2 * 3);
    const plain = await run(requestsFor(ids, ['GD', 'PS', 'MC']), 'cached');
    expect(compareRecords(records, plain.records).answerMismatches).toEqual([]);
  });

  it("'off': recomputes every prompt in full and says why", async () => {
    const off = { ...lm, family: { ...lm.family, prefixCache: 'off' as const } };
    const requests = requestsFor(ids, ['GD']);
    const summary = await engine.runCases(
      off,
      pairs,
      imageGroupsOf(requests, pairs),
      folderImageLoader(engine, IMAGES_DIR),
      {
        mode: 'cached',
        onRecord: () => {},
      },
    );
    expect(summary.modeUsed).toBe('full');
    expect(summary.modeReason).toMatch(/recomputed in full/);
    expect(summary.counters.visionEncoderRuns).toBe(requests.length);
  });
});

describe('blind baseline', () => {
  it('shows every case one blank image, encoded once, and equals scoring that image case by case', async () => {
    const ids = dataset.pairs.slice(0, 8).map((p) => p.id);
    const requests = requestsFor(ids, ['GD', 'PS']);
    const blind = await run(requests, 'cached', { imageCondition: 'blank' });
    expect(blind.records).toHaveLength(requests.length);
    expect(blind.summary.counters.visionEncoderRuns).toBe(1);

    // Direct computation: the official full-forward way, each case given the blank image itself.
    const { blankImageFor } = await import('../../workers/engine/blankImage.ts');
    const direct: CaseRecord[] = [];
    await engine.runCases(lm, pairs, imageGroupsOf(requests, pairs), async () => blankImageFor(lm), {
      mode: 'full',
      onRecord: (r) => void direct.push(r),
    });
    const cmp = compareRecords(blind.records, direct);
    expect(cmp.answerMismatches).toEqual([]);
    expect(cmp.maxProbDiff).toBeLessThan(1e-4);

    // The summary figures equal a count over the two record sets.
    const real = await run(requests, 'cached');
    const { blindBaseline } = await import('../../src/core/blind.ts');
    const summary = blindBaseline(dataset, real.records, blind.records, 'GD');
    const gdReal = real.records.filter((r) => r.method === 'GD');
    const unchanged = gdReal.filter(
      (r) =>
        blind.records.find((b) => b.method === 'GD' && b.pairId === r.pairId && b.slot === r.slot)!.answer ===
        r.answer,
    ).length;
    expect(summary.casesCompared).toBe(gdReal.length);
    expect(summary.unchangedShare).toBeCloseTo((unchanged / gdReal.length) * 100, 10);
  });
});

describe('runs that cannot finish normally', () => {
  it('stops within one forward pass of a cancel and keeps the finished cases', async () => {
    const requests = requestsFor(
      dataset.pairs.slice(0, 6).map((p) => p.id),
      ['GD', 'PS', 'MC'],
    );
    let cancelled = false;
    const { records, summary } = await run(requests, 'cached', {
      isCancelled: () => cancelled,
      onProgress: (p) => {
        if (p.done === 5) cancelled = true;
      },
    });
    expect(summary.cancelled).toBe(true);
    expect(summary.done).toBe(5);
    expect(records).toHaveLength(5);
  });

  it('reports a missing image as not run, never as wrong, and runs the rest', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'images-'));
    try {
      const three = dataset.pairs.slice(0, 3);
      for (const p of three)
        for (const slot of [1, 2] as const) {
          const id = localIdOf(p, slot);
          await cp(path.join(IMAGES_DIR, `${id}.jpg`), path.join(dir, `${id}.jpg`));
        }
      // Pairs share images, so pick two distinct images: one to delete, one to corrupt.
      const ids = [...new Set(three.flatMap((p) => [localIdOf(p, 1), localIdOf(p, 2)]))];
      const missingId = ids[1]!;
      const corruptId = ids[ids.length - 1]!;
      expect(missingId).not.toBe(corruptId);
      await rm(path.join(dir, `${missingId}.jpg`));
      await writeFile(path.join(dir, `${corruptId}.jpg`), 'not a jpeg');
      const records: CaseRecord[] = [];
      const summary = await engine.runCases(
        lm,
        pairs,
        imageGroupsOf(
          requestsFor(
            three.map((p) => p.id),
            ['GD'],
          ),
          pairs,
        ),
        folderImageLoader(engine, dir),
        { mode: 'cached', onRecord: (r) => void records.push(r) },
      );
      const reasons = Object.fromEntries(summary.notRun.map((p) => [p.localId, p.reason]));
      expect(reasons[missingId]).toBe('missing');
      expect(reasons[corruptId]).toBe('unreadable');
      const notRunCases = summary.notRun.flatMap((p) => p.cases).length;
      expect(records.length + notRunCases).toBe(6);
      expect(records.some((r) => localIdOf(pairs.get(r.pairId)!, r.slot) === missingId)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('model folders that cannot be used', () => {
  async function brokenCopy(mutate: (dir: string) => Promise<void>) {
    const parent = await mkdtemp(path.join(tmpdir(), 'model-'));
    const dir = path.join(parent, 'broken-model');
    await cp(TINY_MODEL_DIR, dir, { recursive: true });
    await mutate(dir);
    return dir;
  }

  it('names the missing ONNX file before loading anything', async () => {
    const dir = await brokenCopy((d) => rm(path.join(d, 'onnx', 'decoder_model_merged.onnx')));
    await expect(
      engine.loadModel({ source: { kind: 'path', path: dir }, device: 'wasm', dtype: 'fp32' }, engine.host),
    ).rejects.toMatchObject({
      kind: 'missing-files',
      message: expect.stringContaining('decoder_model_merged'),
    });
  });

  it('names a missing tokenizer file', async () => {
    const dir = await brokenCopy((d) => rm(path.join(d, 'tokenizer.json')));
    await expect(
      engine.loadModel({ source: { kind: 'path', path: dir }, device: 'wasm', dtype: 'fp32' }, engine.host),
    ).rejects.toMatchObject({ kind: 'missing-files', message: expect.stringContaining('tokenizer.json') });
  });

  it('refuses an unsupported architecture by name', async () => {
    const dir = await brokenCopy(async (d) => {
      const config = JSON.parse(await readFile(path.join(d, 'config.json'), 'utf8'));
      await writeFile(
        path.join(d, 'config.json'),
        JSON.stringify({
          ...config,
          architectures: ['WhisperForConditionalGeneration'],
          model_type: 'whisper',
        }),
      );
    });
    await expect(
      engine.loadModel({ source: { kind: 'path', path: dir }, device: 'wasm', dtype: 'fp32' }, engine.host),
    ).rejects.toMatchObject({
      kind: 'unsupported-architecture',
      message: expect.stringContaining('WhisperForConditionalGeneration'),
    });
  });

  it('reports a corrupted ONNX file as an error, not a crash', async () => {
    const dir = await brokenCopy(async (d) => {
      const file = path.join(d, 'onnx', 'decoder_model_merged.onnx');
      const bytes = await readFile(file);
      await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 3)));
    });
    const err = await engine
      .loadModel({ source: { kind: 'path', path: dir }, device: 'wasm', dtype: 'fp32' }, engine.host)
      .then(
        () => null,
        (e: unknown) => e as { kind: string; message: string },
      );
    expect(err).not.toBeNull();
    expect(err!.message.length).toBeLessThan(400);
  });
});
