import { useEffect, useRef } from 'react';
import type { Departure } from './groupsSlice';

/** Instead of the composer once we are out of a group: why, said once to screen readers too. */
export function DepartedNotice({ departure, name }: { departure: Departure; name: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div ref={ref} className="departed" role="status" tabIndex={-1} data-testid="group-departed" data-reason={departure}>
      {departure === 'left'
        ? `You left ${name}. You will not receive its messages any more.`
        : `You were removed from ${name}. You will not receive its messages any more.`}
    </div>
  );
}
