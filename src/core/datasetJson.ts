// The JSON reader of a MediConfusion dataset (the official dataset.json: an object keyed by pair
// id): its pairs in file order, repeated ids refused, and where a malformed text first goes wrong
// (locateJsonError, since engines do not always say). Each pair is validated by datasetFields.ts.

import { DatasetError, describe, normalisePair } from './datasetFields.ts';
import type { ConfusionPair } from './types.ts';

/** Finds where a JSON text first goes wrong; engines do not always say (V8 often omits it). */
export function locateJsonError(text: string): { position: number; line: number; column: number } {
  let i = 0;
  const n = text.length;
  // Erasable TypeScript only (no parameter properties), so Node's type stripping can run this.
  class Stop {
    readonly at: number;
    constructor(at: number) {
      this.at = at;
    }
  }
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const literal = (word: string) => {
    for (let k = 0; k < word.length; k++) {
      if (text[i] !== word[k]) throw new Stop(i);
      i++;
    }
  };
  const digits = () => {
    const start = i;
    while (i < n && (text[i] as string) >= '0' && (text[i] as string) <= '9') i++;
    if (i === start) throw new Stop(i);
  };
  const string = () => {
    i++; // opening quote
    while (true) {
      if (i >= n) throw new Stop(i);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new Stop(i);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) throw new Stop(i + k);
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          throw new Stop(i + 1);
        }
      } else {
        i++;
      }
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      while (true) {
        ws();
        if (text[i] !== '"') throw new Stop(i);
        string();
        ws();
        if (text[i] !== ':') throw new Stop(i);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        throw new Stop(i);
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      while (true) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        throw new Stop(i);
      }
    } else if (c === '"') {
      string();
    } else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      if (text[i] === '-') i++;
      if (text[i] === '0') i++;
      else digits();
      if (text[i] === '.') {
        i++;
        digits();
      }
      if (text[i] === 'e' || text[i] === 'E') {
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        digits();
      }
    } else throw new Stop(i);
  };
  let position = n;
  try {
    value();
    ws();
    position = i < n ? i : n;
  } catch (e) {
    if (e instanceof Stop) position = e.at;
    else position = 0; // e.g. nesting too deep for the recursion: fall back to the start
  }
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < position && k < n; k++) {
    if (text[k] === '\n') {
      line++;
      lineStart = k + 1;
    }
  }
  return { position, line, column: position - lineStart + 1 };
}

/** The top-level keys of a JSON object text, in order and with repeats (JSON.parse drops repeats). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let i = 0;
  let depth = 0;
  let expectKey = false;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(start, i)) as string);
        expectKey = false;
      }
      continue;
    }
    if (c === '{' || c === '[') {
      depth++;
      if (depth === 1 && c === '{') expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
    i++;
  }
  return keys;
}

/**
 * The validated pairs of a dataset in the official dataset.json shape (object keyed by pair id, in
 * file order); a list of pairs with `id` also works.
 */
export function readJsonPairs(input: string): ConfusionPair[] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const where = locateJsonError(text);
    const detail = e instanceof Error ? e.message : String(e);
    throw new DatasetError(
      `not valid JSON: ${detail} (at position ${where.position}, line ${where.line} column ${where.column})`,
    );
  }
  const pairs: ConfusionPair[] = [];
  const seen = new Set<string>();
  const claim = (id: string) => {
    if (seen.has(id)) throw new DatasetError('duplicate pair id', { pairId: id });
    seen.add(id);
  };
  if (Array.isArray(data)) {
    data.forEach((raw, index) => {
      const rawId = (raw as Record<string, unknown> | null)?.id;
      const id = typeof rawId === 'number' ? String(rawId) : rawId;
      if (typeof id !== 'string' || id.trim() === '') {
        throw new DatasetError(`entry ${index} has no "id"`, { field: 'id' });
      }
      claim(id);
      pairs.push(normalisePair(id, raw));
    });
  } else if (typeof data === 'object' && data !== null) {
    // Keys in file order (Object.entries would reorder numeric-looking ids).
    for (const id of topLevelKeys(text)) {
      claim(id);
      if (id.trim() === '') throw new DatasetError('pair id must not be empty', { field: 'id' });
      pairs.push(normalisePair(id, (data as Record<string, unknown>)[id]));
    }
  } else {
    throw new DatasetError(`dataset must be a JSON object keyed by pair id (got ${describe(data)})`);
  }
  return pairs;
}
