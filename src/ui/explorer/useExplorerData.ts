// What every Explorer view derives from the stores: the chosen runs and their cases, the method in
// use, the filtered pairs, the current pair and its neighbours, and the model's own similarity of
// each pair's images (for runs that kept their image embeddings). Memoised per input, so moving to
// another pair recomputes only the pair-dependent parts.
import { useMemo } from 'react';
import type { ConfusionPair, Dataset, Method } from '../../core/types.ts';
import { useDatasetStore } from '../../state/datasetStore.ts';
import {
  availableMethods,
  filterExplorerPairs,
  neighbourPair,
  pairAnswersOfIndex,
  resolveCurrentPair,
  resolveMethod,
  type ExplorerFilter,
  type RunCaseIndex,
} from '../../core/results/explorerModel.ts';
import type { ExplorerUrlState } from '../../core/results/explorerUrl.ts';
import {
  pairModelSimilarities,
  similarityConfusion,
  type PairModelSimilarity,
  type SimilarityConfusion,
} from '../../core/results/modelSimilarity.ts';
import { useExplorerStore, type ExplorerRun, type RunCases } from '../../state/explorerStore.ts';

export interface RunView {
  run: ExplorerRun | null;
  /** The run id the URL names (it may not be stored in this browser). */
  id: string | null;
  cases: RunCases | null;
  index: RunCaseIndex | null;
}

export interface ExplorerData {
  dataset: Dataset | null;
  url: ExplorerUrlState;
  main: RunView;
  compare: RunView;
  /** The main run's blank-image sibling (blind baseline), when one is stored. */
  blind: RunView;
  /** Runs that answer the loaded dataset (selectable), newest first. */
  comparableRuns: ExplorerRun[];
  otherRuns: ExplorerRun[];
  /** Methods of the main run, in METHODS order. */
  methods: Method[];
  method: Method | null;
  filter: ExplorerFilter;
  filtered: boolean;
  list: ConfusionPair[];
  current: ConfusionPair | null;
  /** 0-based position of the current pair in the list; -1 when the filters hide it. */
  position: number;
  prev: ConfusionPair | null;
  next: ConfusionPair | null;
  /** The main run's own similarity of each pair's two images; null when it kept no embeddings. */
  mainSimilarities: ReadonlyMap<string, PairModelSimilarity> | null;
  compareSimilarities: ReadonlyMap<string, PairModelSimilarity> | null;
  /** The main run's similarity against its answers under the method in use; null without either. */
  modelConfusion: SimilarityConfusion | null;
}

/** Null when the run kept no embedding for both images of any pair (older, imported, blind runs). */
function similaritiesOf(
  pairs: readonly ConfusionPair[],
  embeddings: RunCases['embeddings'] | undefined,
): ReadonlyMap<string, PairModelSimilarity> | null {
  if (!embeddings || embeddings.size === 0) return null;
  const sims = pairModelSimilarities(pairs, embeddings);
  return sims.size > 0 ? sims : null;
}

function runView(
  runs: readonly ExplorerRun[],
  runCases: Readonly<Record<string, RunCases>>,
  id: string | null,
) {
  const cases = id === null ? null : (runCases[id] ?? null);
  return {
    run: runs.find((r) => r.id === id) ?? null,
    id,
    cases,
    index: cases?.index ?? null,
  };
}

export function useExplorerData(): ExplorerData {
  const dataset = useDatasetStore((s) => s.dataset);
  const url = useExplorerStore((s) => s.url);
  const runs = useExplorerStore((s) => s.runs);
  const runCases = useExplorerStore((s) => s.runCases);

  const main = useMemo(() => runView(runs, runCases, url.run), [runs, runCases, url.run]);
  const compare = useMemo(() => runView(runs, runCases, url.compare), [runs, runCases, url.compare]);
  const blindId = useMemo(
    () => (url.run === null ? null : (runs.find((r) => r.blindOf === url.run)?.id ?? null)),
    [runs, url.run],
  );
  const blind = useMemo(() => runView(runs, runCases, blindId), [runs, runCases, blindId]);
  const { comparableRuns, otherRuns } = useMemo(() => {
    const comparable = runs.filter((r) => dataset === null || r.datasetHash === dataset.hash);
    return { comparableRuns: comparable, otherRuns: runs.filter((r) => !comparable.includes(r)) };
  }, [runs, dataset]);

  // The method list is the main run's: the compared run is shown under the same method.
  const methods = useMemo(() => availableMethods(main.run?.methods ?? [], main.index), [main]);
  const method = url.run === null ? null : resolveMethod(url.method, methods);

  const category = dataset?.categories.includes(url.category) ? url.category : '';
  const filter = useMemo<ExplorerFilter>(
    () => ({ category, outcome: url.outcome, query: url.query, flipped: url.flipped }),
    [category, url.outcome, url.query, url.flipped],
  );
  const pairs = useMemo(() => dataset?.pairs ?? [], [dataset]);
  const list = useMemo(
    () => filterExplorerPairs(pairs, filter, main.index, method, compare.index),
    [pairs, filter, main.index, method, compare.index],
  );
  const current = useMemo(() => resolveCurrentPair(pairs, list, url.pair), [pairs, list, url.pair]);
  // Keyed on the embeddings, not the run view: other runs' cases loading do not redo the cosines.
  const mainEmbeddings = main.cases?.embeddings;
  const compareEmbeddings = compare.cases?.embeddings;
  const mainSimilarities = useMemo(() => similaritiesOf(pairs, mainEmbeddings), [pairs, mainEmbeddings]);
  const compareSimilarities = useMemo(
    () => similaritiesOf(pairs, compareEmbeddings),
    [pairs, compareEmbeddings],
  );
  const mainIndex = main.index;
  const modelConfusion = useMemo(
    () =>
      mainSimilarities === null || method === null
        ? null
        : similarityConfusion(pairs, mainSimilarities, pairAnswersOfIndex(mainIndex, method)),
    [pairs, mainSimilarities, mainIndex, method],
  );
  const position = current ? list.indexOf(current) : -1;
  const prev = useMemo(() => neighbourPair(pairs, list, current?.id ?? null, -1), [pairs, list, current]);
  const next = useMemo(() => neighbourPair(pairs, list, current?.id ?? null, 1), [pairs, list, current]);

  return {
    dataset,
    url,
    main,
    compare,
    blind,
    comparableRuns,
    otherRuns,
    methods,
    method,
    filter,
    filtered:
      filter.category !== '' ||
      filter.query.trim() !== '' ||
      (method !== null && (filter.outcome !== '' || (filter.flipped === true && compare.index !== null))),
    list,
    current,
    position,
    prev,
    next,
    mainSimilarities,
    compareSimilarities,
    modelConfusion,
  };
}
