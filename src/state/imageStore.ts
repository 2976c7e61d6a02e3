// The benchmark images the user supplies: importing a folder (official downloader layout
// `<local id>.jpg`, or ROCO file names such as `ROCO_28778.jpg`) or the app's own images/ folder
// into IndexedDB, which of the dataset's images are present and exactly which pairs lack one, and
// small thumbnails for the Run tab. Images are kept apart from results: clearing them never
// touches a run or a case.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ConfusionPair, Dataset } from '../core/types.ts';
import {
  clearImages,
  getImage,
  listImageIds,
  putImages,
  sharedDb,
  type BenchmarkDb,
  type NewImage,
} from '../db/database.ts';
import { datasetStore } from './datasetStore.ts';
import { readableError } from './engineClient.ts';
import type { PickedFile } from './modelStore.ts';

export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png'];

/** Where `npm run fetch-images` puts images, relative to the page (vite serves public/ at the root). */
export const SERVER_IMAGES_PATH = 'images/';

/** Every image id the pairs use, in pair order, once each. */
export function datasetImageIds(pairs: readonly ConfusionPair[]): string[] {
  const ids = new Set<string>();
  for (const p of pairs) {
    ids.add(p.im1Local);
    ids.add(p.im2Local);
  }
  return [...ids];
}

function baseName(path: string): string {
  return path.split(/[/\\]/).pop() ?? path;
}

function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  return dot <= 0
    ? { stem: name, ext: '' }
    : { stem: name.slice(0, dot), ext: name.slice(dot).toLowerCase() };
}

export interface ImageMapping<T> {
  /** Files matched to a dataset image id (the first file wins when two name the same image). */
  matched: { localId: string; file: T; fileName: string; layout: 'official' | 'roco' }[];
  /** Image files that match no image of the dataset. */
  unmatched: string[];
  /** Files skipped because they are not .jpg/.jpeg/.png. */
  notImages: string[];
  /** Files naming an image another file already supplied. */
  duplicates: string[];
}

/**
 * Matches files to the dataset's image ids by name: `<local id>.<ext>` (the official downloader)
 * first, then the ROCO file name of `im1Path`/`im2Path` (`ROCO_28778.jpg`, extension and case free).
 */
export function mapImageFiles<T extends { name: string }>(
  files: readonly T[],
  pairs: readonly ConfusionPair[],
): ImageMapping<T> {
  const localIds = new Set(datasetImageIds(pairs));
  const byRocoStem = new Map<string, string>();
  for (const p of pairs) {
    for (const [path, id] of [
      [p.im1Path, p.im1Local],
      [p.im2Path, p.im2Local],
    ] as const) {
      if (path) byRocoStem.set(splitExtension(baseName(path)).stem.toLowerCase(), id);
    }
  }
  const out: ImageMapping<T> = { matched: [], unmatched: [], notImages: [], duplicates: [] };
  const seen = new Set<string>();
  for (const file of files) {
    const name = baseName(file.name);
    const { stem, ext } = splitExtension(name);
    if (!IMAGE_EXTENSIONS.includes(ext)) {
      out.notImages.push(name);
      continue;
    }
    let localId: string | undefined;
    let layout: 'official' | 'roco' = 'official';
    if (localIds.has(stem)) localId = stem;
    else {
      localId = byRocoStem.get(stem.toLowerCase());
      layout = 'roco';
    }
    if (localId === undefined) out.unmatched.push(name);
    else if (seen.has(localId)) out.duplicates.push(name);
    else {
      seen.add(localId);
      out.matched.push({ localId, file, fileName: name, layout });
    }
  }
  return out;
}

export interface ImageCoverage {
  /** Distinct images the dataset uses. */
  required: number;
  present: number;
  /** Pairs lacking at least one image, in dataset order, with the missing ids. */
  missingPairs: { pairId: string; missing: string[] }[];
}

export function imageCoverage(pairs: readonly ConfusionPair[], present: ReadonlySet<string>): ImageCoverage {
  const ids = datasetImageIds(pairs);
  const missingPairs: ImageCoverage['missingPairs'] = [];
  for (const p of pairs) {
    const missing = [p.im1Local, p.im2Local].filter(
      (id, i, all) => !present.has(id) && all.indexOf(id) === i,
    );
    if (missing.length > 0) missingPairs.push({ pairId: p.id, missing });
  }
  return { required: ids.length, present: ids.filter((id) => present.has(id)).length, missingPairs };
}

// ---------------------------------------------------------------------------------------------
// State

export interface ImageImportReport {
  source: 'files' | 'server';
  stored: number;
  official: number;
  roco: number;
  unmatched: string[];
  notImages: string[];
  duplicates: string[];
}

export interface ImageState {
  /** Image ids stored in IndexedDB (whatever dataset they belong to). */
  presentIds: ReadonlySet<string>;
  status: 'idle' | 'reading' | 'importing' | 'ready' | 'error';
  progress: { stored: number; total: number } | null;
  report: ImageImportReport | null;
  error: string | null;
  /** Object URLs of recently shown images, by local id. */
  thumbs: Readonly<Record<string, string>>;

  refresh(): Promise<void>;
  importFiles(files: readonly PickedFile[]): Promise<void>;
  /** Loads the dataset's images from the app's images/ folder (filled by `npm run fetch-images`). */
  importFromServer(): Promise<void>;
  /** Removes every stored image; runs and their results stay. */
  clearAll(): Promise<void>;
  requestThumbs(localIds: readonly string[]): Promise<void>;
  dismiss(): void;
}

export interface ImageStoreDeps {
  db: () => Promise<BenchmarkDb>;
  dataset: () => Dataset | null;
  fetch: (url: string) => Promise<Response>;
  baseUrl: () => string;
  createObjectUrl: (blob: Blob) => string;
  revokeObjectUrl: (url: string) => void;
}

export type ImageStore = StoreApi<ImageState>;

const browserDeps: ImageStoreDeps = {
  db: sharedDb,
  dataset: () => datasetStore.getState().dataset,
  fetch: (url) => fetch(url),
  baseUrl: () => document.baseURI,
  createObjectUrl: (blob) => URL.createObjectURL(blob),
  revokeObjectUrl: (url) => URL.revokeObjectURL(url),
};

/** Thumbnails kept as object URLs at once; older ones are revoked. */
const MAX_THUMBS = 16;

export function createImageStore(overrides: Partial<ImageStoreDeps> = {}): ImageStore {
  const deps: ImageStoreDeps = { ...browserDeps, ...overrides };
  const thumbOrder: string[] = [];

  return createStore<ImageState>()((set, get) => {
    async function store(images: NewImage[], report: Omit<ImageImportReport, 'stored'>): Promise<void> {
      set({ status: 'importing', progress: { stored: 0, total: images.length }, error: null, report: null });
      let stored = 0;
      try {
        stored = await putImages(await deps.db(), images, (n, total) => {
          // Re-render every few images: hundreds of updates would only slow the import down.
          if (n === total || n % 8 === 0) set({ progress: { stored: n, total } });
        });
        set({ report: { ...report, stored } });
      } catch (e) {
        set({ error: readableError(e).message, report: { ...report, stored } });
      }
      await get().refresh();
      set({ progress: null });
    }

    return {
      presentIds: new Set(),
      status: 'idle',
      progress: null,
      report: null,
      error: null,
      thumbs: {},

      async refresh() {
        try {
          const ids = await listImageIds(await deps.db());
          set({ presentIds: new Set(ids), status: get().error ? 'error' : 'ready' });
        } catch (e) {
          set({ status: 'error', error: `Could not read stored images: ${readableError(e).message}` });
        }
      },

      async importFiles(files) {
        const dataset = deps.dataset();
        if (!dataset) {
          set({ status: 'error', error: 'Load a dataset first: images are matched to its pairs by name.' });
          return;
        }
        set({ status: 'reading', error: null });
        const mapping = mapImageFiles(
          files.map((f) => ({ name: f.path || f.file.name, file: f.file })),
          dataset.pairs,
        );
        const images: NewImage[] = mapping.matched.map((m) => ({
          localId: m.localId,
          blob: m.file.file,
          fileName: m.fileName,
        }));
        await store(images, {
          source: 'files',
          official: mapping.matched.filter((m) => m.layout === 'official').length,
          roco: mapping.matched.filter((m) => m.layout === 'roco').length,
          unmatched: mapping.unmatched,
          notImages: mapping.notImages,
          duplicates: mapping.duplicates,
        });
      },

      async importFromServer() {
        const dataset = deps.dataset();
        if (!dataset) return;
        set({ status: 'reading', error: null, report: null });
        const wanted = datasetImageIds(dataset.pairs).filter((id) => !get().presentIds.has(id));
        const images: NewImage[] = [];
        const unmatched: string[] = [];
        for (const id of wanted) {
          const name = `${id}.jpg`;
          try {
            const res = await deps.fetch(new URL(SERVER_IMAGES_PATH + name, deps.baseUrl()).href);
            // A dev server answers unknown paths with index.html (200): only an image counts.
            const type = res.headers.get('content-type') ?? '';
            if (res.ok && type.startsWith('image/'))
              images.push({ localId: id, blob: await res.blob(), fileName: name });
            else unmatched.push(name);
          } catch {
            unmatched.push(name);
          }
        }
        await store(images, {
          source: 'server',
          official: images.length,
          roco: 0,
          unmatched,
          notImages: [],
          duplicates: [],
        });
      },

      async clearAll() {
        try {
          await clearImages(await deps.db());
        } catch (e) {
          set({ error: `Could not clear images: ${readableError(e).message}` });
        }
        for (const url of Object.values(get().thumbs)) deps.revokeObjectUrl(url);
        thumbOrder.length = 0;
        set({ thumbs: {}, report: null });
        await get().refresh();
      },

      async requestThumbs(localIds) {
        for (const id of localIds) {
          if (get().thumbs[id] !== undefined || !get().presentIds.has(id)) continue;
          let record;
          try {
            record = await getImage(await deps.db(), id);
          } catch {
            continue;
          }
          if (!record || get().thumbs[id] !== undefined) continue;
          const thumbs = { ...get().thumbs, [id]: deps.createObjectUrl(record.blob) };
          thumbOrder.push(id);
          while (thumbOrder.length > MAX_THUMBS) {
            const old = thumbOrder.shift() as string;
            const url = thumbs[old];
            if (url) deps.revokeObjectUrl(url);
            delete thumbs[old];
          }
          set({ thumbs });
        }
      },

      dismiss() {
        set({ error: null, report: null, status: 'ready' });
      },
    };
  });
}

/** The app's image store. */
export const imageStore: ImageStore = createImageStore();

export function useImageStore<T>(selector: (state: ImageState) => T): T {
  return useStore(imageStore, selector);
}
