// The run's plan: which cases are still to compute (pairs whose two images are present, minus the
// cases already stored), grouped by the image they show, in the order the engine runs them. Each
// image is loaded, preprocessed and prefilled once for all its cases; the blind baseline shows
// every case one blank image, so its plan is a single group.
import { METHODS, type ConfusionPair, type ImageSlot, type Method } from '../types.ts';
import type { RunIdentity } from './identity.ts';
import { caseKeyOf } from './records.ts';
import type { CaseRequest } from './vocabulary.ts';

/** The local id the blind baseline's one blank image goes by. */
export const BLANK_IMAGE_ID = 'blank';

/** One (pair, slot) shown an image, with the methods still to run on it (in METHODS order). */
export interface ImageCase {
  pairId: string;
  slot: ImageSlot;
  methods: Method[];
}

/** One image's worth of work. */
export interface ImageGroup {
  /** The image's local id (`im_1_local` / `im_2_local`), or BLANK_IMAGE_ID. */
  localId: string;
  cases: ImageCase[];
}

export interface RunPlan {
  /** Cases still to compute, by image, in the engine's order. */
  images: ImageGroup[];
  /** Cases still to compute. */
  pending: number;
  /** All cases of the pairs that can run (stored and pending). */
  total: number;
  /** Cases of those pairs already stored. */
  alreadyDone: number;
  runnablePairs: ConfusionPair[];
  /** Pairs lacking an image: not run, and listed as such. */
  notRunPairs: { pairId: string; missing: string[] }[];
}

export interface RunPlanInput {
  identity: Pick<RunIdentity, 'runId' | 'methods' | 'promptHashes' | 'imageCondition'>;
  pairs: readonly ConfusionPair[];
  /** Images the user has (ignored for the blind baseline, which needs none). */
  presentImageIds: ReadonlySet<string>;
  /** Keys of the cases already stored for this run (records.caseKey). */
  storedKeys: ReadonlySet<string>;
}

export function localIdOf(pair: ConfusionPair, slot: ImageSlot): string {
  return slot === 1 ? pair.im1Local : pair.im2Local;
}

export function planRun(input: RunPlanInput): RunPlan {
  const { identity } = input;
  const methods = METHODS.filter((m) => identity.methods.includes(m));
  const blank = identity.imageCondition === 'blank';
  const groups = new Map<string, ImageGroup>();
  const runnablePairs: ConfusionPair[] = [];
  const notRunPairs: RunPlan['notRunPairs'] = [];
  let total = 0;
  let alreadyDone = 0;
  let pending = 0;
  for (const pair of input.pairs) {
    const missing = blank
      ? []
      : [pair.im1Local, pair.im2Local].filter(
          (id, i, all) => !input.presentImageIds.has(id) && all.indexOf(id) === i,
        );
    if (missing.length > 0) {
      notRunPairs.push({ pairId: pair.id, missing });
      continue;
    }
    runnablePairs.push(pair);
    for (const slot of [1, 2] as ImageSlot[]) {
      const todo: Method[] = [];
      for (const method of methods) {
        total++;
        const key = caseKeyOf(identity.runId, identity.promptHashes, { method, pairId: pair.id, slot });
        if (input.storedKeys.has(key)) alreadyDone++;
        else todo.push(method);
      }
      if (todo.length === 0) continue;
      pending += todo.length;
      const localId = blank ? BLANK_IMAGE_ID : localIdOf(pair, slot);
      let group = groups.get(localId);
      if (!group) groups.set(localId, (group = { localId, cases: [] }));
      group.cases.push({ pairId: pair.id, slot, methods: todo });
    }
  }
  return { images: [...groups.values()], pending, total, alreadyDone, runnablePairs, notRunPairs };
}

/** The plan's cases one by one, in the order the engine computes them. */
export function plannedCases(images: readonly ImageGroup[]): CaseRequest[] {
  return images.flatMap((g) =>
    g.cases.flatMap((c) => c.methods.map((method) => ({ pairId: c.pairId, slot: c.slot, method }))),
  );
}

/** Cases listed one by one, grouped by the image they show (first appearance first): a plan without resume. */
export function imageGroupsOf(
  requests: readonly CaseRequest[],
  pairs: ReadonlyMap<string, ConfusionPair>,
): ImageGroup[] {
  const groups = new Map<string, ImageGroup>();
  for (const r of requests) {
    const pair = pairs.get(r.pairId);
    if (!pair) throw new Error(`Unknown pair ${r.pairId}`);
    const localId = localIdOf(pair, r.slot);
    let group = groups.get(localId);
    if (!group) groups.set(localId, (group = { localId, cases: [] }));
    let entry = group.cases.find((c) => c.pairId === r.pairId && c.slot === r.slot);
    if (!entry) group.cases.push((entry = { pairId: r.pairId, slot: r.slot, methods: [] }));
    if (!entry.methods.includes(r.method)) entry.methods.push(r.method);
  }
  return [...groups.values()];
}
