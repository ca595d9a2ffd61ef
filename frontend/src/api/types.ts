/** Wire types from the public contract (CONTRACT.md §3). Ids are UUID strings, times RFC 3339 UTC. */

/** The signed-in account, as answered by the auth service. */
export interface User {
  id: string;
  email: string;
  username: string;
  createdAt: string;
}

export type PresenceStatus = 'online' | 'offline';

/** Another user as listed by `GET /api/users`. */
export interface DirectoryUser {
  id: string;
  username: string;
  status: PresenceStatus;
  /** Null when the user has never been seen online. */
  lastSeenAt: string | null;
}

export interface UserEnvelope {
  user: User;
}

export interface UserPage {
  users: DirectoryUser[];
  nextCursor: string | null;
}

/** Answer of every service's `GET /api/<service>/version`. */
export interface VersionInfo {
  service: string;
  version: string;
}
