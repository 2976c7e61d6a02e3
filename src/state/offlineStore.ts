// Offline mode and the network counter. Offline mode is on when the user turns it on, and by
// default whenever the page opens without network; under it no request leaves the page's origin:
// the engine worker refuses them (workers/engine/networkGuard.ts), the service worker refuses them
// (public/sw.js), and the page narrows its own Content-Security-Policy to its origin. The counter
// is the number of requests that did leave the origin since the page loaded: the page's own
// (resource timing) plus the engine worker's (its fetch guard and resource timing). It also
// registers the service worker of production builds.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WorkerNetworkStats } from '../../workers/engine/protocol.ts';
import { OFFLINE_MODE_KEY, initialOfflineMode, isForeignUrl, offlineConnectPolicy } from '../sw/policy.ts';
import { engineClient, type EngineClient } from './engineClient.ts';

/** Defined (true) by vite.config.ts's offline plugin in builds only: never on the dev server. */
declare const __MEDICONFUSION_SW__: boolean | undefined;

export type ServiceWorkerStatus = 'unsupported' | 'not-registered' | 'installing' | 'ready' | 'error';

export interface OfflineState {
  offline: boolean;
  /**
   * Why offline mode is on or off: the user's choice ('user': when on, it stays on across visits
   * until the user turns it off), the browser having no network (on for this visit only), or on
   * for this visit after the user chose not to stay offline ('visit').
   */
  reason: 'user' | 'no-network' | 'visit' | 'default';
  /** navigator.onLine, kept current. */
  online: boolean;
  /** Requests of the page itself that left the origin. */
  pageRequests: number;
  /** Requests of the engine worker(s) that left the origin (summed over restarted workers). */
  workerRequests: number;
  /** Requests refused before leaving: by the engine, the service worker or the page's policy. */
  blocked: number;
  /** The last URL counted or refused, to show what it was. */
  lastForeignUrl: string | null;
  /** How many times the engine worker's counters have been read (0 while no worker runs). */
  workerChecks: number;
  serviceWorker: { status: ServiceWorkerStatus; version: string | null; message: string | null };

  /** Starts counting and applies the mode (idempotent); also registers the service worker. */
  start(): void;
  setOffline(offline: boolean): void;
  /**
   * "Stay offline until I say otherwise": remembered in this browser, so offline mode that
   * switched itself on (no network) survives a reload with the network back. Off again: it lasts
   * for this visit only.
   */
  setStayOffline(stay: boolean): void;
  /** Reads the engine worker's counters now (also done every second while it runs). */
  pollWorker(): Promise<void>;
}

/** Requests that left the origin since load: what the header shows. */
export function networkRequestCount(s: Pick<OfflineState, 'pageRequests' | 'workerRequests'>): number {
  return s.pageRequests + s.workerRequests;
}

interface PerformanceObserverLike {
  observe(options: { type: string; buffered?: boolean }): void;
}

type MessageTarget = { postMessage(message: unknown): void };

interface ServiceWorkerLike {
  register(url: string, options: { scope: string }): Promise<unknown>;
  ready: Promise<{ active: MessageTarget | null }>;
  controller: MessageTarget | null;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export interface OfflineStoreDeps {
  engine: EngineClient;
  origin: () => string;
  onLine: () => boolean;
  storage: () => Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Listens to window events ('online', 'offline', 'securitypolicyviolation'). */
  listen: (type: string, listener: (event: Event) => void) => void;
  observeResources: ((onUrl: (url: string) => void) => PerformanceObserverLike | null) | null;
  /** Adds a Content-Security-Policy meta element to the document head. */
  addPolicy: ((policy: string) => void) | null;
  serviceWorker: () => ServiceWorkerLike | null;
  /** Whether this is a build of the app (the service worker is registered only then). */
  production: boolean;
  setInterval: (fn: () => void, ms: number) => unknown;
}

export type OfflineStore = StoreApi<OfflineState>;

function safeStorage(): Pick<Storage, 'getItem' | 'setItem'> | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null; // storage disabled
  }
}

const browserDeps: OfflineStoreDeps = {
  engine: engineClient,
  origin: () => (typeof location !== 'undefined' ? location.origin : 'http://localhost'),
  onLine: () => !(typeof navigator !== 'undefined' && navigator.onLine === false),
  storage: safeStorage,
  listen: (type, listener) => {
    if (typeof window !== 'undefined') window.addEventListener(type, listener);
  },
  observeResources:
    typeof PerformanceObserver !== 'undefined'
      ? (onUrl) => {
          const observer = new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) onUrl(entry.name);
          });
          return observer;
        }
      : null,
  addPolicy:
    typeof document !== 'undefined'
      ? (policy) => {
          const meta = document.createElement('meta');
          meta.httpEquiv = 'Content-Security-Policy';
          meta.content = policy;
          meta.dataset.offlinePolicy = '';
          document.head.append(meta);
        }
      : null,
  serviceWorker: () =>
    typeof navigator !== 'undefined' && 'serviceWorker' in navigator
      ? (navigator.serviceWorker as unknown as ServiceWorkerLike)
      : null,
  production: typeof __MEDICONFUSION_SW__ !== 'undefined' && __MEDICONFUSION_SW__,
  setInterval: (fn, ms) => setInterval(fn, ms),
};

export const WORKER_POLL_MS = 1000;

export function createOfflineStore(overrides: Partial<OfflineStoreDeps> = {}): OfflineStore {
  const deps: OfflineStoreDeps = { ...browserDeps, ...overrides };
  const stored = deps.storage()?.getItem(OFFLINE_MODE_KEY) ?? null;
  const onLine = deps.onLine();
  const offline = initialOfflineMode(stored, onLine);
  let started = false;
  let policyAdded = false;
  let polling = false;
  /** Last counts per engine worker; a restarted worker starts from zero under a new id. */
  const workers = new Map<string, { sent: number; blocked: number }>();
  let swBlocked = 0;
  let cspBlocked = 0;
  /** Foreign URLs in the page's resource timing, and those its policy blocked (they never left). */
  const foreignEntries: string[] = [];
  const blockedByPolicy = new Set<string>();

  return createStore<OfflineState>()((set, get) => {
    function blockedTotal(): number {
      let n = swBlocked + cspBlocked;
      for (const w of workers.values()) n += w.blocked;
      return n;
    }

    function postModeToServiceWorker() {
      const sw = deps.serviceWorker();
      if (!sw || !deps.production) return;
      const message = { type: 'offline-mode', offline: get().offline };
      sw.controller?.postMessage(message);
      void sw.ready.then((reg) => reg.active?.postMessage(message)).catch(() => undefined);
    }

    function apply() {
      const { offline } = get();
      // A policy can only be added, never relaxed, until the page reloads: the page itself never
      // needs the hub (the engine worker downloads models), so that costs nothing.
      if (offline && !policyAdded && deps.addPolicy) {
        deps.addPolicy(offlineConnectPolicy());
        policyAdded = true;
      }
      postModeToServiceWorker();
      if (deps.engine.started) {
        void deps.engine
          .api()
          .setOffline(offline)
          .catch(() => undefined);
      }
    }

    function registerServiceWorker() {
      const sw = deps.serviceWorker();
      if (!sw) {
        set({ serviceWorker: { status: 'unsupported', version: null, message: null } });
        return;
      }
      if (!deps.production) return; // the dev server serves sources that change at every edit
      sw.addEventListener('message', (event) => {
        const data = event.data as { type?: string; version?: string; blocked?: number; url?: string } | null;
        if (data?.type === 'sw-blocked') {
          swBlocked++;
          set({ blocked: blockedTotal(), lastForeignUrl: data.url ?? get().lastForeignUrl });
        } else if (data?.type === 'sw-status') {
          set({ serviceWorker: { status: 'ready', version: data.version ?? null, message: null } });
        }
      });
      set({ serviceWorker: { status: 'installing', version: null, message: null } });
      sw.register('./sw.js', { scope: './' }).catch((e: unknown) => {
        set({
          serviceWorker: {
            status: 'error',
            version: null,
            message: e instanceof Error ? e.message : String(e),
          },
        });
      });
      void sw.ready
        .then((reg) => {
          set({ serviceWorker: { ...get().serviceWorker, status: 'ready' } });
          reg.active?.postMessage({ type: 'offline-mode', offline: get().offline });
        })
        .catch(() => undefined);
    }

    return {
      offline,
      reason: stored === 'on' ? 'user' : !onLine ? 'no-network' : stored === 'off' ? 'user' : 'default',
      online: onLine,
      pageRequests: 0,
      workerRequests: 0,
      blocked: 0,
      lastForeignUrl: null,
      workerChecks: 0,
      serviceWorker: { status: 'not-registered', version: null, message: null },

      start() {
        if (started) return;
        started = true;
        const origin = deps.origin();
        // Chromium also records a resource entry for a request its policy blocked: not counted.
        const countPage = () => foreignEntries.filter((url) => !blockedByPolicy.has(url)).length;
        const observer = deps.observeResources?.((url) => {
          if (!isForeignUrl(url, origin)) return;
          foreignEntries.push(url);
          set({ pageRequests: countPage(), lastForeignUrl: url });
        });
        try {
          observer?.observe({ type: 'resource', buffered: true });
        } catch {
          // No resource timing: only the worker's requests are counted.
        }
        deps.listen('securitypolicyviolation', (event) => {
          const blockedUri = (event as SecurityPolicyViolationEvent).blockedURI ?? '';
          cspBlocked++;
          if (blockedUri) blockedByPolicy.add(blockedUri);
          set({
            pageRequests: countPage(),
            blocked: blockedTotal(),
            lastForeignUrl: blockedUri || get().lastForeignUrl,
          });
        });
        deps.listen('offline', () => {
          set({ online: false });
          if (!get().offline) {
            set({ offline: true, reason: 'no-network' });
            apply();
          }
        });
        deps.listen('online', () => set({ online: true }));
        registerServiceWorker();
        apply();
        deps.setInterval(() => void get().pollWorker(), WORKER_POLL_MS);
      },

      setOffline(on) {
        deps.storage()?.setItem(OFFLINE_MODE_KEY, on ? 'on' : 'off');
        set({ offline: on, reason: 'user' });
        apply();
      },

      setStayOffline(stay) {
        if (stay) {
          get().setOffline(true);
          return;
        }
        deps.storage()?.setItem(OFFLINE_MODE_KEY, 'off');
        if (get().offline) set({ reason: get().online ? 'visit' : 'no-network' });
      },

      async pollWorker() {
        if (polling || !deps.engine.started) return;
        polling = true;
        try {
          const api = deps.engine.api();
          const stats: WorkerNetworkStats = await api.networkStats();
          workers.set(stats.workerId, { sent: stats.sent, blocked: stats.blocked });
          let sent = 0;
          for (const w of workers.values()) sent += w.sent;
          set({
            workerRequests: sent,
            workerChecks: get().workerChecks + 1,
            blocked: blockedTotal(),
            ...(stats.lastUrl ? { lastForeignUrl: stats.lastUrl } : {}),
          });
          // A worker started after the last change of mode learns it here (and from each load).
          if (stats.offline !== get().offline) await api.setOffline(get().offline);
        } catch {
          // A worker that is restarting answers next time.
        } finally {
          polling = false;
        }
      },
    };
  });
}

/** The app's offline store. */
export const offlineStore: OfflineStore = createOfflineStore();

export function useOfflineStore<T>(selector: (state: OfflineState) => T): T {
  return useStore(offlineStore, selector);
}
