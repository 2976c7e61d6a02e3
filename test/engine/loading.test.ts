// Model loading in Node (wasm backend): from a local HTTP server acting as the hub, with byte
// progress per file and a revision; dtype chosen from the files the repo offers; and the
// decoder variant that returns logits for every position scores the same as the one that keeps
// only the rows asked for.
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CaseRecord } from '../../src/core/types.ts';
import type { LoadProgress } from '../../workers/engine/protocol.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import {
  compareRecords,
  FIXTURES_DIR,
  IMAGES_DIR,
  officialDataset,
  TINY_MODEL_DIR,
} from '../support/fixtures.ts';
import { startHubServer, type HubServer } from '../support/hubServer.ts';

let engine: NodeEngine;
let hub: HubServer;
let cacheDir = '';
const dataset = officialDataset();
const pairs = new Map(dataset.pairs.map((p) => [p.id, p]));
const sample = dataset.pairs
  .slice(0, 4)
  .flatMap((p) =>
    ([1, 2] as const).flatMap((slot) =>
      (['GD', 'PS', 'MC'] as const).map((method) => ({ pairId: p.id, slot, method })),
    ),
  );

beforeAll(async () => {
  engine = await createNodeEngine('wasm');
  cacheDir = await mkdtemp(path.join(tmpdir(), 'model-cache-'));
  engine.transformers.env.cacheDir = cacheDir;
  hub = await startHubServer({ 'test-org/tiny-smolvlm': TINY_MODEL_DIR }, ['main', 'v1']);
});

afterAll(async () => {
  await hub?.close();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

describe('loading from a hub', () => {
  it('downloads with per-file byte progress, then creates sessions', async () => {
    const events: LoadProgress[] = [];
    const lm = await engine.loadModel(
      {
        source: { kind: 'hub', repoId: 'test-org/tiny-smolvlm', revision: 'v1', remoteHost: hub.url },
        device: 'wasm',
        dtype: 'fp32',
      },
      engine.host,
      (p) => events.push(p),
    );
    expect(lm.info.modelId).toBe('test-org/tiny-smolvlm');
    expect(lm.info.revision).toBe('v1');
    const downloads = events.filter((e) => e.phase === 'download');
    const last = downloads.at(-1)!;
    expect(last.phase === 'download' && last.filesDone).toBe(last.phase === 'download' && last.filesTotal);
    if (last.phase === 'download') {
      expect(last.loaded).toBe(last.total);
      expect(last.total).toBeGreaterThan(500_000);
      expect(Object.keys(last.files)).toContain('onnx/decoder_model_merged.onnx');
    }
    expect(events.findIndex((e) => e.phase === 'sessions')).toBeGreaterThan(
      events.findIndex((e) => e.phase === 'download'),
    );
    expect(events.at(-1)!.phase).toBe('ready');
    // transformers.js 4.3 probes tokenizer_config.json's existence at `main` whatever the revision
    // (get_tokenizer_files ignores it); everything it reads comes from the requested revision.
    const offRevision = hub.requests.filter((r) => !r.path.includes('/resolve/v1/'));
    expect(offRevision.map((r) => r.path)).toEqual([
      '/test-org/tiny-smolvlm/resolve/main/tokenizer_config.json',
    ]);
    await lm.model.dispose();
  });

  it('refuses a revision that does not exist, naming it', async () => {
    await expect(
      engine.loadModel(
        {
          source: { kind: 'hub', repoId: 'test-org/tiny-smolvlm', revision: 'nope', remoteHost: hub.url },
          device: 'wasm',
        },
        engine.host,
      ),
    ).rejects.toMatchObject({
      kind: 'missing-files',
      message: expect.stringContaining('test-org/tiny-smolvlm@nope'),
    });
  });

  it('refuses an unknown repo before downloading weights', async () => {
    const before = hub.requests.length;
    await expect(
      engine.loadModel(
        { source: { kind: 'hub', repoId: 'test-org/unknown', remoteHost: hub.url }, device: 'wasm' },
        engine.host,
      ),
    ).rejects.toMatchObject({ kind: 'missing-files' });
    expect(hub.requests.slice(before).some((r) => r.path.endsWith('.onnx') && r.method === 'GET')).toBe(
      false,
    );
  });
});

describe('dtype and decoder variants', () => {
  it('chooses a dtype the folder offers when none is given, and fp16 runs too', async () => {
    const auto = await engine.loadModel(
      { source: { kind: 'path', path: TINY_MODEL_DIR }, device: 'wasm' },
      engine.host,
    );
    expect(auto.info.dtype).toBe('fp32');
    await auto.model.dispose();
    const half = await engine.loadModel(
      { source: { kind: 'path', path: TINY_MODEL_DIR }, device: 'wasm', dtype: 'fp16' },
      engine.host,
    );
    const records: CaseRecord[] = [];
    await engine.runCases(half, pairs, imageGroupsOf(sample, pairs), folderImageLoader(engine, IMAGES_DIR), {
      mode: 'cached',
      onRecord: (r) => void records.push(r),
    });
    expect(records).toHaveLength(sample.length);
    expect(records.every((r) => r.answer === null || r.answer === 'A' || r.answer === 'B')).toBe(true);
    await half.model.dispose();
  });

  it('scores identically whether the decoder returns all logits or only the rows asked for', async () => {
    const run = async (folder: string) => {
      const lm = await engine.loadModel(
        { source: { kind: 'path', path: folder }, device: 'wasm', dtype: 'fp32' },
        engine.host,
      );
      const records: CaseRecord[] = [];
      await engine.runCases(lm, pairs, imageGroupsOf(sample, pairs), folderImageLoader(engine, IMAGES_DIR), {
        mode: 'cached',
        onRecord: (r) => void records.push(r),
      });
      await lm.model.dispose();
      return records;
    };
    const kept = await run(TINY_MODEL_DIR);
    const all = await run(path.join(FIXTURES_DIR, 'models', 'tiny-smolvlm-full-logits'));
    const cmp = compareRecords(kept, all);
    expect(cmp.answerMismatches).toEqual([]);
    expect(cmp.maxProbDiff).toBeLessThan(1e-5);
  });
});
