// The top-level navigation: a WAI-ARIA tab list of real buttons. Arrow keys, Home and End move
// between tabs and select them (roving tabindex: only the selected tab is in the Tab order).
import { useRef, type KeyboardEvent } from 'react';
import { TABS, TAB_LABELS, neighbourTab, useUiStore, type Tab } from '../state/uiStore.ts';

export const tabId = (tab: Tab) => `tab-${tab}`;
export const panelId = (tab: Tab) => `panel-${tab}`;

export function Tabs() {
  const current = useUiStore((s) => s.tab);
  const setTab = useUiStore((s) => s.setTab);
  const buttons = useRef(new Map<Tab, HTMLButtonElement>());

  function select(tab: Tab) {
    setTab(tab);
    buttons.current.get(tab)?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLButtonElement>) {
    const target =
      e.key === 'ArrowRight'
        ? neighbourTab(current, 1)
        : e.key === 'ArrowLeft'
          ? neighbourTab(current, -1)
          : e.key === 'Home'
            ? TABS[0]
            : e.key === 'End'
              ? TABS[TABS.length - 1]
              : undefined;
    if (target === undefined) return;
    e.preventDefault();
    select(target);
  }

  return (
    <nav className="tabs-nav" aria-label="Main">
      <div role="tablist" aria-label="Views" className="tabs">
        {TABS.map((tab) => (
          <button
            key={tab}
            ref={(el) => {
              if (el) buttons.current.set(tab, el);
              else buttons.current.delete(tab);
            }}
            type="button"
            role="tab"
            id={tabId(tab)}
            data-testid={tabId(tab)}
            aria-selected={tab === current}
            aria-controls={panelId(tab)}
            tabIndex={tab === current ? 0 : -1}
            className="tab"
            onClick={() => setTab(tab)}
            onKeyDown={onKeyDown}
          >
            {TAB_LABELS[tab]}
          </button>
        ))}
      </div>
    </nav>
  );
}
