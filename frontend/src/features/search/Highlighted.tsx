import { highlightParts } from './highlight';
import type { Highlight } from './types';

/** `text` with its matches in `<mark>`; the server sends offsets, never HTML. */
export function Highlighted({ text, highlights }: { text: string; highlights: readonly Highlight[] }) {
  return (
    <>
      {highlightParts(text, highlights).map((part, index) =>
        part.marked ? (
          <mark key={index} className="search-mark">
            {part.text}
          </mark>
        ) : (
          <span key={index}>{part.text}</span>
        ),
      )}
    </>
  );
}
