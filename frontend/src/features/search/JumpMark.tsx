import type { ReactNode } from 'react';
import './search.css';

/** Marks the message a search result opened the chat at (and says so to screen readers). */
export function JumpMark({ children }: { children: ReactNode }) {
  return (
    <div className="jump-target" data-testid="jump-target">
      <span className="visually-hidden">Found by search: </span>
      {children}
    </div>
  );
}
