import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useAppDispatch } from '../../app/hooks';
import { Dialog } from './Dialog';
import { createGroup } from './groupsSlice';
import { groupPath } from './paths';
import { PeoplePicker, type Picked } from './PeoplePicker';

/** Contract §6: a group's name is 1 to 100 characters after trimming. */
export const MAX_GROUP_NAME = 100;

/** "New group": a name and people from the directory; creates it and opens it. */
export function NewGroupDialog({ onClose }: { onClose: () => void }) {
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<Picked[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setError('Give the group a name.');
      return;
    }
    setBusy(true);
    setError(null);
    const result = await dispatch(createGroup({ name: trimmed, memberIds: picked.map((p) => p.id) }));
    setBusy(false);
    if (createGroup.fulfilled.match(result)) {
      onClose();
      void navigate(groupPath(result.payload.id));
    } else {
      setError(result.payload?.message ?? 'The group could not be created.');
    }
  };

  return (
    <Dialog title="New group" onClose={onClose}>
      <form className="form" onSubmit={(event) => void submit(event)} noValidate>
        <div className={error && !name.trim() ? 'field field--invalid' : 'field'}>
          <label className="field__label" htmlFor="group-name">
            Group name
          </label>
          <input
            id="group-name"
            className="field__input"
            value={name}
            maxLength={MAX_GROUP_NAME}
            required
            autoComplete="off"
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <PeoplePicker picked={picked} onChange={setPicked} />
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
            {busy ? 'Creating…' : `Create group${picked.length ? ` with ${picked.length}` : ''}`}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
