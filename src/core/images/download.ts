// Downloading the benchmark images from the image source (imageSource.ts), the same way for the
// command line and the page: bounded concurrency, retries with doubling delays for network errors,
// 429 and 5xx, every body checked to be an image before it is saved, progress with bytes and ETA,
// and an early stop with one clear sentence when the source is gone or has changed its layout
// (instead of hundreds of identical failures). Pure: fetch, saving, checking and sleeping are
// injected.
import {
  candidateUrls,
  checkImageBytes,
  CLOUD_SERVICE_README,
  figureUrlFromMetadata,
  type ImageCheck,
  type ImageRequest,
} from './imageSource.ts';

export interface DownloadItem extends ImageRequest {
  /** Pairs that use this image, for the report. */
  pairIds: readonly string[];
}

export type FailureKind = 'not-found' | 'not-an-image' | 'http' | 'network';

export interface DownloadFailure {
  item: DownloadItem;
  kind: FailureKind;
  /** The last URL tried. */
  url: string;
  reason: string;
}

export interface DownloadProgress {
  /** Images handled in this run (saved or failed). */
  done: number;
  /** Images this run set out to get. */
  total: number;
  saved: number;
  failed: number;
  /** Bytes of the images saved so far. */
  bytes: number;
  elapsedMs: number;
  /** Estimated time left, null until one image is done. */
  etaMs: number | null;
}

export type StopReason = 'layout-changed' | 'unreachable' | 'aborted';

export interface DownloadResult {
  saved: number;
  bytes: number;
  failures: DownloadFailure[];
  /** Why the run ended before every image was tried, with the sentence to show; null otherwise. */
  stopped: { reason: StopReason; message: string } | null;
  /** Images never tried because the run stopped. */
  notTried: DownloadItem[];
}

export interface DownloadOptions {
  items: readonly DownloadItem[];
  baseUrl: string;
  fetch: (url: string, init: { signal?: AbortSignal }) => Promise<Response>;
  save: (item: DownloadItem, bytes: Uint8Array, check: Extract<ImageCheck, { ok: true }>) => Promise<void>;
  /** Extra check after the header check (the page decodes the image); a string is a refusal. */
  verify?: (bytes: Uint8Array) => Promise<string | null>;
  concurrency?: number;
  /** Tries per URL (network errors, 429, 5xx). */
  attempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
  /** Images that found nothing at all (every URL 404) before the run concludes the layout changed. */
  layoutProbe?: number;
  onProgress?: (p: DownloadProgress) => void;
  onRetry?: (url: string, attempt: number, reason: string) => void;
  onItem?: (item: DownloadItem, outcome: { saved: true; bytes: number } | DownloadFailure) => void;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_LAYOUT_PROBE = 8;

class Aborted extends Error {}

type Got =
  | { status: 'ok'; bytes: Uint8Array }
  | { status: 'absent'; code: number }
  | { status: 'http'; code: number }
  | { status: 'network'; reason: string };

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}

/** Formats milliseconds as m:ss or h:mm:ss. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** "20192.jpg (PMC3284869 1752-1947-6-45-2.jpg; pairs 12, 40)" */
export function describeItem(item: DownloadItem): string {
  const pairs =
    item.pairIds.length === 0
      ? 'no pair'
      : `pair${item.pairIds.length > 1 ? 's' : ''} ${item.pairIds.join(', ')}`;
  return `${item.localId}.jpg (${item.pmcid} ${item.fileName}; ${pairs})`;
}

export async function downloadImages(opts: DownloadOptions): Promise<DownloadResult> {
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const attempts = Math.max(1, opts.attempts ?? DEFAULT_ATTEMPTS);
  const baseDelay = opts.baseDelayMs ?? 1000;
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? (() => Date.now());
  const probe = opts.layoutProbe ?? DEFAULT_LAYOUT_PROBE;
  const started = now();
  const queue = [...opts.items];
  const total = queue.length;
  const failures: DownloadFailure[] = [];
  let saved = 0;
  let bytes = 0;
  let absentEverywhere = 0;
  let unreachable = 0;
  let firstAbsentUrl = '';
  let lastNetworkReason = '';
  let stopped: DownloadResult['stopped'] = null;

  const checkAbort = () => {
    if (opts.signal?.aborted) throw new Aborted();
  };

  async function get(url: string): Promise<Got> {
    let last: Got = { status: 'network', reason: 'no attempt made' };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      checkAbort();
      let retry: string;
      try {
        const res = await opts.fetch(url, opts.signal ? { signal: opts.signal } : {});
        if (res.ok) return { status: 'ok', bytes: new Uint8Array(await res.arrayBuffer()) };
        void res.body?.cancel().catch(() => undefined);
        if (res.status === 404 || res.status === 410 || res.status === 403) {
          return { status: 'absent', code: res.status };
        }
        last = { status: 'http', code: res.status };
        if (res.status !== 429 && res.status < 500) return last;
        retry = `HTTP ${res.status}`;
      } catch (e) {
        checkAbort();
        last = { status: 'network', reason: errorText(e) };
        retry = last.reason;
      }
      if (attempt < attempts) {
        opts.onRetry?.(url, attempt, retry);
        await sleep(baseDelay * 2 ** (attempt - 1), opts.signal);
      }
    }
    return last;
  }

  /** Bytes when they are an image (and pass `verify`), else why not. */
  async function check(
    body: Uint8Array,
  ): Promise<{ ok: true; check: Extract<ImageCheck, { ok: true }> } | { ok: false; reason: string }> {
    const c = checkImageBytes(body);
    if (!c.ok) return { ok: false, reason: `refused: the answer is ${c.reason}` };
    const refused = opts.verify ? await opts.verify(body) : null;
    if (refused) return { ok: false, reason: `refused: ${refused}` };
    return { ok: true, check: c };
  }

  async function fetchOne(
    item: DownloadItem,
  ): Promise<{ bytes: Uint8Array; check: Extract<ImageCheck, { ok: true }> } | DownloadFailure> {
    let failure: DownloadFailure | null = null;
    let anyAnswer = false;
    const tried = new Set<string>();
    const note = (f: DownloadFailure) => {
      // The most telling failure wins: a refused body or an error over a plain 404.
      if (!failure || failure.kind === 'not-found' || f.kind === 'not-an-image') failure = f;
    };
    const tryMedia = async (url: string) => {
      tried.add(url);
      const got = await get(url);
      if (got.status === 'ok') {
        anyAnswer = true;
        const c = await check(got.bytes);
        if (c.ok) return { bytes: got.bytes, check: c.check };
        note({ item, kind: 'not-an-image', url, reason: c.reason });
      } else if (got.status === 'absent') {
        firstAbsentUrl ||= url;
        note({ item, kind: 'not-found', url, reason: `HTTP ${got.code}` });
      } else {
        anyAnswer ||= got.status === 'http';
        note(
          got.status === 'http'
            ? { item, kind: 'http', url, reason: `HTTP ${got.code}` }
            : { item, kind: 'network', url, reason: got.reason },
        );
      }
      return null;
    };
    for (const candidate of candidateUrls(item, opts.baseUrl)) {
      if (tried.has(candidate.url)) continue;
      if (candidate.kind === 'media') {
        const ok = await tryMedia(candidate.url);
        if (ok) return ok;
        continue;
      }
      tried.add(candidate.url);
      const got = await get(candidate.url);
      if (got.status === 'absent') {
        note({ item, kind: 'not-found', url: candidate.url, reason: `HTTP ${got.code}` });
        continue;
      }
      if (got.status !== 'ok') {
        anyAnswer ||= got.status === 'http';
        note(
          got.status === 'http'
            ? { item, kind: 'http', url: candidate.url, reason: `HTTP ${got.code}` }
            : { item, kind: 'network', url: candidate.url, reason: got.reason },
        );
        continue;
      }
      anyAnswer = true;
      let record: unknown;
      try {
        record = JSON.parse(new TextDecoder().decode(got.bytes));
      } catch {
        note({ item, kind: 'http', url: candidate.url, reason: 'the metadata record is not JSON' });
        continue;
      }
      const url = figureUrlFromMetadata(record, item.fileName, opts.baseUrl);
      if (!url) {
        note({
          item,
          kind: 'not-found',
          url: candidate.url,
          reason: `the article's metadata lists no file named ${item.fileName}`,
        });
        continue;
      }
      if (tried.has(url)) continue;
      const ok = await tryMedia(url);
      if (ok) return ok;
    }
    const f = failure as DownloadFailure | null;
    if (f?.kind === 'not-found' && !anyAnswer) absentEverywhere++;
    if (f?.kind === 'network') {
      unreachable++;
      lastNetworkReason = f.reason;
    }
    return f ?? { item, kind: 'not-found', url: '', reason: 'no URL to try' };
  }

  const progress = (): DownloadProgress => {
    const done = saved + failures.length;
    const elapsedMs = now() - started;
    return {
      done,
      total,
      saved,
      failed: failures.length,
      bytes,
      elapsedMs,
      etaMs: done > 0 ? (elapsedMs / done) * (total - done) : null,
    };
  };

  function maybeStop() {
    if (stopped || saved > 0) return;
    if (absentEverywhere >= Math.min(probe, total) && absentEverywhere === failures.length) {
      stopped = {
        reason: 'layout-changed',
        message:
          `The image source's layout has changed: the first ${absentEverywhere} images all answered 404 at ` +
          `${opts.baseUrl} (e.g. ${firstAbsentUrl}); see ${CLOUD_SERVICE_README} and correct ` +
          'src/core/images/imageSource.ts, or use another image source.',
      };
    } else if (unreachable >= Math.min(concurrency, total) && unreachable === failures.length) {
      stopped = {
        reason: 'unreachable',
        message: `The image source at ${opts.baseUrl} could not be reached (${lastNetworkReason}).`,
      };
    }
  }

  async function worker(): Promise<void> {
    for (;;) {
      if (stopped || opts.signal?.aborted) return;
      const item = queue.shift();
      if (!item) return;
      let outcome: Awaited<ReturnType<typeof fetchOne>>;
      try {
        outcome = await fetchOne(item);
        if ('bytes' in outcome) {
          checkAbort();
          await opts.save(item, outcome.bytes, outcome.check);
        }
      } catch (e) {
        if (e instanceof Aborted || opts.signal?.aborted) {
          queue.unshift(item);
          return;
        }
        outcome = { item, kind: 'http', url: '', reason: `could not be saved: ${errorText(e)}` };
      }
      if ('bytes' in outcome) {
        saved++;
        bytes += outcome.bytes.length;
        opts.onItem?.(item, { saved: true, bytes: outcome.bytes.length });
      } else {
        failures.push(outcome);
        opts.onItem?.(item, outcome);
        maybeStop();
      }
      opts.onProgress?.(progress());
    }
  }

  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(total, 1)) }, () => worker()));
  if (!stopped && opts.signal?.aborted) {
    stopped = { reason: 'aborted', message: 'The download was paused.' };
  }
  const result: DownloadResult = {
    saved,
    bytes,
    failures,
    stopped,
    notTried: queue,
  };
  // The probe's own failures are the stop's evidence, not failures of their images.
  if (stopped && (stopped as { reason: StopReason }).reason !== 'aborted') {
    result.notTried = [...failures.map((f) => f.item), ...queue];
    result.failures = [];
  }
  return result;
}
