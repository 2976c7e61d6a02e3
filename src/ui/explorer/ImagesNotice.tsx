// How many of the dataset's images are stored, and where to load them: a prominent notice when
// none are (the Explorer still shows text, captions and outcomes), a short note when some are.
import { useMemo } from 'react';
import type { Dataset } from '../../core/types.ts';
import { plural } from '../../core/results/explorerModel.ts';
import { useExplorerStore } from '../../state/explorerStore.ts';

/** Where the Run tab imports images (section 2). */
export const RUN_TAB_HREF = '#run';

function useCoverage(dataset: Dataset | null): { required: number; present: number; known: boolean } {
  const imageIds = useExplorerStore((s) => s.imageIds);
  const status = useExplorerStore((s) => s.imagesStatus);
  return useMemo(() => {
    const ids = new Set<string>();
    for (const p of dataset?.pairs ?? []) {
      ids.add(p.im1Local);
      ids.add(p.im2Local);
    }
    let present = 0;
    for (const id of ids) if (imageIds.has(id)) present++;
    return { required: ids.size, present, known: status === 'ready' };
  }, [dataset, imageIds, status]);
}

export function NoImagesNotice({ dataset }: { dataset: Dataset | null }) {
  const { required, present, known } = useCoverage(dataset);
  if (!known || required === 0 || present > 0) return null;
  return (
    <div className="notice explorer-notice" data-testid="explorer-no-images">
      <p>
        <strong>No images are loaded yet.</strong> The questions, captions and the model&rsquo;s answers are
        all here; the images are not bundled with the app (their licences vary).{' '}
        <a href={RUN_TAB_HREF}>Load the images in the Run tab</a> (section 2, Images), then come back.
      </p>
    </div>
  );
}

export function SomeImagesNote({ dataset }: { dataset: Dataset | null }) {
  const { required, present, known } = useCoverage(dataset);
  if (!known || present === 0 || present === required) return null;
  return (
    <p className="explorer-some-images muted" data-testid="explorer-some-images">
      {present}/{plural(required, 'image')} loaded · <a href={RUN_TAB_HREF}>load the others</a>
    </p>
  );
}
