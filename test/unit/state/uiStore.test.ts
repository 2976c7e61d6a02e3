// Tab navigation helpers and the UI store's actions.
import { describe, expect, it } from 'vitest';
import { TABS, createUiStore, neighbourTab, tabFromHash, type Tab } from '../../../src/state/uiStore.ts';

describe('tabs', () => {
  it('reads the tab from the URL hash, ignoring other hashes', () => {
    expect(tabFromHash('#results')).toBe('results');
    expect(tabFromHash('#Explorer')).toBe('explorer');
    expect(tabFromHash('')).toBeNull();
    expect(tabFromHash('#main')).toBeNull();
  });

  it('wraps around when stepping with arrow keys', () => {
    expect(neighbourTab('pairs', 1)).toBe('run');
    expect(neighbourTab('pairs', -1)).toBe('storage');
    expect(neighbourTab('explorer', 1)).toBe('storage');
    expect(neighbourTab('storage', 1)).toBe('pairs');
    // Stepping forward visits every tab once, in the tab bar's order, and comes back.
    const visited: Tab[] = [];
    let tab: Tab = TABS[0];
    do {
      visited.push(tab);
      tab = neighbourTab(tab, 1);
    } while (tab !== TABS[0] && visited.length <= TABS.length);
    expect(visited).toEqual(['pairs', 'run', 'results', 'explorer', 'storage']);
  });
});

describe('createUiStore', () => {
  it('switches tabs and keeps the pair filter until cleared', () => {
    const store = createUiStore('run');
    expect(store.getState().tab).toBe('run');
    store.getState().setTab('pairs');
    store.getState().setPairFilter({ category: 'Cardiac' });
    store.getState().setPairFilter({ query: 'aorta' });
    expect(store.getState().pairFilter).toEqual({ category: 'Cardiac', query: 'aorta' });
    store.getState().setTab('results');
    expect(store.getState().pairFilter.query).toBe('aorta');
    store.getState().clearPairFilter();
    expect(store.getState().pairFilter).toEqual({ category: '', query: '' });
  });
});
