// Tab navigation helpers and the UI store's actions.
import { describe, expect, it } from 'vitest';
import { TABS, createUiStore, neighbourTab, tabFromHash } from '../../../src/state/uiStore.ts';

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
    expect(TABS).toEqual(['pairs', 'run', 'results', 'explorer', 'storage']);
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
