/**
 * Placeholder rows for a list that is still loading, each exactly as tall as the rows to come,
 * in a box the list will fill: when the data arrives, nothing around it moves (no layout shift).
 * Assistive technology hears `label` once, as a status. Memoised: its props are constants, and
 * the page around it renders several times while the first answers arrive.
 */
import { memo } from 'react';

export interface ListSkeletonProps {
  /** The height of one real row, in pixels. */
  rowHeight: number;
  /** What is loading, e.g. "Loading people…". */
  label: string;
  rows?: number;
}

export const ListSkeleton = memo(function ListSkeleton({ rowHeight, label, rows = 8 }: ListSkeletonProps) {
  return (
    <div className="list-skeleton" role="status">
      <span className="visually-hidden">{label}</span>
      {Array.from({ length: rows }, (_, index) => (
        <div key={index} className="list-skeleton__row" style={{ height: rowHeight }} aria-hidden="true">
          <span className="list-skeleton__avatar" />
          <span className="list-skeleton__lines">
            <span className="list-skeleton__line" />
            <span className="list-skeleton__line list-skeleton__line--short" />
          </span>
        </div>
      ))}
    </div>
  );
});
