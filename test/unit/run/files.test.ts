// Mapping what the user picks to what the app needs: image files to dataset image ids (official
// downloader and ROCO layouts), image coverage per pair, model folders to the hub layout, and
// the page's test hooks and dtype defaults.
import { describe, expect, it } from 'vitest';
import { datasetImageIds, imageCoverage, mapImageFiles } from '../../../src/state/imageStore.ts';
import {
  defaultDtype,
  folderDtypes,
  modelFolderFromFiles,
  pageOverrides,
} from '../../../src/state/modelStore.ts';
import { makePair, officialDataset } from '../core/fixtures.ts';

const pairs = [
  makePair('p1', 'A', [], [], {
    im1Local: '20192',
    im2Local: '20053',
    im1Path: 'train/radiology/images/ROCO_28778.jpg',
    im2Path: 'train/radiology/images/ROCO_62117.jpg',
  }),
  makePair('p2', 'B', [], [], {
    im1Local: '20014',
    im2Local: '20192',
    im1Path: 'train/radiology/images/ROCO_38225.jpg',
    im2Path: 'train/radiology/images/ROCO_28778.jpg',
  }),
];

const named = (...names: string[]) => names.map((name) => ({ name }));

describe('mapImageFiles', () => {
  it('maps the official downloader layout <local id>.jpg (also .png/.jpeg, any folder)', () => {
    const m = mapImageFiles(named('images/20192.jpg', 'images/20053.PNG', 'x/20014.jpeg'), pairs);
    expect(m.matched.map((x) => [x.localId, x.layout])).toEqual([
      ['20192', 'official'],
      ['20053', 'official'],
      ['20014', 'official'],
    ]);
    expect(m.unmatched).toEqual([]);
  });

  it('maps the ROCO layout through im1Path/im2Path file names', () => {
    const m = mapImageFiles(named('ROCO_28778.jpg', 'roco/ROCO_62117.jpg', 'ROCO_38225.png'), pairs);
    expect(m.matched.map((x) => [x.localId, x.fileName, x.layout])).toEqual([
      ['20192', 'ROCO_28778.jpg', 'roco'],
      ['20053', 'ROCO_62117.jpg', 'roco'],
      ['20014', 'ROCO_38225.png', 'roco'],
    ]);
  });

  it('reports files it cannot use instead of guessing', () => {
    const m = mapImageFiles(
      named('20192.jpg', 'ROCO_28778.jpg', 'ROCO_99999.jpg', '12345.jpg', 'notes.txt', '.DS_Store'),
      pairs,
    );
    expect(m.matched.map((x) => x.localId)).toEqual(['20192']);
    expect(m.duplicates).toEqual(['ROCO_28778.jpg']);
    expect(m.unmatched).toEqual(['ROCO_99999.jpg', '12345.jpg']);
    expect(m.notImages).toEqual(['notes.txt', '.DS_Store']);
  });

  it('maps every image of the official dataset in both layouts', () => {
    const ids = datasetImageIds(officialDataset.pairs);
    expect(ids).toHaveLength(228);
    const official = mapImageFiles(named(...ids.map((id) => `${id}.jpg`)), officialDataset.pairs);
    expect(official.matched).toHaveLength(228);
    const rocoNames = officialDataset.pairs
      .flatMap((p) => [p.im1Path, p.im2Path])
      .map((p) => p.split('/').pop()!);
    const roco = mapImageFiles(named(...new Set(rocoNames)), officialDataset.pairs);
    expect(roco.matched).toHaveLength(228);
    expect(new Set(roco.matched.map((m) => m.localId))).toEqual(new Set(ids));
  });
});

describe('imageCoverage', () => {
  it('counts distinct images and lists exactly which pairs lack which image', () => {
    const c = imageCoverage(pairs, new Set(['20192', '20014']));
    expect(c.required).toBe(3);
    expect(c.present).toBe(2);
    expect(c.missingPairs).toEqual([{ pairId: 'p1', missing: ['20053'] }]);
    expect(imageCoverage(pairs, new Set(['20192', '20053', '20014'])).missingPairs).toEqual([]);
  });
});

function file(name: string, size = 3): File {
  return new File([new Uint8Array(size)], name.split('/').pop()!);
}

describe('modelFolderFromFiles', () => {
  it('strips the picked folder name (webkitRelativePath) to the hub layout', () => {
    const folder = modelFolderFromFiles(
      [
        'tiny-smolvlm/config.json',
        'tiny-smolvlm/tokenizer.json',
        'tiny-smolvlm/onnx/decoder_model_merged.onnx',
        'tiny-smolvlm/onnx/decoder_model_merged_fp16.onnx',
        'tiny-smolvlm/onnx/vision_encoder.onnx',
        'tiny-smolvlm/onnx/vision_encoder_fp16.onnx',
        'tiny-smolvlm/.DS_Store',
      ].map((path) => ({ file: file(path), path })),
    );
    expect(folder.name).toBe('tiny-smolvlm');
    expect([...folder.files.keys()].sort()).toEqual([
      'config.json',
      'onnx/decoder_model_merged.onnx',
      'onnx/decoder_model_merged_fp16.onnx',
      'onnx/vision_encoder.onnx',
      'onnx/vision_encoder_fp16.onnx',
      'tokenizer.json',
    ]);
    expect(folder.dtypes).toEqual(['fp32', 'fp16']);
    expect(folder.totalBytes).toBe(18);
  });

  it('puts loose .onnx files of a flat drop under onnx/', () => {
    const folder = modelFolderFromFiles(
      ['config.json', 'embed_tokens_quantized.onnx'].map((path) => ({ file: file(path), path })),
    );
    expect(folder.name).toBe('picked files');
    expect([...folder.files.keys()].sort()).toEqual(['config.json', 'onnx/embed_tokens_quantized.onnx']);
    expect(folder.dtypes).toEqual(['q8']);
  });

  it('fingerprints paths and sizes, so a changed folder is a different model', () => {
    const a = modelFolderFromFiles([{ file: file('m/config.json', 3), path: 'm/config.json' }]);
    const b = modelFolderFromFiles([{ file: file('m/config.json', 3), path: 'm/config.json' }]);
    const c = modelFolderFromFiles([{ file: file('m/config.json', 4), path: 'm/config.json' }]);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
  });
});

describe('folderDtypes', () => {
  it('offers a dtype only when every model part has it', () => {
    expect(
      folderDtypes([
        'onnx/vision_encoder_q4f16.onnx',
        'onnx/decoder_model_merged_q4f16.onnx',
        'onnx/decoder_model_merged_q4.onnx',
        'onnx/vision_encoder_fp16.onnx',
      ]),
    ).toEqual(['q4f16']);
    expect(folderDtypes(['config.json'])).toEqual([]);
  });
});

describe('pageOverrides and defaults', () => {
  it('reads ?hub=, ?dtype= and ?device=, ignoring invalid values', () => {
    expect(pageOverrides('?hub=http://127.0.0.1:9000/&dtype=fp32&device=wasm')).toEqual({
      hubHost: 'http://127.0.0.1:9000/',
      dtype: 'fp32',
      device: 'wasm',
    });
    expect(pageOverrides('?hub=not a url&dtype=fp64&device=tpu')).toEqual({
      hubHost: null,
      dtype: null,
      device: null,
    });
  });

  it('derives the dtype from the device', () => {
    expect(defaultDtype('webgpu', true)).toBe('fp16');
    expect(defaultDtype('webgpu', false)).toBe('fp32');
    expect(defaultDtype('wasm', true)).toBe('q8');
  });
});
