import { useId, useState } from 'react';
import type { DirectoryUser } from '../../api/types';
import { useUserSearch } from './useUserSearch';

export interface Picked {
  id: string;
  username: string;
}

/**
 * Pick people from the directory: a search field (asks as you type), the matches as checkboxes,
 * and the picked ones as removable chips. `exclude`: people who cannot be picked (already in).
 */
export function PeoplePicker({
  picked,
  onChange,
  exclude = [],
}: {
  picked: Picked[];
  onChange: (picked: Picked[]) => void;
  exclude?: readonly string[];
}) {
  const id = useId();
  const [query, setQuery] = useState('');
  const { users, loading, error } = useUserSearch(query);
  const pickedIds = new Set(picked.map((p) => p.id));
  const excluded = new Set(exclude);
  const matches = users.filter((user) => !excluded.has(user.id));
  const toggle = (user: DirectoryUser) =>
    onChange(
      pickedIds.has(user.id)
        ? picked.filter((p) => p.id !== user.id)
        : [...picked, { id: user.id, username: user.username }],
    );

  return (
    <div className="field">
      <label className="field__label" htmlFor={`${id}-search`}>
        Add people
      </label>
      <input
        id={`${id}-search`}
        type="search"
        className="field__input"
        placeholder="Search by name"
        autoComplete="off"
        spellCheck={false}
        value={query}
        aria-controls={`${id}-results`}
        onChange={(event) => setQuery(event.target.value)}
      />
      {picked.length > 0 && (
        <ul className="chips" aria-label="Picked people">
          {picked.map((person) => (
            <li key={person.id}>
              {person.username}
              <button
                type="button"
                className="link-button"
                aria-label={`Remove ${person.username}`}
                onClick={() => onChange(picked.filter((p) => p.id !== person.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <ul id={`${id}-results`} className="picker" aria-label="Matching people" aria-busy={loading}>
        {matches.map((user) => (
          <li key={user.id}>
            <label>
              <input
                type="checkbox"
                checked={pickedIds.has(user.id)}
                onChange={() => toggle(user)}
                data-testid="pick-person"
                data-username={user.username}
              />
              {user.username}
            </label>
          </li>
        ))}
        {!loading && matches.length === 0 && <li className="muted">No one found.</li>}
      </ul>
      <p className="visually-hidden" aria-live="polite">
        {loading ? '' : `${matches.length} people found`}
      </p>
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
