// The pair view: the shared question and both options, how alike the two images are (BiomedCLIP,
// DINOv2 and, where the run kept them, the model's own features), the two images side by side (each
// with its correct answer, categories and caption), each run's answer under each image, and each
// run's verdict on the pair. Previous/Next step through the filtered pairs.
import { useId } from 'react';
import type { ConfusionPair, ImageSlot, Method } from '../../core/types.ts';
import { caseFor, classifyPair, formatNumber, type RunCaseIndex } from '../../core/results/explorerModel.ts';
import { similarityInWords, type PairModelSimilarity } from '../../core/results/modelSimilarity.ts';
import { explorerStore, useExplorerStore } from '../../state/explorerStore.ts';
import { CategoryChips } from '../CategoryChips.tsx';
import { AnswerPanel, LetterMark } from './AnswerPanel.tsx';
import { PairImage } from './PairImage.tsx';
import { PairVerdict } from './PairVerdict.tsx';
import type { ExplorerData, RunView } from './useExplorerData.ts';

export const PAIR_HEADING_ID = 'explorer-pair-heading';

export function runLabel(view: RunView): string {
  if (view.run) return view.run.label || view.run.modelId;
  return view.id ?? '';
}

/** Nothing to show yet because the run's cases are still being read. */
function isLoading(view: RunView): boolean {
  return view.cases === null || (view.cases.status === 'loading' && view.cases.index.size === 0);
}

function isConfused(pair: ConfusionPair, index: RunCaseIndex | null, method: Method | null): boolean {
  if (method === null) return false;
  return (
    classifyPair(
      pair,
      caseFor(index, pair.id, 1, method)?.answer,
      caseFor(index, pair.id, 2, method)?.answer,
    ) === 'confused'
  );
}

function ImageColumn({ data, pair, slot }: { data: ExplorerData; pair: ConfusionPair; slot: ImageSlot }) {
  const captionId = useId();
  const localId = slot === 1 ? pair.im1Local : pair.im2Local;
  const url = useExplorerStore((s) => s.imageUrls[localId]);
  const stored = useExplorerStore((s) => s.imageIds.has(localId));
  const broken = useExplorerStore((s) => s.brokenImages.has(localId));
  const correct = slot === 1 ? pair.im1Correct : pair.im2Correct;
  const caption = (slot === 1 ? pair.caption1 : pair.caption2).trim();
  const categories = slot === 1 ? pair.category1 : pair.category2;
  const { main, compare, blind, method, methods } = data;
  const blankCase =
    blind.index !== null && (method === 'GD' || method === 'PS')
      ? caseFor(blind.index, pair.id, slot, method)
      : undefined;
  return (
    <section className="explorer-col" aria-label={`Image ${slot}`}>
      <h4 className="explorer-col-head">
        <span>Image {slot}</span>
        <span className="explorer-correct">
          <span className="muted">correct answer</span> <LetterMark letter={correct} />
          <span className="explorer-correct-text">{correct === 'A' ? pair.optionA : pair.optionB}</span>
        </span>
      </h4>
      <PairImage
        slot={slot}
        localId={localId}
        url={url}
        stored={stored}
        broken={broken}
        describedBy={caption ? captionId : undefined}
        caption={caption}
      />
      <CategoryChips
        categories={categories}
        order={data.dataset?.categories ?? []}
        label={`Image ${slot} categories`}
      />
      {caption && stored && !broken && (
        // Captions run to thousands of characters: a scrollable box keeps the answers in view.
        <p className="explorer-caption" id={captionId} tabIndex={0} aria-label={`Caption of image ${slot}`}>
          {caption}
        </p>
      )}
      {main.id !== null && (
        <AnswerPanel
          testId={`explorer-answer-${slot}`}
          runLabel={runLabel(main)}
          method={method}
          methods={methods}
          pair={pair}
          slot={slot}
          index={main.index}
          loading={isLoading(main)}
          confused={isConfused(pair, main.index, method)}
          judgeTestId={`explorer-judge-${slot}`}
          letterRule={main.run?.letterRule ?? 'unknown'}
          letterRuleTestId={`explorer-letter-rule-${slot}`}
        />
      )}
      {blankCase !== undefined && (
        <p
          className="explorer-blank-answer"
          data-testid={`explorer-blank-answer-${slot}`}
          data-answer={blankCase.answer ?? 'invalid'}
        >
          <span className="muted">With a blank image instead (blind baseline):</span>{' '}
          <strong>{blankCase.answer ?? 'invalid'}</strong> {blankCase.answer === correct ? '✓' : '✗'}
          {caseFor(main.index, pair.id, slot, method as Method)?.answer === blankCase.answer
            ? ' · same answer as with the real image'
            : ' · the real image changed the answer'}
        </p>
      )}
      {compare.id !== null && (
        <AnswerPanel
          testId={`explorer-compare-answer-${slot}`}
          runLabel={runLabel(compare)}
          method={method}
          methods={[]}
          pair={pair}
          slot={slot}
          index={compare.index}
          loading={isLoading(compare)}
          confused={isConfused(pair, compare.index, method)}
          letterRule={compare.run?.letterRule ?? 'unknown'}
        />
      )}
    </section>
  );
}

/**
 * Previous/Next and the pair's position; in presentation also Full screen and Leave. Views other
 * than the pair use it for the presentation buttons only (`pairControls` false).
 */
export function PairNav({
  data,
  present,
  pairControls = true,
}: {
  data: ExplorerData;
  present: boolean;
  pairControls?: boolean;
}) {
  const { prev, next, position, list, current } = data;
  const fullscreen = useExplorerStore((s) => s.fullscreen);
  return (
    <nav className="explorer-nav" aria-label={pairControls ? 'Pairs' : 'Presentation'}>
      {pairControls && (
        <>
          <button
            type="button"
            className="button button-secondary"
            data-testid="explorer-prev"
            disabled={prev === null}
            onClick={() => prev && explorerStore.getState().openPair(prev.id)}
            aria-keyshortcuts="ArrowLeft"
          >
            <span aria-hidden="true">←</span> Previous
          </button>
          <p className="explorer-position" data-testid="explorer-position">
            {current && (
              <>
                Pair <strong className="explorer-pair-id">{current.id}</strong>
                {' · '}
                {position >= 0
                  ? `${position + 1} of ${list.length}`
                  : `not among the ${list.length} filtered pairs`}
              </>
            )}
          </p>
          <button
            type="button"
            className="button button-secondary"
            data-testid="explorer-next"
            disabled={next === null}
            onClick={() => next && explorerStore.getState().openPair(next.id)}
            aria-keyshortcuts="ArrowRight"
          >
            Next <span aria-hidden="true">→</span>
          </button>
        </>
      )}
      {present && (
        <span className="explorer-present-actions">
          {!fullscreen && (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => explorerStore.getState().requestFullscreen()}
              aria-keyshortcuts="F"
            >
              Full screen
            </button>
          )}
          <button
            type="button"
            className="button"
            data-testid="explorer-present-toggle"
            aria-pressed="true"
            aria-keyshortcuts="Escape"
            onClick={() => explorerStore.getState().setPresent(false)}
          >
            Leave presentation
          </button>
        </span>
      )}
    </nav>
  );
}

/** What "This model" means, on hover and to a screen reader. */
export const MODEL_SIM_TITLE =
  "Cosine similarity of the two images' mean feature vectors inside the model under test (its vision encoder, after the projector): how alike this model finds them. A property of the model, not a clinical measure.";

/** The model's own similarity of the pair in the similarity line (its global view's too, small). */
function ModelSim({ sim, label, testId }: { sim: PairModelSimilarity; label: string; testId: string }) {
  return (
    <span data-testid={testId} data-similarity={sim.similarity}>
      <abbr title={MODEL_SIM_TITLE}>{label}</abbr> <strong>{formatNumber(sim.similarity)}</strong>
      {sim.globalSimilarity !== null && (
        <small className="explorer-model-sim-global" data-testid={`${testId}-global`}>
          {' '}
          (global view {formatNumber(sim.globalSimilarity)})
        </small>
      )}
    </span>
  );
}

export function PairPanel({ data, present }: { data: ExplorerData; present: boolean }) {
  const pair = data.current;
  if (!pair) {
    return (
      <div className="explorer-empty">
        <p>No pairs match these filters.</p>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => explorerStore.getState().clearFilters()}
        >
          Clear filters
        </button>
      </div>
    );
  }
  const { main, compare, method } = data;
  const mainSim = data.mainSimilarities?.get(pair.id) ?? null;
  const compareSim = compare.id === null ? null : (data.compareSimilarities?.get(pair.id) ?? null);
  return (
    <article
      className="explorer-pair"
      data-testid="explorer-pair"
      data-pair-id={pair.id}
      aria-labelledby={PAIR_HEADING_ID}
    >
      <PairNav data={data} present={present} />
      <header className="explorer-pair-head">
        <h3 id={PAIR_HEADING_ID} className="explorer-question" tabIndex={-1} data-testid="explorer-question">
          {pair.question}
        </h3>
        <ul className="explorer-options" aria-label="Options">
          <li>
            <LetterMark letter="A" /> <span>{pair.optionA}</span>
          </li>
          <li>
            <LetterMark letter="B" /> <span>{pair.optionB}</span>
          </li>
        </ul>
        <p className="explorer-sims">
          <span>
            <abbr title="BiomedCLIP image similarity of the two images">BiomedCLIP</abbr>{' '}
            <strong>{formatNumber(pair.biomedClipSim)}</strong>
          </span>
          <span>
            <abbr title="DINOv2 image similarity of the two images">DINOv2</abbr>{' '}
            <strong>{formatNumber(pair.dinoSim)}</strong>
          </span>
          {mainSim && <ModelSim sim={mainSim} label="This model" testId="explorer-model-sim" />}
          {compareSim && (
            <ModelSim sim={compareSim} label="Compared model" testId="explorer-compare-model-sim" />
          )}
        </p>
        {present && mainSim && (
          // The slide hides the similarity line; the model's own view of the pair is said in words.
          <p
            className="explorer-model-sim-words"
            data-testid="explorer-model-sim-words"
            title={MODEL_SIM_TITLE}
          >
            {similarityInWords(mainSim.similarity)}
          </p>
        )}
      </header>
      <div className="explorer-images">
        <ImageColumn data={data} pair={pair} slot={1} />
        <ImageColumn data={data} pair={pair} slot={2} />
      </div>
      <div className="explorer-verdicts">
        {main.id === null ? (
          <p className="muted">Choose a run to see the model&rsquo;s answers for this pair.</p>
        ) : (
          <PairVerdict
            runLabel={runLabel(main)}
            pair={pair}
            method={method}
            index={main.index}
            badgeTestId="explorer-confused-badge"
          />
        )}
        {compare.id !== null && (
          <PairVerdict
            runLabel={runLabel(compare)}
            pair={pair}
            method={method}
            index={compare.index}
            badgeTestId="explorer-compare-confused-badge"
          />
        )}
      </div>
    </article>
  );
}
