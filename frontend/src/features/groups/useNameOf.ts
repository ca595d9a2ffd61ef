import { useCallback, useMemo } from 'react';
import { shallowEqual } from 'react-redux';
import { useAppSelector } from '../../app/hooks';
import type { RootState } from '../../app/store';
import type { Thread } from '../messages/thread';
import type { NameOf } from './systemText';

/** Where names come from, in order: the directory, group member pages, then us. */
interface NameSources {
  directory: RootState['users']['entities'];
  names: RootState['groups']['names'];
  self: RootState['auth']['user'];
}

function nameIn({ directory, names, self }: NameSources, userId: string): string | undefined {
  return directory[userId]?.username ?? names[userId] ?? (self?.id === userId ? self.username : undefined);
}

const nameSources = (state: RootState): NameSources => ({
  directory: state.users.entities,
  names: state.groups.names,
  self: state.auth.user,
});

/** A user's name from what the app holds: the directory, then group member pages. */
export function useNameOf(): NameOf {
  const directory = useAppSelector((state) => state.users.entities);
  const names = useAppSelector((state) => state.groups.names);
  const self = useAppSelector((state) => state.auth.user);
  return useCallback(
    (userId: string) => nameIn({ directory, names, self }, userId),
    [directory, names, self],
  );
}

/**
 * The names of the people who wrote a thread's messages, by user id. Unlike `useNameOf`, whose
 * function changes with every directory page and presence change, this changes only when one of
 * those names does, so the chat's rows (which show them) are not all rendered again at each.
 */
export function useSenderNames(thread: Thread | undefined): Readonly<Record<string, string | undefined>> {
  const senderIds = useMemo(() => {
    const ids = new Set<string>();
    for (const id of thread?.ids ?? []) {
      const senderId = thread?.byId[id]?.senderId;
      if (senderId) ids.add(senderId);
    }
    return [...ids];
  }, [thread]);
  return useAppSelector(
    (state) => {
      const sources = nameSources(state);
      return Object.fromEntries(senderIds.map((id) => [id, nameIn(sources, id)]));
    },
    shallowEqual,
  );
}
