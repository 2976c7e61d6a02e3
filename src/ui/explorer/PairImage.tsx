// One image of a pair in a frame of fixed size, so switching pairs repaints the frame without moving
// anything around it. Without a stored image the frame shows the image's caption instead, says the
// image is missing and links to the Run tab's import.
import { memo } from 'react';
import { RUN_TAB_HREF } from './ImagesNotice.tsx';

export type ImageState = 'loaded' | 'loading' | 'missing' | 'broken';

interface Props {
  slot: 1 | 2;
  localId: string;
  url: string | undefined;
  stored: boolean;
  broken: boolean;
  /** Id of the caption that describes the image. */
  describedBy?: string;
  /** Shown in the frame when there is no image to show. */
  caption: string;
}

export const PairImage = memo(function PairImage({
  slot,
  localId,
  url,
  stored,
  broken,
  describedBy,
  caption,
}: Props) {
  const state: ImageState = broken ? 'broken' : url ? 'loaded' : stored ? 'loading' : 'missing';
  return (
    <div
      className={`explorer-frame explorer-frame-${state}`}
      data-testid={`explorer-image-${slot}`}
      data-state={state}
      data-local-id={localId}
    >
      {url && !broken ? (
        <img src={url} alt={`Image ${slot} of the pair (image ${localId})`} aria-describedby={describedBy} />
      ) : state === 'loading' ? (
        <p className="explorer-frame-note">Loading image {localId}…</p>
      ) : (
        <div className="explorer-frame-note">
          <p className="explorer-frame-title">
            {state === 'broken'
              ? `The stored file for image ${localId} cannot be shown.`
              : `Image ${localId} is not loaded in this browser.`}{' '}
            <a href={RUN_TAB_HREF}>Load images in the Run tab</a>
          </p>
          {caption && (
            <p className="explorer-frame-caption" tabIndex={0} aria-label={`Caption of image ${slot}`}>
              {caption}
            </p>
          )}
        </div>
      )}
    </div>
  );
});
