// What the loader decides before any weight download (Node, wasm, the tiny SmolVLM folder and
// copies of it): per-file dtype maps (given, declared by the repo in transformers.js_config, or
// impossible), .onnx_data external data files required like the graphs, and families whose
// methods cannot be scored as the protocol defines refused with the reason.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageGroupsOf } from '../../src/core/run/plan.ts';
import type { CaseRecord } from '../../src/core/types.ts';
import type { LoadOptions } from '../../workers/engine/protocol.ts';
import { createNodeEngine, folderImageLoader, type NodeEngine } from '../../scripts/lib/nodeEngine.ts';
import { IMAGES_DIR, officialDataset, TINY_MODEL_DIR } from '../support/fixtures.ts';
import { startHubServer, type HubServer } from '../support/hubServer.ts';

let engine: NodeEngine;
const temps: string[] = [];
const dataset = officialDataset();
const pairs = new Map(dataset.pairs.map((p) => [p.id, p]));

/** A copy of the tiny model folder with config.json edited. */
async function copyWithConfig(edit: (config: Record<string, unknown>) => void): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(tmpdir(), 'load-choices-')), 'model');
  temps.push(path.dirname(dir));
  await cp(TINY_MODEL_DIR, dir, { recursive: true });
  const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  edit(config);
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

const load = (dir: string, extra: Partial<LoadOptions> = {}) =>
  engine.loadModel({ source: { kind: 'path', path: dir }, device: 'wasm', ...extra }, engine.host);

beforeAll(async () => {
  engine = await createNodeEngine('wasm');
  // A cache of our own: transformers.js caches hub files by URL, across runs.
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'load-choices-cache-'));
  temps.push(cacheDir);
  engine.transformers.env.cacheDir = cacheDir;
});

afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

describe('per-file dtypes', () => {
  it('loads a mixed map, names it in one stable label, and runs', async () => {
    const lm = await load(TINY_MODEL_DIR, {
      dtype: { vision_encoder: 'fp16', decoder_model_merged: 'fp32' },
    });
    // embed_tokens was left out of the map: it takes fp32, and the label says so.
    expect(lm.info.dtype).toBe('decoder_model_merged=fp32,embed_tokens=fp32,vision_encoder=fp16');
    expect(lm.info.files).toContain('onnx/vision_encoder_fp16.onnx');
    expect(lm.info.files).toContain('onnx/decoder_model_merged.onnx');
    expect(lm.info.files).not.toContain('onnx/vision_encoder.onnx');
    const records: CaseRecord[] = [];
    const requests = [{ pairId: dataset.pairs[0]!.id, slot: 1 as const, method: 'GD' as const }];
    await engine.runCases(lm, pairs, imageGroupsOf(requests, pairs), folderImageLoader(engine, IMAGES_DIR), {
      mode: 'cached',
      onRecord: (r) => void records.push(r),
    });
    expect(records).toHaveLength(1);
    await lm.model.dispose();
  });

  it('collapses a map whose files share one dtype to that dtype', async () => {
    const lm = await load(TINY_MODEL_DIR, {
      dtype: { vision_encoder: 'fp16', decoder_model_merged: 'fp16', embed_tokens: 'fp16' },
    });
    expect(lm.info.dtype).toBe('fp16');
    await lm.model.dispose();
  });

  it('refuses an impossible map, naming the missing file, before any session', async () => {
    await expect(load(TINY_MODEL_DIR, { dtype: { decoder_model_merged: 'q4' } })).rejects.toMatchObject({
      kind: 'missing-files',
      message: expect.stringContaining('onnx/decoder_model_merged_q4.onnx'),
    });
  });

  it('refuses a map naming a file the model does not have', async () => {
    await expect(load(TINY_MODEL_DIR, { dtype: { vision: 'fp16' } })).rejects.toMatchObject({
      kind: 'missing-files',
      message: expect.stringMatching(/"vision".*vision_encoder/),
    });
  });

  it("uses the repo's declared per-file dtype when none is chosen, or when the page's is only a default", async () => {
    const declared = { vision_encoder: 'fp16', embed_tokens: 'fp32', decoder_model_merged: 'fp32' };
    const dir = await copyWithConfig((c) => {
      c['transformers.js_config'] = { dtype: declared };
    });
    const none = await load(dir);
    expect(none.info.dtype).toBe('decoder_model_merged=fp32,embed_tokens=fp32,vision_encoder=fp16');
    expect(none.info.dtypeDeclared).toBe(true);
    await none.model.dispose();
    const byDefault = await load(dir, { dtype: 'fp16', dtypeIsDefault: true });
    expect(byDefault.info.dtype).toBe(none.info.dtype);
    await byDefault.model.dispose();
    const chosen = await load(dir, { dtype: 'fp16' });
    expect(chosen.info.dtype).toBe('fp16');
    expect(chosen.info.dtypeDeclared).toBeUndefined();
    await chosen.model.dispose();
  });

  it('falls back to the files that are there when the declared dtype is incomplete', async () => {
    const dir = await copyWithConfig((c) => {
      c['transformers.js_config'] = { dtype: 'q4' };
    });
    const lm = await load(dir);
    expect(lm.info.dtype).toBe('fp32');
    expect(lm.info.dtypeDeclared).toBeUndefined();
    await lm.model.dispose();
  });
});

describe('external data', () => {
  it('requires the .onnx_data files a config declares, naming them', async () => {
    const dir = await copyWithConfig((c) => {
      c['transformers.js_config'] = {
        dtype: 'fp32',
        use_external_data_format: { 'decoder_model_merged.onnx': 1 },
      };
    });
    await expect(load(dir, { dtype: 'fp32' })).rejects.toMatchObject({
      kind: 'missing-files',
      message: expect.stringContaining('onnx/decoder_model_merged.onnx_data'),
    });
  });
});

describe('families the protocol cannot score', () => {
  let hub: HubServer;
  // The top-level layout of each family's real config.json (the sub-config transformers.js reads).
  const configs: Record<string, object> = {
    florence2: {
      architectures: ['Florence2ForConditionalGeneration'],
      model_type: 'florence2',
      text_config: { model_type: 'florence2_language', d_model: 768, encoder_layers: 6, decoder_layers: 6 },
      vision_config: { model_type: 'davit' },
    },
    paligemma: {
      architectures: ['PaliGemmaForConditionalGeneration'],
      model_type: 'paligemma',
      text_config: { model_type: 'gemma', hidden_size: 2048, num_hidden_layers: 18, num_key_value_heads: 1 },
      vision_config: { model_type: 'siglip_vision_model' },
    },
    phi3_v: { architectures: ['Phi3VForCausalLM'], model_type: 'phi3_v', num_key_value_heads: 32 },
    janus: {
      architectures: ['MultiModalityCausalLM'],
      model_type: 'multi_modality',
      language_config: { model_type: 'llama', hidden_size: 2048, num_hidden_layers: 24 },
      vision_config: { cls: 'CLIPVisionTower' },
    },
  };

  beforeAll(async () => {
    const repos: Record<string, string> = {};
    for (const [name, config] of Object.entries(configs)) {
      const dir = await copyWithConfig((c) => {
        for (const k of Object.keys(c)) delete c[k];
        Object.assign(c, config);
      });
      repos[`refused/${name}`] = dir;
    }
    hub = await startHubServer(repos);
  });

  afterAll(async () => {
    await hub?.close();
  });

  it.each([
    ['florence2', /Florence-2.*encoder-decoder/],
    ['paligemma', /PaliGemma.*prefix-LM/],
    ['phi3_v', /Phi-3-Vision.*does not load/],
    ['janus', /Janus.*does not load/],
  ])('refuses %s with the reason, reading nothing but config.json', async (name, reason) => {
    const before = hub.requests.length;
    await expect(
      engine.loadModel(
        {
          source: { kind: 'hub', repoId: `refused/${name}`, remoteHost: hub.url },
          device: 'wasm',
          dtype: 'fp32',
        },
        engine.host,
      ),
    ).rejects.toMatchObject({ kind: 'unsupported-architecture', message: expect.stringMatching(reason) });
    const paths = hub.requests.slice(before).map((r) => r.path.split('/resolve/main/')[1]);
    expect(paths.every((p) => p === 'config.json')).toBe(true);
  });
});
