import { memo, useEffect } from 'react';
import type { SystemInfo } from '../../api/types';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { fetchUser } from '../users/usersSlice';
import { describeSystem, namedUsers } from './systemText';
import { useNameOf } from './useNameOf';

/** Ids already asked for, so a timeline full of one departed member asks once. */
const asked = new Set<string>();

/** A system message (contract §6) as a centred line of the timeline: "ann added bob". */
export const SystemLine = memo(function SystemLine({
  system,
  seq,
  createdAt,
}: {
  system: SystemInfo;
  seq: number;
  createdAt: string;
}) {
  const dispatch = useAppDispatch();
  const selfId = useAppSelector((state) => state.auth.user?.id ?? null);
  const nameOf = useNameOf();
  useEffect(() => {
    for (const id of namedUsers(system)) {
      if (id === selfId || nameOf(id) !== undefined || asked.has(id)) continue;
      asked.add(id);
      void dispatch(fetchUser(id));
    }
  }, [system, selfId, nameOf, dispatch]);
  return (
    <p className="system-line" data-testid="system-message" data-seq={seq} title={new Date(createdAt).toLocaleString()}>
      {describeSystem(system, nameOf, selfId)}
    </p>
  );
});
