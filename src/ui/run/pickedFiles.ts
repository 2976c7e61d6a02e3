// Turning what the browser hands over (a folder input's FileList, a drag-and-drop) into files with
// their paths inside the chosen folder. DOM-only: the stores decide what the files mean.
import type { PickedFile } from '../../state/modelStore.ts';

/** Files of an <input type=file webkitdirectory> (paths from webkitRelativePath) or a multi-file input. */
export function filesFromInput(list: FileList | null): PickedFile[] {
  return Array.from(list ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

function readFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    out.push({ file: await readFile(entry as FileSystemFileEntry), path: prefix + entry.name });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns at most ~100 entries per call; an empty batch means the end.
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
      for (const child of batch) await walk(child, `${prefix}${entry.name}/`, out);
    }
  }
}

/** Every file of a drop, folders walked recursively, paths starting with the dropped folder's name. */
export function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  // Entries must be taken synchronously: the DataTransfer is emptied once the drop handler returns.
  const entries = Array.from(data.items, (item) => item.webkitGetAsEntry?.() ?? null).filter(
    (e): e is FileSystemEntry => e !== null,
  );
  if (entries.length === 0) return Promise.resolve(filesFromInput(data.files));
  return (async () => {
    const out: PickedFile[] = [];
    for (const entry of entries) await walk(entry, '', out);
    return out;
  })();
}
