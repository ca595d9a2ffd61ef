/**
 * A message's edit history (`GET /api/messages/messages/{id}/revisions`): the original first,
 * each later version with when it was replaced, and the current text last.
 */
import { useEffect, useState } from 'react';
import type { ChatMessage } from '../../api/types';
import { toApiErrorPayload } from '../../api/client';
import { formatMessageTime } from '../../time/formatTime';
import { Dialog } from './Dialog';
import { fetchRevisions, type MessageRevision } from './lifecycleThunks';

type Loaded = { status: 'loading' } | { status: 'ready'; revisions: MessageRevision[] } | { status: 'failed'; error: string };

export interface RevisionsDialogProps {
  message: ChatMessage;
  open: boolean;
  onClose: () => void;
  returnFocus: () => void;
}

export function RevisionsDialog({ message, open, onClose, returnFocus }: RevisionsDialogProps) {
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    setLoaded({ status: 'loading' });
    fetchRevisions(message.id).then(
      (revisions) => !cancelled && setLoaded({ status: 'ready', revisions }),
      (error) => !cancelled && setLoaded({ status: 'failed', error: toApiErrorPayload(error).message }),
    );
    return () => {
      cancelled = true;
    };
    // Again when the message changes while open (another edit).
  }, [open, message.id, message.rev]);

  return (
    <Dialog open={open} title="Edit history" onClose={onClose} returnFocus={returnFocus} className="revisions" testId="revisions-dialog">
      {loaded.status === 'loading' && <p role="status">Loading earlier versions…</p>}
      {loaded.status === 'failed' && <p role="alert">Could not load the history: {loaded.error}</p>}
      {loaded.status === 'ready' && (
        <ol className="revisions__list">
          {loaded.revisions.map((revision, index) => (
            <li key={index} className="revisions__item" data-testid="revision">
              <span className="revisions__when">
                {revision.editedAt === null ? 'Original' : `Edited ${formatMessageTime(revision.editedAt).full}`}
              </span>
              <p className="revisions__text">{revision.content}</p>
            </li>
          ))}
          <li className="revisions__item revisions__item--current" data-testid="revision">
            <span className="revisions__when">
              Current{message.editedAt ? `, edited ${formatMessageTime(message.editedAt).full}` : ''}
            </span>
            <p className="revisions__text">{message.content}</p>
          </li>
        </ol>
      )}
      <div className="lc-dialog__actions">
        <button type="button" className="button" data-autofocus onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
