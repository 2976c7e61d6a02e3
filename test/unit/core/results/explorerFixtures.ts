// Crafted results shared by the Explorer tests: GD, PS and MC cases, five pairs, and an index of a run
// with one pair of each outcome (both right, confused, swapped, an image missing, not run).
import type { Answer, CaseRecord, ConfusionPair, ImageSlot } from '../../../../src/core/types.ts';
import { indexRunCases } from '../../../../src/core/results/explorerModel.ts';
import { makePair } from '../fixtures.ts';

export function gd(pairId: string, slot: ImageSlot, pA: number): CaseRecord {
  return {
    pairId,
    slot,
    method: 'GD',
    answer: pA >= 0.5 ? 'A' : 'B',
    probabilities: { A: pA, B: 1 - pA },
  };
}

export function ps(pairId: string, slot: ImageSlot, sA: number, sB: number): CaseRecord {
  return { pairId, slot, method: 'PS', answer: sA > sB ? 'A' : 'B', prefixScores: { A: sA, B: sB } };
}

export function mc(pairId: string, slot: ImageSlot, answer: Answer, text = String(answer)): CaseRecord {
  return { pairId, slot, method: 'MC', answer, generatedText: text };
}

// Pair 1: image 1 → A, image 2 → B (makePair), and so on.
export const p1 = makePair('1', 'A', ['Cerebral'], ['Cerebral'], { biomedClipSim: 0.95, dinoSim: 0.5 });
export const p2 = makePair('2', 'B', ['Cardiac'], ['Vascular'], { question: 'Which chamber is enlarged?' });
export const p3 = makePair('3', 'A', ['Spinal'], ['Spinal'], { biomedClipSim: 0.91, dinoSim: 0.7 });
export const p4 = makePair('4', 'A', ['Cerebral'], ['Vascular']);
export const p5 = makePair('5', 'B', ['Cardiac'], ['Cardiac']);
export const pairs: ConfusionPair[] = [p1, p2, p3, p4, p5];

/** GD answers: 1 both right, 2 confused (B,B), 3 swapped (B,A), 4 image 2 missing, 5 not run. */
const gdCases: CaseRecord[] = [
  gd('1', 1, 0.9),
  gd('1', 2, 0.2),
  gd('2', 1, 0.3),
  gd('2', 2, 0.4),
  gd('3', 1, 0.2),
  gd('3', 2, 0.7),
  gd('4', 1, 0.8),
];
/** MC answers: 1 invalid + right, 2 both invalid, 3 both right. */
const mcCases: CaseRecord[] = [
  mc('1', 1, null, 'I am not sure'),
  mc('1', 2, 'B'),
  mc('2', 1, null, ''),
  mc('2', 2, null, 'A or B'),
  mc('3', 1, 'A'),
  mc('3', 2, 'B'),
];
export const index = indexRunCases(null, [...gdCases, ...mcCases]);
