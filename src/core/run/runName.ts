// What a run is called wherever it is listed: the user's own short name, or by default its model,
// dtype, device, methods and start date ("tiny-smolvlm · fp32 · wasm · GD+PS · 2026-12-02 04:22"),
// plus the settings that make its numbers not the paper's (single view, a GD letter rule other than
// the official one), so two runs of one model are told apart at a glance. Pure functions over the
// stored record.
import { DEFAULT_LETTER_RULE, LETTER_RULE_SPECS } from './letterRules.ts';
import type { RunRecord } from './records.ts';

/** Longest name a user may give a run. */
export const MAX_RUN_NAME = 80;

type Named = Pick<RunRecord, 'model' | 'dtype' | 'device' | 'methods' | 'createdAt' | 'imageCondition'> &
  Partial<Pick<RunRecord, 'letterRule' | 'runCard'>> & {
    name?: string;
  };

/** " · single view" / " · GD letters as written" where the run used them. */
function settingsSuffix(run: Named): string {
  const pre = run.runCard?.preprocessing;
  const single =
    pre && typeof pre === 'object' && (pre as { choice?: unknown }).choice === 'single-view'
      ? ' · single view'
      : '';
  const rule = run.letterRule;
  const letters =
    rule && rule !== DEFAULT_LETTER_RULE && run.methods.includes('GD')
      ? ` · GD letters ${LETTER_RULE_SPECS[rule].label}`
      : '';
  return `${single}${letters}`;
}

/** "2026-12-02 04:22" in the browser's time zone. */
export function shortDate(ms: number): string {
  if (!Number.isFinite(ms)) return 'undated';
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** The name a run has until the user gives it one. */
export function defaultRunName(run: Named): string {
  const model = run.model.modelId.split(/[\\/]/).filter(Boolean).pop() ?? run.model.modelId;
  const dtype = run.dtype.includes('=') ? 'mixed dtypes' : run.dtype;
  const methods = run.methods.length > 0 ? run.methods.join('+') : 'no method';
  const blank = run.imageCondition === 'blank' ? ' · blank image' : '';
  return `${model} · ${dtype} · ${run.device} · ${methods}${blank}${settingsSuffix(run)} · ${shortDate(run.createdAt)}`;
}

/** The run's name as shown: the user's, else the default. */
export function runName(run: Named): string {
  const own = run.name?.trim();
  return own ? own : defaultRunName(run);
}

/** A name as the user typed it, tidied and limited; '' means "back to the default". */
export function cleanRunName(name: string): string {
  return name.replace(/\s+/g, ' ').trim().slice(0, MAX_RUN_NAME);
}
