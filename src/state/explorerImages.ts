// The Explorer store's image slice (explorerStore.ts): object URLs of the stored images around the
// current pair, decoded ahead one at a time (the current pair first) and revoked when far away, and
// the images whose stored file could not be decoded. Kept apart for size; the store spreads its
// actions into its own.
import { getImage, type BenchmarkDb } from '../db/database.ts';
import type { ExplorerState } from './explorerState.ts';

export interface ImageUrlDeps {
  db: () => Promise<BenchmarkDb>;
  createObjectUrl: (blob: Blob) => string;
  revokeObjectUrl: (url: string) => void;
  /** Resolves once the image behind `url` is decoded and ready to paint. */
  decode: (url: string) => Promise<void>;
}

interface SliceContext {
  deps: ImageUrlDeps;
  get(): ExplorerState;
  set(partial: Partial<ExplorerState>): void;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function imageUrlsSlice({
  deps,
  get,
  set,
}: SliceContext): Pick<ExplorerState, 'prepareImages' | 'releaseImages'> {
  // Latest prepareImages request: a decode finishing after the pair moved on is revoked at once.
  let wantedImages = new Set<string>();
  let imageRequest = 0;
  const loadingImages = new Set<string>();

  function revoke(ids: Iterable<string>): void {
    const urls = { ...get().imageUrls };
    let changed = false;
    for (const id of ids) {
      const u = urls[id];
      if (u === undefined) continue;
      deps.revokeObjectUrl(u);
      delete urls[id];
      changed = true;
    }
    if (changed) set({ imageUrls: urls });
  }

  async function loadImage(localId: string): Promise<void> {
    if (get().imageUrls[localId] !== undefined || loadingImages.has(localId)) return;
    if (!get().imageIds.has(localId)) return;
    loadingImages.add(localId);
    let url: string | null = null;
    try {
      const record = await getImage(await deps.db(), localId);
      if (!record) return;
      url = deps.createObjectUrl(record.blob);
      try {
        await deps.decode(url);
      } catch {
        set({ brokenImages: new Set([...get().brokenImages, localId]) });
      }
      if (!wantedImages.has(localId)) {
        deps.revokeObjectUrl(url);
        return;
      }
      set({ imageUrls: { ...get().imageUrls, [localId]: url } });
    } catch (e) {
      if (url !== null) deps.revokeObjectUrl(url);
      set({ error: `Could not read image ${localId}: ${message(e)}` });
    } finally {
      loadingImages.delete(localId);
    }
  }

  return {
    async prepareImages(prefetch, keep) {
      const request = ++imageRequest;
      wantedImages = new Set([...prefetch, ...keep]);
      revoke(Object.keys(get().imageUrls).filter((id) => !wantedImages.has(id)));
      // One at a time, current pair first: the image on screen never waits behind a neighbour,
      // and a newer request (the pair moved on) stops this one.
      for (const id of prefetch) {
        if (request !== imageRequest) break;
        await loadImage(id);
      }
    },

    releaseImages() {
      imageRequest++;
      wantedImages = new Set();
      revoke(Object.keys(get().imageUrls));
    },
  };
}
