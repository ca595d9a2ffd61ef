/**
 * A message's actions menu ("Message actions", a menu button): reply, react, edit history, for
 * our own messages edit, and delete for ours or, in a group, for what our role lets us delete.
 * Dialogs it opens give focus back to its button.
 */
import { useState } from 'react';
import type { ChatMessage } from '../../api/types';
import { useAppDispatch } from '../../app/hooks';
import { MenuButton, type MenuItem } from '../push/Menu';
import { isDeleted, isSystem, reactionsOf, replyRefOf } from './applyChanges';
import { returnFocus } from './InlineEditor';
import { editStarted, replyStarted } from './lifecycleSlice';
import { deleteMessage, toggleReaction } from './lifecycleThunks';
import { Dialog, EmojiPicker, RevisionsDialog } from './onDemandDialogs';
import { useLifecycleBlocked } from './useLifecycleBlocked';

type Open = 'none' | 'react' | 'delete' | 'history';

export interface MessageActionsProps {
  message: ChatMessage;
  own: boolean;
  /** Ours, or another member's that our role in the group lets us delete. */
  mayDelete: boolean;
  threadKey: string;
}

export function MessageActions({ message, own, mayDelete, threadKey }: MessageActionsProps) {
  const dispatch = useAppDispatch();
  const blocked = useLifecycleBlocked();
  const [open, setOpen] = useState<Open>('none');
  if (isSystem(message)) return null;
  // A tombstone has nothing left to act on (no text, reactions or history).
  const deleted = isDeleted(message);
  if (deleted) return null;

  const close = () => setOpen('none');
  const focusMenu = () => returnFocus('actions', message.id);
  const change = (item: MenuItem): MenuItem => (blocked ? { ...item, disabled: true } : item);

  const items: MenuItem[] = [
    {
      key: 'reply',
      label: 'Reply',
      onSelect: () => {
        dispatch(replyStarted({ threadKey, reply: replyRefOf(message) }));
        // After the menu gives focus back to its button.
        setTimeout(() => document.getElementById('composer-input')?.focus(), 0);
      },
    },
    change({ key: 'react', label: 'Add reaction', onSelect: () => setOpen('react') }),
  ];
  if (own) {
    items.push(
      change({ key: 'edit', label: 'Edit', onSelect: () => dispatch(editStarted({ messageId: message.id, origin: 'actions' })) }),
    );
  }
  if (message.editedAt) items.push({ key: 'history', label: 'Edit history', onSelect: () => setOpen('history') });
  if (mayDelete) items.push(change({ key: 'delete', label: 'Delete', onSelect: () => setOpen('delete') }));

  return (
    <div className="message-actions" data-actions-for={message.id}>
      <MenuButton label="Message actions" items={items} note={blocked} testId="message-actions" className="message-actions__menu">
        <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
          <circle cx="5" cy="12" r="1.8" fill="currentColor" />
          <circle cx="12" cy="12" r="1.8" fill="currentColor" />
          <circle cx="19" cy="12" r="1.8" fill="currentColor" />
        </svg>
      </MenuButton>
      {open === 'react' && (
        <EmojiPicker
          open
          mine={reactionsOf(message).filter((r) => r.mine).map((r) => r.emoji)}
          onPick={(emoji) => {
            void dispatch(toggleReaction({ messageId: message.id, emoji }));
            close();
          }}
          onClose={close}
          returnFocus={focusMenu}
        />
      )}
      {open === 'delete' && (
        <Dialog
          open
          title="Delete this message?"
          description="It is deleted for everyone in the conversation and shows as “This message was deleted”."
          onClose={close}
          returnFocus={focusMenu}
          testId="delete-dialog"
        >
          <div className="lc-dialog__actions">
            <button type="button" className="button" data-autofocus onClick={close}>
              Cancel
            </button>
            <button
              type="button"
              className="button button--danger"
              onClick={() => {
                void dispatch(deleteMessage({ messageId: message.id }));
                close();
              }}
            >
              Delete
            </button>
          </div>
        </Dialog>
      )}
      {open === 'history' && <RevisionsDialog message={message} open onClose={close} returnFocus={focusMenu} />}
    </div>
  );
}
