// A model's files as the user offers them: the ONNX file names of each dtype (transformers.js's
// hub naming), which dtypes a device can run, a picked or dropped folder mapped to the hub layout
// with the dtypes it offers and its fingerprint, and the page URL's overrides. Pure functions.
import { stableHash } from './hash.ts';
import { ALL_DTYPES, DTYPE_PREFERENCE, type Device, type Dtype } from './run/vocabulary.ts';

/** Devices a browser offers (cpu is onnxruntime-node's, for the command line). */
export const BROWSER_DEVICES: readonly Device[] = ['webgpu', 'wasm'];

/** ONNX file-name suffix per dtype in the hub layout (transformers.js naming). */
const DTYPE_SUFFIX: Record<Dtype, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

/** The dtype a device gets unless the user (or ?dtype=) says otherwise. */
export function defaultDtype(device: Device, shaderF16: boolean): Dtype {
  if (device === 'webgpu') return shaderF16 ? 'fp16' : 'fp32';
  return 'q8';
}

/** Whether the device can run a dtype at all (f16 weights on WebGPU need shader-f16). */
export function dtypeUsable(dtype: Dtype, device: Device, shaderF16: boolean): boolean {
  return !(device === 'webgpu' && !shaderF16 && dtype.includes('16'));
}

/** The dtype to use: `preferred`, or the picked folder's best offer when it lacks it. */
export function dtypeForFolder(
  device: Device,
  shaderF16: boolean,
  preferred: Dtype,
  folder: Pick<PickedFolder, 'dtypes'> | null,
): Dtype {
  if (!folder || folder.dtypes.length === 0 || folder.dtypes.includes(preferred)) return preferred;
  const prefs = DTYPE_PREFERENCE[device].filter((d) => dtypeUsable(d, device, shaderF16));
  return prefs.find((d) => folder.dtypes.includes(d)) ?? folder.dtypes[0] ?? preferred;
}

export interface PageOverrides {
  hubHost: string | null;
  dtype: Dtype | null;
  device: Device | null;
}

/** Reads ?hub=, ?dtype= and ?device= (see the top comment). Invalid values are ignored. */
export function pageOverrides(search: string): PageOverrides {
  const params = new URLSearchParams(search);
  const hub = params.get('hub');
  const dtype = params.get('dtype');
  const device = params.get('device');
  let hubHost: string | null = null;
  if (hub) {
    try {
      hubHost = new URL(hub).href;
    } catch {
      hubHost = null;
    }
  }
  return {
    hubHost,
    dtype: dtype && (ALL_DTYPES as readonly string[]).includes(dtype) ? (dtype as Dtype) : null,
    device: device && (BROWSER_DEVICES as readonly string[]).includes(device) ? (device as Device) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Picked folders

/** One picked or dropped file with its path as the browser gives it (webkitRelativePath or entry path). */
export interface PickedFile {
  file: File;
  path: string;
}

export interface PickedFolder {
  name: string;
  /** Path inside the model folder (top folder name stripped) → file. */
  files: Map<string, File>;
  totalBytes: number;
  /** dtypes for which every ONNX file found has its variant (the engine has the last word). */
  dtypes: Dtype[];
  /** Stable fingerprint of paths and sizes: part of a local model's identity in run ids. */
  fingerprint: string;
}

/**
 * Maps picked files to the hub layout: strips the common top folder (`my-model/onnx/x.onnx` →
 * `onnx/x.onnx`). Loose files without folders (a multi-file drop) keep their names, except
 * `.onnx` files, which the hub layout keeps in `onnx/`.
 */
export function modelFolderFromFiles(picked: readonly PickedFile[]): PickedFolder {
  const split = picked.map((p) => ({ file: p.file, parts: p.path.split(/[/\\]+/).filter(Boolean) }));
  const tops = new Set(split.map((s) => (s.parts.length > 1 ? s.parts[0] : null)));
  const commonTop = tops.size === 1 ? [...tops][0] : null;
  const files = new Map<string, File>();
  for (const { file, parts } of split) {
    let rel = commonTop ? parts.slice(1) : parts.length > 0 ? parts : [file.name];
    if (rel.length === 1 && rel[0]?.endsWith('.onnx')) rel = ['onnx', rel[0]];
    const path = rel.join('/');
    // Hidden files (.DS_Store, .git*) are never model files.
    if (rel.some((part) => part.startsWith('.'))) continue;
    files.set(path, file);
  }
  const entries = [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    name: commonTop ?? 'picked files',
    files,
    totalBytes: entries.reduce((sum, [, f]) => sum + f.size, 0),
    dtypes: folderDtypes([...files.keys()]),
    fingerprint: stableHash(entries.map(([path, f]) => [path, f.size])),
  };
}

/** dtypes offered by the ONNX files under onnx/: every model part must exist in that variant. */
export function folderDtypes(paths: readonly string[]): Dtype[] {
  const onnx = paths
    .filter((p) => p.startsWith('onnx/') && p.endsWith('.onnx'))
    .map((p) => p.slice('onnx/'.length, -'.onnx'.length));
  if (onnx.length === 0) return [];
  const names = new Set(onnx);
  // Longest suffix first, so "x_q4f16" is read as q4f16 and not as a part named "x_q4f16" in fp32.
  const suffixes = (Object.entries(DTYPE_SUFFIX) as [Dtype, string][]).sort(
    (a, b) => b[1].length - a[1].length,
  );
  const bases = new Set<string>();
  for (const name of onnx) {
    const match = suffixes.find(([, s]) => s !== '' && name.endsWith(s));
    bases.add(match ? name.slice(0, -match[1].length) : name);
  }
  return ALL_DTYPES.filter((dtype) => [...bases].every((base) => names.has(base + DTYPE_SUFFIX[dtype])));
}
