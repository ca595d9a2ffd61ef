import { useState, type FormEvent } from 'react';
import type { ConversationSummary } from '../../api/types';
import { useAppDispatch } from '../../app/hooks';
import { Dialog } from './Dialog';
import { updateGroup } from './groupsSlice';
import { MAX_GROUP_NAME } from './NewGroupDialog';
import { canDo } from './roles';

/** Contract §6: a topic is 0 to 500 characters. */
const MAX_TOPIC = 500;

/** Rename a group and set its topic (owners and admins). */
export function EditGroupDialog({ conversation, onClose }: { conversation: ConversationSummary; onClose: () => void }) {
  const dispatch = useAppDispatch();
  const [name, setName] = useState(conversation.name ?? '');
  const [topic, setTopic] = useState(conversation.topic ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const canRename = canDo(conversation.myRole, 'rename');
  const canSetTopic = canDo(conversation.myRole, 'setTopic');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const change: { name?: string; topic?: string } = {};
    if (canRename && name.trim() !== (conversation.name ?? '')) change.name = name.trim();
    if (canSetTopic && topic.trim() !== (conversation.topic ?? '')) change.topic = topic.trim();
    if (change.name === '') {
      setError('A group needs a name.');
      return;
    }
    if (change.name === undefined && change.topic === undefined) {
      onClose();
      return;
    }
    setBusy(true);
    const result = await dispatch(updateGroup({ conversationId: conversation.id, ...change }));
    setBusy(false);
    if (updateGroup.fulfilled.match(result)) onClose();
    else setError(result.payload?.message ?? 'The change was not saved.');
  };

  return (
    <Dialog title="Edit group" onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <div className="field">
          <label className="field__label" htmlFor="edit-group-name">
            Group name
          </label>
          <input
            id="edit-group-name"
            className="field__input"
            value={name}
            maxLength={MAX_GROUP_NAME}
            disabled={!canRename}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor="edit-group-topic">
            Topic
          </label>
          <textarea
            id="edit-group-topic"
            className="field__input"
            value={topic}
            maxLength={MAX_TOPIC}
            rows={3}
            disabled={!canSetTopic}
            onChange={(event) => setTopic(event.target.value)}
          />
        </div>
        {error && (
          <p className="field__error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog__actions">
          <button type="button" className="button button--ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
