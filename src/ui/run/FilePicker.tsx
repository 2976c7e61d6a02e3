// A file or folder picker: the real <input type=file> stays focusable but hidden, its label is the
// visible button (the same pattern as the dataset bar), and a drop zone accepts dragged folders.
import { useState, type ChangeEvent, type DragEvent, type ReactNode } from 'react';
import type { PickedFile } from '../../state/modelStore.ts';
import { filesFromDrop, filesFromInput } from './pickedFiles.ts';

interface FilePickerButtonProps {
  id: string;
  testId: string;
  label: string;
  /** Pick a whole folder (webkitdirectory) instead of files. */
  directory?: boolean;
  accept?: string;
  disabled?: boolean;
  secondary?: boolean;
  onFiles(files: PickedFile[]): void;
}

// `webkitdirectory` is not in React's input typings; React passes the attribute through as is.
const DIRECTORY_ATTRIBUTES = { webkitdirectory: '', directory: '' } as Record<string, string>;

export function FilePickerButton(props: FilePickerButtonProps) {
  function onChange(e: ChangeEvent<HTMLInputElement>) {
    const files = filesFromInput(e.target.files);
    // Reset so picking the same folder again still fires a change.
    e.target.value = '';
    if (files.length > 0) props.onFiles(files);
  }
  return (
    <span className="file-picker">
      <input
        id={props.id}
        data-testid={props.testId}
        type="file"
        className="visually-hidden file-input"
        multiple
        {...(props.directory ? DIRECTORY_ATTRIBUTES : {})}
        {...(props.accept ? { accept: props.accept } : {})}
        disabled={props.disabled}
        onChange={onChange}
      />
      <label
        htmlFor={props.id}
        className={props.secondary ? 'button button-secondary' : 'button'}
        aria-disabled={props.disabled || undefined}
      >
        {props.label}
      </label>
    </span>
  );
}

interface DropZoneProps {
  /** Shown under the children; none when the surrounding text already says it. */
  label?: string;
  /** Class of the zone itself (default: a dashed box). */
  className?: string;
  disabled?: boolean;
  onFiles(files: PickedFile[]): void;
  children?: ReactNode;
}

/** A drop target for folders and files; the buttons inside it keep it usable without a mouse. */
export function DropZone({ label, className = 'drop-zone', disabled, onFiles, children }: DropZoneProps) {
  const [over, setOver] = useState(false);
  function onDragOver(e: DragEvent<HTMLDivElement>) {
    if (disabled) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  }
  function onDrop(e: DragEvent<HTMLDivElement>) {
    e.preventDefault();
    setOver(false);
    if (disabled) return;
    void filesFromDrop(e.dataTransfer).then((files) => {
      if (files.length > 0) onFiles(files);
    });
  }
  return (
    <div
      className={over ? `${className} drop-zone-over` : className}
      onDragOver={onDragOver}
      onDragEnter={onDragOver}
      onDragLeave={(e) => {
        // Moving onto a child also fires dragleave; only leaving the zone itself counts.
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={onDrop}
    >
      {children}
      {label !== undefined && <p className="drop-zone-label">{label}</p>}
    </div>
  );
}
