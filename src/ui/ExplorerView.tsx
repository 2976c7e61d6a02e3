// Explorer tab: one pair at a time, large, with a run's answers for each image (or two runs side by
// side), a scatter of all pairs by image similarity (with, for runs that kept their image
// embeddings, the model's own similarity against confusion) and a ranking by image sensitivity. Its state
// lives in the URL (explorer store), so a slide can link to any view; presentation mode shows the
// pair alone, in large type, for a projector.
import { useCallback, useEffect, useRef } from 'react';
import { imageWindow } from '../core/results/explorerModel.ts';
import { explorerHash } from '../core/results/explorerUrl.ts';
import { explorerStore, useExplorerStore } from '../state/explorerStore.ts';
import { ExplorerToolbar } from './explorer/ExplorerToolbar.tsx';
import { NoImagesNotice } from './explorer/ImagesNotice.tsx';
import { PAIR_HEADING_ID, PairNav, PairPanel, runLabel } from './explorer/PairPanel.tsx';
import { ModelSimilarityChart } from './explorer/ModelSimilarityChart.tsx';
import { SensitivityList } from './explorer/SensitivityList.tsx';
import { SimilarityScatter } from './explorer/SimilarityScatter.tsx';
import { useExplorerData, type ExplorerData } from './explorer/useExplorerData.ts';

/** Neighbours each side whose images are decoded ahead, and kept before their URLs are revoked. */
const PREFETCH_RADIUS = 2;
const KEEP_RADIUS = 4;

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

function openPair(pairId: string): void {
  explorerStore.getState().openPair(pairId);
}

/** Arrow keys already mean something inside the main tab list. */
function inTabList(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('[role="tablist"]') !== null;
}

function Messages({ data }: { data: ExplorerData }) {
  const error = useExplorerStore((s) => s.error);
  const runsStatus = useExplorerStore((s) => s.runsStatus);
  const missing = [data.main, data.compare].filter((v) => v.id !== null && v.run === null);
  return (
    <>
      {error && (
        <div className="alert explorer-notice" role="alert">
          <p className="alert-message">{error}</p>
          <div className="alert-actions">
            <button
              type="button"
              className="button button-secondary"
              onClick={() => explorerStore.getState().dismissError()}
            >
              Dismiss
            </button>
          </div>
        </div>
      )}
      {runsStatus === 'ready' &&
        missing.map((v) => (
          <p key={v.id} className="notice explorer-notice" data-testid="explorer-missing-run">
            The run <code>{v.id}</code> named in this link is not stored in this browser, so its answers
            cannot be shown. Import its results in the <a href="#results">Results tab</a>.
          </p>
        ))}
    </>
  );
}

export function ExplorerView() {
  const data = useExplorerData();
  const { url, current, list, dataset } = data;
  const present = url.present;
  const view = url.view;
  const imageIds = useExplorerStore((s) => s.imageIds);
  const searchRef = useRef<HTMLInputElement>(null);
  const sectionRef = useRef<HTMLElement>(null);
  const latest = useRef(data);

  useEffect(() => {
    latest.current = data;
  });

  // Follow the URL while shown; read runs and images each time the tab opens (a run may have finished).
  useEffect(() => {
    const store = explorerStore.getState();
    const disconnect = store.connect();
    void store.refresh();
    return () => {
      disconnect();
      explorerStore.getState().releaseImages();
    };
  }, []);

  // Keyboard: ←/→ (and a clicker's PageUp/PageDown) step through pairs, / searches, P presents,
  // F goes full screen while presenting, Escape leaves presentation.
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      const store = explorerStore.getState();
      const d = latest.current;
      if (e.key === 'Escape' && d.url.present) {
        e.preventDefault();
        store.setPresent(false);
        return;
      }
      if (isEditable(e.target) || inTabList(e.target)) return;
      const step =
        e.key === 'ArrowRight' || e.key === 'PageDown'
          ? 1
          : e.key === 'ArrowLeft' || e.key === 'PageUp'
            ? -1
            : 0;
      if (step !== 0 && d.url.view === 'pair') {
        const target = step > 0 ? d.next : d.prev;
        e.preventDefault();
        if (target) store.openPair(target.id);
      } else if (e.key === '/' && !d.url.present) {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      } else if (e.key === 'p' || e.key === 'P') {
        e.preventDefault();
        store.setPresent(!d.url.present);
      } else if ((e.key === 'f' || e.key === 'F') && d.url.present) {
        e.preventDefault();
        store.requestFullscreen();
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Decode the images of the current pair and its neighbours ahead; far ones are revoked.
  useEffect(() => {
    if (!current) return;
    void explorerStore
      .getState()
      .prepareImages(imageWindow(list, current, PREFETCH_RADIUS), imageWindow(list, current, KEEP_RADIUS));
  }, [current, list, imageIds]);

  // Presentation hides the app's header, dataset bar and tabs and scales the type (styles keyed on
  // this class on the root element, so every rem grows).
  useEffect(() => {
    if (!present) return;
    document.documentElement.classList.add('explorer-presenting');
    return () => document.documentElement.classList.remove('explorer-presenting');
  }, [present]);

  // The pair view opens with the pair at the top of the window, so both images are in view on a
  // laptop screen (the toolbar is one scroll up).
  const scrolled = useRef(false);
  const hasPair = view === 'pair' && current !== null;
  useEffect(() => {
    if (!hasPair || present || scrolled.current) return;
    scrolled.current = true;
    sectionRef.current
      ?.querySelector<HTMLElement>('[data-testid="explorer-pair"]')
      ?.scrollIntoView({ block: 'start' });
  }, [hasPair, present]);

  // Focus follows the change the user asked for: a pair opened from the scatter or the list, or
  // presentation entered/left.
  const previous = useRef({ view, present });
  useEffect(() => {
    const before = previous.current;
    previous.current = { view, present };
    if (present !== before.present) {
      if (present) (document.getElementById(PAIR_HEADING_ID) ?? sectionRef.current)?.focus();
      else sectionRef.current?.querySelector<HTMLElement>('[data-testid="explorer-present-toggle"]')?.focus();
    } else if (view === 'pair' && before.view !== 'pair') {
      document.getElementById(PAIR_HEADING_ID)?.focus();
    }
  }, [view, present]);

  const pairHref = useCallback(
    (pairId: string) => explorerHash({ ...url, pair: pairId, view: 'pair' }),
    [url],
  );

  if (dataset === null) {
    return (
      <section className="explorer" aria-labelledby="explorer-heading" data-testid="explorer">
        <h2 id="explorer-heading">Explorer</h2>
        <p role="status" className="muted">
          Loading the pairs…
        </p>
      </section>
    );
  }

  const announcement =
    view === 'pair' && current
      ? `Pair ${current.id}${data.position >= 0 ? `, ${data.position + 1} of ${list.length}` : ''}: ${current.question}`
      : '';
  const mainLabel = data.main.id === null ? null : runLabel(data.main);
  const compareLabel = data.compare.id === null ? null : runLabel(data.compare);

  return (
    <section
      ref={sectionRef}
      className={`explorer${present ? ' explorer-present' : ''}`}
      aria-labelledby="explorer-heading"
      data-testid="explorer"
      data-view={view}
      data-present={present ? 'true' : 'false'}
      tabIndex={-1}
    >
      <div className={present ? 'visually-hidden' : 'explorer-intro'}>
        <h2 id="explorer-heading">Explorer</h2>
        {!present && (
          <p className="muted">
            One question, two images, two <em>different</em> correct answers: a model that answers both alike
            is <strong>confused</strong>.{' '}
            <span className="explorer-keys">
              <kbd>←</kbd> <kbd>→</kbd> pairs · <kbd>/</kbd> search · <kbd>P</kbd> present
            </span>
          </p>
        )}
      </div>
      {!present && <ExplorerToolbar data={data} searchRef={searchRef} />}
      {!present && <Messages data={data} />}
      {!present && <NoImagesNotice dataset={dataset} />}
      <p className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="explorer-live">
        {announcement}
      </p>
      {view === 'pair' && <PairPanel data={data} present={present} />}
      {view === 'scatter' && (
        <>
          {present && <PairNav data={data} present={present} pairControls={false} />}
          <SimilarityScatter
            pairs={dataset.pairs}
            shown={list}
            currentId={current?.id ?? null}
            index={data.main.index}
            method={data.method}
            runLabel={mainLabel}
            url={url}
            modelSimilarities={data.mainSimilarities}
          />
          {data.modelConfusion && data.method !== null && (
            <ModelSimilarityChart
              confusion={data.modelConfusion}
              pairs={dataset.pairs}
              currentId={current?.id ?? null}
              label={`${mainLabel ?? ''} · ${data.method}`}
              hrefFor={pairHref}
              onOpen={openPair}
              heading="This model’s own image similarity against confusion"
            />
          )}
        </>
      )}
      {view === 'sensitivity' && (
        <>
          {present && <PairNav data={data} present={present} pairControls={false} />}
          <SensitivityList
            pairs={list}
            index={data.main.index}
            compareIndex={data.compare.id === null ? null : data.compare.index}
            method={data.method}
            runLabel={mainLabel}
            compareLabel={compareLabel}
            url={url}
          />
        </>
      )}
    </section>
  );
}
