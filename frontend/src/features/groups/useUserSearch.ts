import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import type { DirectoryUser, UserPage } from '../../api/types';

/** Wait after the last keystroke before asking the server. */
const SEARCH_DEBOUNCE_MS = 200;
const SEARCH_LIMIT = 20;

/**
 * People whose name starts with `query` (`GET /api/users?q=`), asked as the user types; the
 * directory's first page for an empty query. Its own requests, so the sidebar's list stays put.
 */
export function useUserSearch(query: string): { users: DirectoryUser[]; loading: boolean; error: string | null } {
  const [users, setUsers] = useState<DirectoryUser[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    const timer = setTimeout(() => {
      const q = query.trim();
      api
        .get<UserPage>('/api/users', {
          query: { q: q || undefined, sort: 'username', limit: SEARCH_LIMIT },
          signal: controller.signal,
        })
        .then((page) => {
          setUsers(page.users);
          setError(null);
        })
        .catch((failure: unknown) => {
          if (!controller.signal.aborted) setError(failure instanceof Error ? failure.message : 'Search failed');
        })
        .finally(() => {
          if (!controller.signal.aborted) setLoading(false);
        });
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);
  return { users, loading, error };
}
