// "Get the benchmark images" in the Run tab: the page downloads the dataset's images straight from
// the image source (the PMC Cloud Service, src/core/images/imageSource.ts, or the base URL set by
// `?images=<url>` or the Run tab's field) into IndexedDB, with the same downloader as
// `npm run fetch-images` (src/core/images/download.ts). Pausable; a small marker in localStorage
// makes a reload continue (or stay paused) where it stopped, and images already stored are never
// fetched again. Offline mode refuses it. Where the browser refuses the cross-origin read (the
// source sends no CORS headers), `status` becomes 'refused' and the Run tab shows the two routes
// that remain: the command line, or importing a folder.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Dataset } from '../core/types.ts';
import {
  describeItem,
  downloadImages,
  type DownloadItem,
  type DownloadProgress,
} from '../core/images/download.ts';
import {
  CLOUD_SERVICE_BASE_URL,
  imageRequests,
  normaliseBaseUrl,
  pairIdsByImage,
  type ImageDictEntry,
} from '../core/images/imageSource.ts';
import { putImages, sharedDb, type BenchmarkDb } from '../db/database.ts';
import { datasetStore } from './datasetStore.ts';
import { datasetImageIds, imageStore } from './imageStore.ts';
import { offlineStore } from './offlineStore.ts';

/** The image index, relative to the page (vite serves public/ at the root). */
export const IMAGE_DICT_PATH = 'data/mediconfusion/image_dict.json';

/** localStorage key of the download in progress: `{ state: 'running' | 'paused', source }`. */
export const IMAGE_DOWNLOAD_KEY = 'mediconfusion-image-download';

/** Images downloaded at once by the page. */
export const PAGE_CONCURRENCY = 4;

export type ImageDownloadStatus =
  'idle' | 'running' | 'paused' | 'done' | 'refused' | 'stopped' | 'offline' | 'error';

export interface ImageDownloadState {
  /** Base URL of the image source. */
  source: string;
  status: ImageDownloadStatus;
  /** This run's progress (images already stored before it are not in `total`). */
  progress: DownloadProgress | null;
  /** One line per image it could not get, naming its pairs. */
  failures: string[];
  /** What to tell the user (a refusal, a stop, the result). */
  message: string | null;

  setSource(url: string): void;
  start(): Promise<void>;
  pause(): void;
  /** After a reload: continues a download that was running, shows one that was paused. */
  resumePending(): Promise<void>;
}

export interface ImageDownloadDeps {
  fetch: (url: string, init: { signal?: AbortSignal }) => Promise<Response>;
  db: () => Promise<BenchmarkDb>;
  dataset: () => Dataset | null;
  /** Ids already stored (refreshed from IndexedDB before each run). */
  presentIds: () => Promise<ReadonlySet<string>>;
  /** Called after each stored image, so the Run tab's count follows. */
  stored: () => Promise<void>;
  offline: () => boolean;
  storage: () => Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  /** Full decode check (createImageBitmap in the browser); a string is a refusal. */
  decode: (bytes: Uint8Array, type: string) => Promise<string | null>;
  baseUrl: () => string;
  /** `?images=` of the page, if any. */
  search: () => string;
  baseDelayMs: number;
}

export type ImageDownloadStore = StoreApi<ImageDownloadState>;

function safeStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null;
  }
}

const browserDeps: ImageDownloadDeps = {
  fetch: (url, init) => fetch(url, { ...init, cache: 'no-store' }),
  db: sharedDb,
  dataset: () => datasetStore.getState().dataset,
  presentIds: async () => {
    await imageStore.getState().refresh();
    return imageStore.getState().presentIds;
  },
  stored: () => imageStore.getState().refresh(),
  offline: () => offlineStore.getState().offline,
  storage: safeStorage,
  decode: async (bytes, type) => {
    if (typeof createImageBitmap === 'undefined') return null;
    try {
      const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
      bitmap.close();
      return null;
    } catch {
      return 'the browser cannot decode it as an image';
    }
  },
  baseUrl: () => document.baseURI,
  search: () => (typeof location !== 'undefined' ? location.search : ''),
  baseDelayMs: 1000,
};

/** The base URL `?images=` names, or null when absent or not an http(s) URL. */
export function imagesOverride(search: string): string | null {
  const value = new URLSearchParams(search).get('images');
  if (!value) return null;
  try {
    return normaliseBaseUrl(value);
  } catch {
    return null;
  }
}

interface Marker {
  state: 'running' | 'paused';
  source: string;
}

export function createImageDownloadStore(overrides: Partial<ImageDownloadDeps> = {}): ImageDownloadStore {
  const deps: ImageDownloadDeps = { ...browserDeps, ...overrides };
  let controller: AbortController | null = null;
  let dict: Record<string, ImageDictEntry> | null = null;

  function readMarker(): Marker | null {
    try {
      const raw = deps.storage()?.getItem(IMAGE_DOWNLOAD_KEY);
      const m = raw ? (JSON.parse(raw) as Marker) : null;
      return m && (m.state === 'running' || m.state === 'paused') && typeof m.source === 'string' ? m : null;
    } catch {
      return null;
    }
  }

  function writeMarker(m: Marker | null) {
    const storage = deps.storage();
    if (!storage) return;
    if (m) storage.setItem(IMAGE_DOWNLOAD_KEY, JSON.stringify(m));
    else storage.removeItem(IMAGE_DOWNLOAD_KEY);
  }

  async function loadDict(): Promise<Record<string, ImageDictEntry>> {
    if (dict) return dict;
    const res = await deps.fetch(new URL(IMAGE_DICT_PATH, deps.baseUrl()).href, {});
    if (!res.ok) throw new Error(`${IMAGE_DICT_PATH}: HTTP ${res.status}`);
    dict = (await res.json()) as Record<string, ImageDictEntry>;
    return dict;
  }

  const marker = readMarker();
  const initialSource = imagesOverride(deps.search()) ?? marker?.source ?? CLOUD_SERVICE_BASE_URL;

  return createStore<ImageDownloadState>()((set, get) => ({
    source: initialSource,
    status: 'idle',
    progress: null,
    failures: [],
    message: null,

    setSource(url) {
      set({ source: url });
    },

    async start() {
      if (get().status === 'running') return;
      if (deps.offline()) {
        set({
          status: 'offline',
          message:
            'Offline mode is on, so the images cannot be downloaded: turn it off in the Storage tab first.',
        });
        return;
      }
      let source: string;
      try {
        source = normaliseBaseUrl(get().source);
      } catch (e) {
        set({ status: 'error', message: (e as Error).message });
        return;
      }
      const dataset = deps.dataset();
      if (!dataset) {
        set({ status: 'error', message: 'Load a dataset first: its pairs say which images are needed.' });
        return;
      }
      controller = new AbortController();
      const signal = controller.signal;
      writeMarker({ state: 'running', source });
      set({ status: 'running', source, message: null, failures: [], progress: null });
      try {
        const [index, present] = [await loadDict(), await deps.presentIds()];
        const wanted = new Set(datasetImageIds(dataset.pairs));
        const pairsOf = pairIdsByImage(dataset.pairs);
        const items: DownloadItem[] = imageRequests(index)
          .filter((r) => wanted.has(r.localId) && !present.has(r.localId))
          .map((r) => ({ ...r, pairIds: pairsOf.get(r.localId) ?? [] }));
        const db = await deps.db();
        const result = await downloadImages({
          items,
          baseUrl: source,
          concurrency: PAGE_CONCURRENCY,
          baseDelayMs: deps.baseDelayMs,
          signal,
          fetch: (url, init) => {
            // Offline mode turned on mid-download: stop before the request leaves.
            if (deps.offline()) {
              controller?.abort();
              return Promise.reject(new Error('offline mode is on'));
            }
            return deps.fetch(url, init);
          },
          verify: (bytes) => deps.decode(bytes, bytes[0] === 0x89 ? 'image/png' : 'image/jpeg'),
          save: async (item, bytes, check) => {
            const type = check.format === 'png' ? 'image/png' : 'image/jpeg';
            await putImages(db, [
              {
                localId: item.localId,
                blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type }),
                fileName: `${item.localId}.jpg`,
              },
            ]);
            await deps.stored();
          },
          onProgress: (p) => set({ progress: p }),
        });
        controller = null;
        const failures = result.failures.map((f) => `${describeItem(f.item)}: ${f.reason}`);
        if (result.stopped?.reason === 'aborted') {
          const offline = deps.offline();
          writeMarker({ state: 'paused', source });
          set({
            status: offline ? 'offline' : 'paused',
            failures,
            message: offline
              ? 'Offline mode was turned on: the download is paused.'
              : `Paused: ${result.saved} images stored in this session, ${result.notTried.length} to go.`,
          });
          return;
        }
        writeMarker(null);
        if (result.stopped?.reason === 'unreachable') {
          set({
            status: 'refused',
            failures: [],
            message: `This browser refused to read the images from ${new URL(source).origin} (the image source allows no cross-origin reads by this page, or cannot be reached).`,
          });
          return;
        }
        if (result.stopped) {
          set({ status: 'stopped', failures: [], message: result.stopped.message });
          return;
        }
        set({
          status: 'done',
          failures,
          message:
            items.length === 0
              ? 'Every image of the dataset is already stored.'
              : `Stored ${result.saved} images${failures.length ? `; ${failures.length} could not be got` : ''}.`,
        });
      } catch (e) {
        controller = null;
        writeMarker({ state: 'paused', source });
        set({ status: 'error', message: `The download failed: ${(e as Error).message}` });
      }
    },

    pause() {
      if (get().status !== 'running' || !controller) return;
      controller.abort();
    },

    async resumePending() {
      const m = readMarker();
      if (!m || get().status === 'running') return;
      if (m.state === 'paused' || deps.offline()) {
        set({
          status: deps.offline() ? 'offline' : 'paused',
          message: deps.offline()
            ? 'A download of the images was interrupted; turn offline mode off to continue it.'
            : 'A download of the images is paused: resume it to get the rest.',
        });
        return;
      }
      await get().start();
    },
  }));
}

/** The app's image download store. */
export const imageDownloadStore: ImageDownloadStore = createImageDownloadStore();

export function useImageDownloadStore<T>(selector: (state: ImageDownloadState) => T): T {
  return useStore(imageDownloadStore, selector);
}
