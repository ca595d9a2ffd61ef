import type { DirectoryUser } from '../../api/types';
import { describePresence } from './formatLastSeen';

export interface UserListProps {
  users: readonly DirectoryUser[];
  /** The clock used for "last seen" phrases; passed in so it can tick and be tested. */
  now: Date;
}

/** The directory: an avatar with an online dot, the username and a presence line. */
export function UserList({ users, now }: UserListProps) {
  if (users.length === 0) {
    return <p className="empty">No one else is here yet. Invite a friend!</p>;
  }
  return (
    <ul className="user-list" aria-label="People">
      {users.map((user) => (
        <li key={user.id} className="user-list__item" data-status={user.status}>
          <span className="avatar" aria-hidden="true">
            {user.username.slice(0, 1).toUpperCase()}
            <span className={`presence-dot presence-dot--${user.status}`} />
          </span>
          <span className="user-list__text">
            <span className="user-list__name">{user.username}</span>
            <span className="user-list__presence">{describePresence(user, now)}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}
