// What the model cache in Cache Storage holds (files transformers.js downloaded): entry count and
// bytes, for the Run tab's cache line. Read by the model store.
import { MODEL_CACHE_NAME } from '../sw/policy.ts';

export interface CacheInfo {
  entries: number;
  bytes: number;
}

export async function readModelCache(storage: CacheStorage): Promise<CacheInfo> {
  if (!(await storage.has(MODEL_CACHE_NAME))) return { entries: 0, bytes: 0 };
  const cache = await storage.open(MODEL_CACHE_NAME);
  const requests = await cache.keys();
  let bytes = 0;
  for (const request of requests) {
    const response = await cache.match(request);
    if (!response) continue;
    const length = Number(response.headers.get('content-length'));
    bytes += Number.isFinite(length) && length > 0 ? length : (await response.blob()).size;
  }
  return { entries: requests.length, bytes };
}
