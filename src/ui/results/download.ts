// Saving a file the results store produced: the browser's download, via a temporary object URL.
// Kept out of the store so the store stays testable in Node, where there is nothing to click.
import type { ExportedFile } from '../../state/resultsStore.ts';

export function saveFile({ blob, fileName }: ExportedFile): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
