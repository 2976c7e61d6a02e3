// Offline mode and the network counter inside the engine: every fetch the worker makes (model files
// through transformers.js, onnxruntime-web's runtime, images by URL) goes through a guard that
// counts the requests leaving the page's origin and, in offline mode, refuses them before they
// leave. A dedicated worker does not inherit the page's Content-Security-Policy, so this guard is
// what keeps the engine off the network.

export interface NetworkStats {
  /** Requests to another origin that were sent. */
  sent: number;
  /** Requests to another origin refused in offline mode (they never left). */
  blocked: number;
  offline: boolean;
  /** The last foreign URL sent or refused, for the user to see what it was. */
  lastUrl: string | null;
}

/** Raised (as a rejected fetch) for a request refused in offline mode. */
export class OfflineRefusal extends TypeError {
  constructor(readonly url: string) {
    super(`Offline mode: the request to ${safeOrigin(url)} was refused (nothing leaves this machine).`);
    this.name = 'OfflineRefusal';
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The origin requests are compared with: the worker's own (the app's); none in Node. */
function ownOrigin(): string | null {
  const loc = (globalThis as { location?: { origin?: string } }).location;
  return loc?.origin && loc.origin !== 'null' ? loc.origin : null;
}

/** Whether a request URL leaves the origin (http(s) to another host; blob:/data: never do). */
export function leavesOrigin(url: string, origin: string | null = ownOrigin()): boolean {
  let parsed: URL;
  try {
    parsed = origin ? new URL(url, origin) : new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  return origin === null || parsed.origin !== origin;
}

function urlOf(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

export interface NetworkGuard {
  readonly stats: NetworkStats;
  setOffline(offline: boolean): void;
  /** `inner` wrapped: counts foreign requests, refuses them in offline mode. */
  wrap(inner: typeof fetch): typeof fetch;
  /**
   * For transformers.js when a model is loaded offline: every foreign request is refused (counted
   * as blocked) and answered 404, which transformers.js reads as "this optional file does not
   * exist"; the files a model needs come from its cache before any request is made.
   */
  offlineFetch(inner: typeof fetch): typeof fetch;
}

export function createNetworkGuard(origin: () => string | null = ownOrigin): NetworkGuard {
  const stats: NetworkStats = { sent: 0, blocked: 0, offline: false, lastUrl: null };

  function check(input: RequestInfo | URL): 'local' | 'send' | 'refuse' {
    const url = urlOf(input);
    if (!leavesOrigin(url, origin())) return 'local';
    stats.lastUrl = url;
    if (stats.offline) {
      stats.blocked++;
      return 'refuse';
    }
    stats.sent++;
    return 'send';
  }

  return {
    stats,
    setOffline(offline) {
      stats.offline = offline;
    },
    wrap(inner) {
      return ((input: RequestInfo | URL, init?: RequestInit) =>
        check(input) === 'refuse'
          ? Promise.reject(new OfflineRefusal(urlOf(input)))
          : inner(input, init)) as typeof fetch;
    },
    offlineFetch(inner) {
      return ((input: RequestInfo | URL, init?: RequestInit) => {
        const url = urlOf(input);
        if (!leavesOrigin(url, origin())) return inner(input, init);
        stats.blocked++;
        stats.lastUrl = url;
        return Promise.resolve(
          new Response(null, { status: 404, statusText: 'Not in the offline cache (offline mode)' }),
        );
      }) as typeof fetch;
    },
  };
}

/** The engine's guard: installed once on the worker's global fetch by engine.worker.ts. */
export const networkGuard: NetworkGuard = createNetworkGuard();

let installed = false;

/** Replaces globalThis.fetch with the guarded one (idempotent). */
export function installNetworkGuard(): void {
  if (installed || typeof globalThis.fetch !== 'function') return;
  installed = true;
  globalThis.fetch = networkGuard.wrap(globalThis.fetch.bind(globalThis));
}
