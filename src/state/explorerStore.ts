// The Explorer tab's state: what its URL says (pair, runs, method, filters, view, presentation),
// kept in step with the address bar so links open the same view and Back works; the runs and their
// cases indexed by pair, with the model's own embedding of each image where the run kept them
// (read from IndexedDB once per run and visit); which images are stored; and
// the object URLs of the images around the current pair, decoded ahead and revoked when far away
// (that slice in explorerImages.ts).
// With its image slice, the only Explorer code that touches the database, the history or the
// fullscreen API.
import { runName } from '../core/run/runName.ts';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { letterRuleOf } from '../core/results/runCard.ts';
import type { ImageEmbedding } from '../core/run/records.ts';
import type { Dataset, Method } from '../core/types.ts';
import {
  getCasesForRun,
  getRun,
  imageEmbeddingsOfRun,
  listImageIds,
  listRuns,
  sharedDb,
  type BenchmarkDb,
} from '../db/database.ts';
import { datasetStore } from './datasetStore.ts';
import { imageUrlsSlice } from './explorerImages.ts';
import {
  browserFullscreen,
  browserLocation,
  type FullscreenPort,
  type LocationPort,
} from './explorerPorts.ts';

export type { FullscreenPort, LocationPort } from './explorerPorts.ts';
import {
  availableMethods,
  filterExplorerPairs,
  indexRunCases,
  resolveCurrentPair,
  resolveMethod,
  type RunCaseIndex,
} from '../core/results/explorerModel.ts';
import {
  DEFAULT_URL_STATE,
  explorerHash,
  parseExplorerHash,
  type ExplorerUrlState,
  type SortKey,
} from '../core/results/explorerUrl.ts';

import type { ExplorerRun, ExplorerState } from './explorerState.ts';

export type { ExplorerRun, ExplorerState, LoadStatus, RunCases } from './explorerState.ts';

export interface ExplorerStoreDeps {
  db: () => Promise<BenchmarkDb>;
  dataset: () => Dataset | null;
  location: LocationPort;
  fullscreen: FullscreenPort | null;
  createObjectUrl: (blob: Blob) => string;
  revokeObjectUrl: (url: string) => void;
  /** Resolves once the image behind `url` is decoded and ready to paint. */
  decode: (url: string) => Promise<void>;
}

export type ExplorerStore = StoreApi<ExplorerState>;

const browserDeps: ExplorerStoreDeps = {
  db: sharedDb,
  dataset: () => datasetStore.getState().dataset,
  location: browserLocation,
  fullscreen: typeof document !== 'undefined' ? browserFullscreen : null,
  createObjectUrl: (blob) => URL.createObjectURL(blob),
  revokeObjectUrl: (url) => URL.revokeObjectURL(url),
  decode: (url) => {
    const img = new Image();
    img.src = url;
    return img.decode();
  },
};

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const EMPTY_INDEX: RunCaseIndex = new Map();
const NO_EMBEDDINGS: ReadonlyMap<string, ImageEmbedding> = new Map();

/** Sort direction a column starts with: the interesting end first. */
const FIRST_DESCENDING: Readonly<Record<SortKey, boolean>> = {
  sensitivity: false,
  compare: false,
  pair: false,
  biomedclip: true,
  dino: false,
};

export function createExplorerStore(overrides: Partial<ExplorerStoreDeps> = {}): ExplorerStore {
  const deps: ExplorerStoreDeps = { ...browserDeps, ...overrides };
  // Typing in the search box replaces its own history entry instead of adding one per key.
  let lastWrite: 'query' | 'other' | null = null;
  // The newest run is chosen once per session when a link names none; after that "no run" sticks.
  let runChosen = false;
  // Presentation asked for full screen: leaving full screen (Escape) then leaves presentation too.
  let presentedFullscreen = false;
  let refreshTicket = 0;

  return createStore<ExplorerState>()((set, get) => {
    const images = imageUrlsSlice({ deps, get, set });
    function writeLocation(url: ExplorerUrlState, mode: 'push' | 'replace'): void {
      const hash = explorerHash(url);
      const current = deps.location.hash();
      // Only while the Explorer owns the address bar (another tab's hash is not ours to change).
      if (parseExplorerHash(current) === null || current === hash) return;
      if (mode === 'push') deps.location.push(hash);
      else deps.location.replace(hash);
    }

    function indexOf(runId: string | null): RunCaseIndex | null {
      if (runId === null) return null;
      return get().runCases[runId]?.index ?? null;
    }

    function methodOf(url: ExplorerUrlState): Method | null {
      const run = get().runs.find((r) => r.id === url.run);
      return resolveMethod(url.method, availableMethods(run?.methods ?? [], indexOf(url.run)));
    }

    /** Keeps the current pair when it still passes the filters, else moves to the first that does. */
    function keepPairInList(url: ExplorerUrlState): ExplorerUrlState {
      const dataset = deps.dataset();
      if (!dataset) return url;
      const list = filterExplorerPairs(
        dataset.pairs,
        url,
        indexOf(url.run),
        methodOf(url),
        indexOf(url.compare),
      );
      const current = resolveCurrentPair(dataset.pairs, list, url.pair);
      if (current && list.some((p) => p.id === current.id)) return url;
      return { ...url, pair: list[0]?.id ?? url.pair };
    }

    function navigate(
      patch: Partial<ExplorerUrlState>,
      options: { mode?: 'push' | 'replace'; fitPair?: boolean; kind?: 'query' | 'other' } = {},
    ): void {
      let url: ExplorerUrlState = { ...get().url, ...patch };
      if (options.fitPair) url = keepPairInList(url);
      const kind = options.kind ?? 'other';
      const mode = options.mode ?? (kind === 'query' && lastWrite === 'query' ? 'replace' : 'push');
      lastWrite = kind;
      set({ url });
      writeLocation(url, mode);
      void ensureCases(url.run);
      void ensureCases(url.compare);
      void ensureCases(blindIdOf(url.run));
    }

    /** The blank-image sibling of a run (blind baseline), when one is stored. */
    function blindIdOf(runId: string | null): string | null {
      if (runId === null) return null;
      return get().runs.find((r) => r.blindOf === runId)?.id ?? null;
    }

    async function ensureCases(runId: string | null, force = false): Promise<void> {
      if (runId === null) return;
      const known = get().runCases[runId];
      if (known && !force && known.status !== 'error') return;
      set({
        runCases: {
          ...get().runCases,
          [runId]: {
            status: 'loading',
            index: known?.index ?? EMPTY_INDEX,
            embeddings: known?.embeddings ?? NO_EMBEDDINGS,
            error: null,
          },
        },
      });
      try {
        const db = await deps.db();
        const [run, cases, embeddings] = await Promise.all([
          getRun(db, runId),
          getCasesForRun(db, runId),
          imageEmbeddingsOfRun(db, runId),
        ]);
        const index = indexRunCases(run ?? null, cases);
        set({
          runCases: { ...get().runCases, [runId]: { status: 'ready', index, embeddings, error: null } },
        });
      } catch (e) {
        set({
          runCases: {
            ...get().runCases,
            [runId]: {
              status: 'error',
              index: EMPTY_INDEX,
              embeddings: NO_EMBEDDINGS,
              error: `Could not read the run: ${message(e)}`,
            },
          },
        });
      }
    }

    return {
      url: DEFAULT_URL_STATE,
      runs: [],
      runsStatus: 'idle',
      runCases: {},
      imageIds: new Set(),
      imagesStatus: 'idle',
      imageUrls: {},
      brokenImages: new Set(),
      fullscreen: false,
      error: null,

      connect() {
        const hash = deps.location.hash();
        const parsed = parseExplorerHash(hash);
        if (parsed !== null && hash.includes('?')) get().applyHash(hash);
        else if (parsed !== null) {
          // A bare '#explorer' (the tab was clicked): show what was shown last, and say so in the URL.
          writeLocation(get().url, 'replace');
          void ensureCases(get().url.run);
          void ensureCases(get().url.compare);
          void ensureCases(blindIdOf(get().url.run));
        }
        const stopLocation = deps.location.listen(() => get().applyHash(deps.location.hash()));
        const fullscreen = deps.fullscreen;
        const stopFullscreen = fullscreen
          ? fullscreen.listen(() => {
              const active = fullscreen.active();
              set({ fullscreen: active });
              if (!active && presentedFullscreen) {
                presentedFullscreen = false;
                if (get().url.present) navigate({ present: false });
              }
            })
          : () => undefined;
        return () => {
          stopLocation();
          stopFullscreen();
          // The view is gone (another tab): presentation ends with it rather than resurfacing later.
          if (get().url.present) set({ url: { ...get().url, present: false } });
          if (presentedFullscreen && fullscreen?.active()) void fullscreen.exit().catch(() => undefined);
          presentedFullscreen = false;
        };
      },

      async refresh() {
        const ticket = ++refreshTicket;
        set({ runsStatus: 'loading', imagesStatus: 'loading' });
        let db: BenchmarkDb;
        try {
          db = await deps.db();
        } catch (e) {
          set({
            runsStatus: 'error',
            imagesStatus: 'error',
            error: `Browser storage is not available: ${message(e)}`,
          });
          return;
        }
        try {
          const records = await listRuns(db);
          if (ticket !== refreshTicket) return;
          const runs: ExplorerRun[] = records.map((r) => ({
            id: r.id,
            label: runName(r),
            modelId: r.model.modelId,
            methods: r.methods,
            status: r.status,
            createdAt: r.createdAt,
            datasetHash: r.datasetHash,
            imported: r.imported,
            blindOf: typeof r.runCard['blindOf'] === 'string' ? r.runCard['blindOf'] : null,
            letterRule: letterRuleOf(r),
          }));
          set({ runs, runsStatus: 'ready' });
          const { url } = get();
          if (!runChosen && url.run === null) {
            const dataset = deps.dataset();
            const newest = runs.find(
              (r) => r.blindOf === null && (dataset === null || r.datasetHash === dataset.hash),
            );
            if (newest) navigate({ run: newest.id }, { mode: 'replace' });
          }
          runChosen = true;
        } catch (e) {
          set({ runsStatus: 'error', error: `Could not list the runs: ${message(e)}` });
        }
        // Cases may have grown since the last visit (a run finished meanwhile).
        const { run, compare } = get().url;
        await Promise.all([
          ensureCases(run, true),
          ensureCases(compare, true),
          ensureCases(blindIdOf(run), true),
        ]);
        try {
          const ids = await listImageIds(db);
          if (ticket !== refreshTicket) return;
          set({ imageIds: new Set(ids), imagesStatus: 'ready' });
        } catch (e) {
          set({ imagesStatus: 'error', error: `Could not list the stored images: ${message(e)}` });
        }
      },

      applyHash(hash) {
        let parsed = parseExplorerHash(hash);
        if (parsed === null) return;
        // A link that names no run means "the run being shown" (a fresh tab picks the newest).
        const shown = get().url.run;
        if (parsed.run === null && shown !== null) parsed = { ...parsed, run: shown };
        lastWrite = null;
        if (parsed.run !== null) runChosen = true;
        set({ url: parsed });
        if (!parsed.present && deps.fullscreen?.active() && presentedFullscreen) {
          presentedFullscreen = false;
          void deps.fullscreen.exit().catch(() => undefined);
        }
        void ensureCases(parsed.run);
        void ensureCases(parsed.compare);
        void ensureCases(blindIdOf(parsed.run));
      },

      openPair(pairId) {
        navigate({ pair: pairId, view: 'pair' });
      },

      setRun(runId) {
        runChosen = true;
        const { compare } = get().url;
        navigate({ run: runId, compare: compare === runId ? null : compare }, { fitPair: true });
      },

      setCompare(runId) {
        navigate({ compare: runId === get().url.run ? null : runId });
      },

      setMethod(method) {
        navigate({ method }, { fitPair: true });
      },

      setFilter(patch) {
        const onlyQuery = Object.keys(patch).every((k) => k === 'query');
        navigate(patch, { fitPair: true, kind: onlyQuery ? 'query' : 'other' });
      },

      clearFilters() {
        navigate({ category: '', outcome: '', query: '', flipped: false });
      },

      setView(view) {
        navigate({ view });
      },

      setSort(key) {
        const { sort } = get().url;
        navigate({
          sort:
            sort.key === key
              ? { key, descending: !sort.descending }
              : { key, descending: FIRST_DESCENDING[key] },
        });
      },

      setPresent(on) {
        navigate({ present: on });
        const fullscreen = deps.fullscreen;
        if (!fullscreen) return;
        if (on) get().requestFullscreen();
        else if (fullscreen.active()) {
          presentedFullscreen = false;
          void fullscreen.exit().catch(() => undefined);
        }
      },

      requestFullscreen() {
        const fullscreen = deps.fullscreen;
        if (!fullscreen || fullscreen.active()) return;
        // Refused outside a user gesture or in an iframe without permission: the page still presents.
        fullscreen.request().then(
          () => {
            presentedFullscreen = fullscreen.active();
            set({ fullscreen: presentedFullscreen });
          },
          () => undefined,
        );
      },

      ...images,

      dismissError() {
        set({ error: null });
      },
    };
  });
}

/** The app's explorer store. */
export const explorerStore: ExplorerStore = createExplorerStore();

export function useExplorerStore<T>(selector: (state: ExplorerState) => T): T {
  return useStore(explorerStore, selector);
}
