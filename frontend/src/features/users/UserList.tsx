import { memo, useCallback } from 'react';
import type { DirectoryUser } from '../../api/types';
import { Listbox } from '../../components/Listbox';
import { describePresence } from './formatLastSeen';

/** One person's row, in pixels (the stylesheet's `.user-list .listbox__option` height). */
export const USER_ROW_HEIGHT = 56;

export interface UserListProps {
  users: readonly DirectoryUser[];
  /** The clock used for "last seen" phrases; passed in so it can tick and be tested. */
  now: Date;
  /** The user whose chat is open. */
  selectedId?: string | null;
  onChoose?: (user: DirectoryUser) => void;
  /** Shown when `users` is empty. */
  emptyText?: string;
}

// The list's functions are stable (here, or `useCallback` on what they read), so a render of the
// list renders only the rows whose person changed (see `Listbox`).
const userKey = (user: DirectoryUser) => user.id;
const userOptionProps = (user: DirectoryUser) => ({
  'data-testid': 'user-item',
  'data-username': user.username,
  'data-status': user.status,
});
const chooseNobody = () => {};

/** The directory: an avatar with an online dot, the username and a presence line, windowed.
 *  Choosing a person opens the chat with them. */
export const UserList = memo(function UserList({
  users,
  now,
  selectedId = null,
  onChoose = chooseNobody,
  emptyText = 'No one else is here yet. Invite a friend!',
}: UserListProps) {
  const renderOption = useCallback(
    (user: DirectoryUser) => (
      <>
        <span className="avatar" aria-hidden="true">
          {user.username.slice(0, 1).toUpperCase()}
          <span className={`presence-dot presence-dot--${user.status}`} />
        </span>
        <span className="user-list__text">
          <span className="user-list__name">{user.username}</span>
          <span className="user-list__presence">{describePresence(user, now)}</span>
        </span>
      </>
    ),
    [now],
  );
  if (users.length === 0) {
    return <p className="empty">{emptyText}</p>;
  }
  return (
    <Listbox
      id="people"
      label="People"
      className="user-list"
      optionHeight={USER_ROW_HEIGHT}
      items={users}
      getKey={userKey}
      selectedKey={selectedId}
      onChoose={onChoose}
      optionProps={userOptionProps}
      renderOption={renderOption}
    />
  );
});
