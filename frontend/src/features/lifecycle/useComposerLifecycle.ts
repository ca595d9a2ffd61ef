/**
 * What the composer does for the lifecycle: the reply being written goes with the next send,
 * Up in an empty composer edits our last message, Escape cancels a reply.
 */
import type { KeyboardEvent } from 'react';
import type { ReplyRef } from '../../api/types';
import { useStore } from 'react-redux';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import type { AppStore } from '../../app/store';
import { lastEditableOwn } from './applyChanges';
import { editStarted, replyCancelled, selectReplyDraft } from './lifecycleSlice';

export interface ComposerLifecycle {
  /** The message the next send answers. */
  replyTo: ReplyRef | undefined;
  /** Call after a send: the reply is done. */
  sent: () => void;
  /** Handles Up (edit the last own message) and Escape (cancel the reply); returns whether it
   *  took the key. */
  onKeyDown: (event: KeyboardEvent<HTMLTextAreaElement>, draft: string) => boolean;
}

export function useComposerLifecycle(threadKey: string): ComposerLifecycle {
  const dispatch = useAppDispatch();
  const store = useStore.withTypes<AppStore>()();
  const replyTo = useAppSelector((state) => selectReplyDraft(state, threadKey));
  return {
    replyTo,
    sent: () => {
      if (replyTo) dispatch(replyCancelled({ threadKey }));
    },
    onKeyDown: (event, draft) => {
      if (event.key === 'Escape' && replyTo) {
        event.preventDefault();
        dispatch(replyCancelled({ threadKey }));
        return true;
      }
      if (event.key !== 'ArrowUp' || draft !== '' || event.shiftKey || event.altKey || event.metaKey || event.ctrlKey) {
        return false;
      }
      const state = store.getState();
      const thread = state.messages.threads[threadKey];
      const selfId = state.auth.user?.id;
      const last = thread && selfId ? lastEditableOwn(thread, selfId) : undefined;
      if (!last) return false;
      event.preventDefault();
      dispatch(editStarted({ messageId: last.id, origin: 'composer' }));
      return true;
    },
  };
}
