// View state shared across components: the active tab (mirrored in the URL hash so a reload or a
// shared link opens the same view) and the Pairs view's filter, kept while switching tabs.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { EMPTY_FILTER, type PairFilter } from '../core/results/pairFilters.ts';

export const TABS = ['pairs', 'run', 'results', 'explorer', 'storage'] as const;
export type Tab = (typeof TABS)[number];

export const TAB_LABELS: Readonly<Record<Tab, string>> = {
  pairs: 'Pairs',
  run: 'Run',
  results: 'Results',
  explorer: 'Explorer',
  storage: 'Storage',
};

export interface UiState {
  tab: Tab;
  pairFilter: PairFilter;
  setTab(tab: Tab): void;
  setPairFilter(patch: Partial<PairFilter>): void;
  clearPairFilter(): void;
}

export type UiStore = StoreApi<UiState>;

/**
 * '#results' → 'results'; null for any other hash (e.g. the skip link's '#main'). A view's own
 * state may follow a '?' (`#explorer?pair=10001`); it belongs to that view and is ignored here.
 */
export function tabFromHash(hash: string): Tab | null {
  const name = (hash.replace(/^#/, '').split('?')[0] ?? '').toLowerCase();
  return (TABS as readonly string[]).includes(name) ? (name as Tab) : null;
}

/** The tab `step` places away from `tab`, wrapping around (arrow-key navigation). */
export function neighbourTab(tab: Tab, step: number): Tab {
  const i = TABS.indexOf(tab);
  return TABS[(((i + step) % TABS.length) + TABS.length) % TABS.length] as Tab;
}

export function createUiStore(initialTab: Tab = 'pairs'): UiStore {
  return createStore<UiState>()((set, get) => ({
    tab: initialTab,
    pairFilter: EMPTY_FILTER,
    setTab(tab) {
      set({ tab });
    },
    setPairFilter(patch) {
      set({ pairFilter: { ...get().pairFilter, ...patch } });
    },
    clearPairFilter() {
      set({ pairFilter: EMPTY_FILTER });
    },
  }));
}

export const uiStore: UiStore = createUiStore(
  (typeof location !== 'undefined' ? tabFromHash(location.hash) : null) ?? 'pairs',
);

export function useUiStore<T>(selector: (state: UiState) => T): T {
  return useStore(uiStore, selector);
}

/**
 * Keeps the tab and the URL hash in step: tab changes add a history entry (so Back returns to the
 * previous tab) and hash changes (Back, edited links) select the tab. Returns an unsubscribe.
 */
export function syncTabWithLocation(store: UiStore = uiStore): () => void {
  const unsubscribe = store.subscribe((state, previous) => {
    if (state.tab !== previous.tab && tabFromHash(location.hash) !== state.tab) {
      history.pushState(null, '', `#${state.tab}`);
    }
  });
  const onHashChange = () => {
    const tab = tabFromHash(location.hash);
    if (tab) store.getState().setTab(tab);
  };
  window.addEventListener('hashchange', onHashChange);
  return () => {
    unsubscribe();
    window.removeEventListener('hashchange', onHashChange);
  };
}
