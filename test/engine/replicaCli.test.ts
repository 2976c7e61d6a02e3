// `npm run eval -- --model <replica folder>` for every replica of a real hub export: the command
// line loads the folder as its family, scores GD, PS and MC on ten pairs and records in its run
// card which scoring mode ran (and why, where the family cannot reuse the image prefix).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPLICAS } from '../../scripts/fixtures/replicas/index.ts';
import { IMAGES_DIR } from '../support/fixtures.ts';
import { replicaDir } from '../support/replicaSuite.ts';

const run = promisify(execFile);
const temps: string[] = [];

afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

describe.each(REPLICAS.map((r) => [r.name, r] as const))('npm run eval on %s', (name, replica) => {
  it('scores ten pairs with GD, PS and MC as its family', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), `eval-${name}-`));
    temps.push(dir);
    const out = path.join(dir, 'out.json');
    const args = ['tsx', 'scripts/eval.ts', '--model', replicaDir(name), '--images', IMAGES_DIR];
    args.push('--methods', 'gd,ps,mc', '--pairs', '10', '--out', out, '--quiet');
    const { stdout } = await run('npx', args, { maxBuffer: 1 << 24 });
    expect(stdout).toContain('60/60 cases');
    const result = JSON.parse(await readFile(out, 'utf8'));
    expect(result.runCard.model.family).toBe(replica.family);
    expect(result.records).toHaveLength(60);
    expect(result.runCard.scoring.modeRequested).toBe('cached');
    if (result.runCard.scoring.modeUsed !== 'cached') expect(result.runCard.scoring.modeReason).toBeTruthy();
  });
});
