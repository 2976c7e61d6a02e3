// The browser pieces the Explorer store drives, behind small ports so tests can stand in for
// them: the address bar's hash and history (links and Back), and the fullscreen API
// (presentation mode).

export interface LocationPort {
  hash(): string;
  push(hash: string): void;
  replace(hash: string): void;
  /** Calls back on hashchange and popstate; returns an unsubscribe. */
  listen(onChange: () => void): () => void;
}

export interface FullscreenPort {
  active(): boolean;
  request(): Promise<void>;
  exit(): Promise<void>;
  listen(onChange: () => void): () => void;
}

export const browserLocation: LocationPort = {
  hash: () => location.hash,
  push: (hash) => history.pushState(null, '', hash),
  replace: (hash) => history.replaceState(null, '', hash),
  listen: (onChange) => {
    window.addEventListener('hashchange', onChange);
    window.addEventListener('popstate', onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
      window.removeEventListener('popstate', onChange);
    };
  },
};

export const browserFullscreen: FullscreenPort = {
  active: () => document.fullscreenElement !== null,
  request: async () => {
    if (document.fullscreenEnabled) await document.documentElement.requestFullscreen();
  },
  exit: async () => {
    if (document.fullscreenElement) await document.exitFullscreen();
  },
  listen: (onChange) => {
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  },
};
