// Vitest globalSetup: makes sure the generated test fixtures (tiny SmolVLM model folders and
// synthetic images under .fixtures/) exist and are up to date before any engine/browser test runs.
import { ensureFixtures } from '../../scripts/make-fixtures.ts';

export default async function setup(): Promise<void> {
  await ensureFixtures('.fixtures');
}
