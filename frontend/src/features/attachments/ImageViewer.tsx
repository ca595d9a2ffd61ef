import { useEffect, useRef } from 'react';
import type { Attachment } from '../../api/types';

/** The full-size image over the page: a modal dialog, closed by Escape, its button or a click
 *  outside the image; focus returns to what opened it. */
export function ImageViewer({ attachment, onClose }: { attachment: Attachment; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const node = dialog.current;
    if (!node) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (node.open) return;
    // Without showModal (old browsers, jsdom) it is still shown, if not modal.
    if (typeof node.showModal === 'function') node.showModal();
    else node.setAttribute('open', '');
    return () => {
      if (node.open && typeof node.close === 'function') node.close();
      opener?.focus();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      className="image-viewer"
      aria-label={attachment.filename}
      data-testid="image-viewer"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div className="image-viewer__bar">
        <span className="image-viewer__name">{attachment.filename}</span>
        <a className="link-button" href={attachment.url} download={attachment.filename}>
          Download
        </a>
        <button type="button" className="button" onClick={onClose} autoFocus>
          Close
        </button>
      </div>
      <img
        className="image-viewer__image"
        src={attachment.url}
        alt={attachment.filename}
        width={attachment.width ?? undefined}
        height={attachment.height ?? undefined}
      />
    </dialog>
  );
}
