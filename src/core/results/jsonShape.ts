// Shape checks shared by the results modules when they read JSON they did not write (imported files,
// run card provenance): plain objects, methods, string maps, and a short description of a bad value.
import { METHODS, type Method } from '../types.ts';

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function describe(x: unknown): string {
  if (x === undefined) return 'nothing';
  const text = JSON.stringify(x);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

export function isMethod(x: unknown): x is Method {
  return typeof x === 'string' && (METHODS as readonly string[]).includes(x);
}

/** The string-valued entries of an object (others dropped); {} for anything else. */
export function stringRecord(x: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(x)) return out;
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}
