import { useCallback } from 'react';
import { useAppSelector } from '../../app/hooks';
import type { NameOf } from './systemText';

/** A user's name from what the app holds: the directory, then group member pages. */
export function useNameOf(): NameOf {
  const directory = useAppSelector((state) => state.users.entities);
  const names = useAppSelector((state) => state.groups.names);
  const self = useAppSelector((state) => state.auth.user);
  return useCallback(
    (userId: string) =>
      directory[userId]?.username ?? names[userId] ?? (self?.id === userId ? self.username : undefined),
    [directory, names, self],
  );
}
