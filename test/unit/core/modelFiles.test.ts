// Mapping a picked model folder to what the app needs: the hub layout, the dtypes every model part
// offers, the page's test hooks and the dtype defaults (src/core/modelFiles.ts).
import { describe, expect, it } from 'vitest';
import {
  defaultDtype,
  folderDtypes,
  modelFolderFromFiles,
  pageOverrides,
} from '../../../src/core/modelFiles.ts';

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
