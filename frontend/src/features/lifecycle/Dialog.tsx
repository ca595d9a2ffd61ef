/**
 * A modal dialog on the native `<dialog>` (focus kept inside, the page behind inert, Escape
 * closes), rendered into `document.body` so a windowed row never clips or measures it. The
 * caller owns `open` and says where focus goes back to (`returnFocus`: the control that opened
 * it, which may have been re-rendered meanwhile).
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

export interface DialogProps {
  open: boolean;
  title: string;
  /** Escape, the close button, or the caller's own buttons. */
  onClose: () => void;
  children: ReactNode;
  /** A sentence under the title, read as the dialog's description. */
  description?: string;
  className?: string;
  testId?: string;
  /** Gives focus back (the control that opened it) once the dialog is gone: while it is open,
   *  everything behind it is inert and cannot take focus. */
  returnFocus?: () => void;
}

export function Dialog({ open, title, onClose, children, description, className, testId, returnFocus }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const returnFocusRef = useRef(returnFocus);
  returnFocusRef.current = returnFocus;
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!open || !dialog) return;
    // jsdom has no showModal; `open` still shows it there.
    if (typeof dialog.showModal === 'function' && !dialog.open) dialog.showModal();
    else dialog.setAttribute('open', '');
    const first = dialog.querySelector<HTMLElement>('[data-autofocus]');
    first?.focus();
    return () => {
      if (typeof dialog.close === 'function' && dialog.open) dialog.close();
      returnFocusRef.current?.();
    };
  }, [open]);

  if (!open) return null;
  return createPortal(
    <dialog
      ref={ref}
      className={`lc-dialog ${className ?? ''}`}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      data-testid={testId}
      // Escape is handled below, so React's state closes it and focus goes back through
      // `onClose`; the browser's own close on cancel would leave that state open.
      onCancel={(event) => event.preventDefault()}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="lc-dialog__header">
        <h2 id={titleId} className="lc-dialog__title">
          {title}
        </h2>
        <button type="button" className="button button--ghost lc-dialog__close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {description && (
        <p id={descriptionId} className="lc-dialog__description">
          {description}
        </p>
      )}
      {children}
    </dialog>,
    document.body,
  );
}
