import { useId, useRef, type ChangeEvent } from 'react';
import { formatBytes } from './limits';
import type { UploadItem } from './useUploads';
import './attachments.css';

/** The paper-clip button: opens the file chooser (several files at once). */
export function AttachButton({ onFiles, disabled }: { onFiles: (files: File[]) => void; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const id = useId();
  const onChange = (event: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(event.target.files ?? []);
    // Cleared, so choosing the same file again fires another change.
    event.target.value = '';
    if (files.length > 0) onFiles(files);
  };
  return (
    <>
      <input
        ref={input}
        id={id}
        type="file"
        multiple
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="attach-input"
        onChange={onChange}
      />
      <button
        type="button"
        className="button attach-button"
        aria-label="Attach files"
        title="Attach files (or drop them here, or paste an image)"
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
          <path
            d="M10.5 4.5 5.6 9.4a1.5 1.5 0 0 0 2.1 2.1l5-5a3 3 0 0 0-4.2-4.2l-5.1 5.1a4.5 4.5 0 0 0 6.4 6.4L13.5 10"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.4"
            strokeLinecap="round"
          />
        </svg>
      </button>
    </>
  );
}

/** The files of the next message: progress while uploading (with cancel), then remove; why one
 *  failed, announced. */
export function AttachmentTray({ items, onRemove }: { items: UploadItem[]; onRemove: (key: string) => void }) {
  if (items.length === 0) return null;
  return (
    <ul className="attachment-tray" aria-label="Files to send">
      {items.map((item) => (
        <li
          key={item.key}
          className={`attachment-tray__item attachment-tray__item--${item.status}`}
          data-testid="upload"
          data-status={item.status}
        >
          {item.previewUrl ? (
            <img className="attachment-tray__preview" src={item.previewUrl} alt="" />
          ) : (
            <FileIcon />
          )}
          <div className="attachment-tray__body">
            <span className="attachment-tray__name" title={item.name}>
              {item.name}
            </span>
            <span className="attachment-tray__size">{formatBytes(item.size)}</span>
            {item.status === 'uploading' && (
              <progress
                className="attachment-tray__progress"
                max={1}
                value={item.progress}
                aria-label={`Uploading ${item.name}`}
              />
            )}
            {item.status === 'failed' && (
              <span className="attachment-tray__error" role="alert" data-testid="upload-error">
                {item.error}
              </span>
            )}
          </div>
          <button
            type="button"
            className="link-button attachment-tray__remove"
            aria-label={item.status === 'uploading' ? `Cancel uploading ${item.name}` : `Remove ${item.name}`}
            onClick={() => onRemove(item.key)}
          >
            {item.status === 'uploading' ? 'Cancel' : 'Remove'}
          </button>
        </li>
      ))}
    </ul>
  );
}

export function FileIcon() {
  return (
    <svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" className="file-icon">
      <path d="M6 2.5h8l4.5 4.5v14.5H6z" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
      <path d="M14 2.5V7h4.5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
    </svg>
  );
}
