/**
 * Marking search matches in a message's text. The server sends `[start, end)` offsets in UTF-16
 * code units, which are JavaScript string indices, so the text is cut with `slice` directly.
 * Offsets are checked here (clamped, sorted, merged): a bad range can never break the text.
 */
import type { Highlight } from './types';

export interface TextPart {
  text: string;
  marked: boolean;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Moves an index off the middle of a surrogate pair (an emoji is two code units). */
function onBoundary(text: string, index: number, direction: -1 | 1): number {
  if (index <= 0 || index >= text.length) return Math.max(0, Math.min(index, text.length));
  return isLowSurrogate(text.charCodeAt(index)) ? index + direction : index;
}

/** The ranges that make sense in a text of `length`: within it, not empty, sorted, merged. */
export function normaliseHighlights(length: number, highlights: readonly Highlight[]): Highlight[] {
  const ranges = highlights
    .filter((range) => Array.isArray(range) && Number.isInteger(range[0]) && Number.isInteger(range[1]))
    .map(([start, end]): Highlight => [Math.max(0, start), Math.min(length, end)])
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Highlight[] = [];
  for (const [start, end] of ranges) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** `text` cut into plain and marked parts, in order; together they are `text` again. */
export function highlightParts(text: string, highlights: readonly Highlight[]): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const [rawStart, rawEnd] of normaliseHighlights(text.length, highlights)) {
    const start = onBoundary(text, rawStart, -1);
    const end = onBoundary(text, rawEnd, 1);
    if (start < at) continue;
    if (start > at) parts.push({ text: text.slice(at, start), marked: false });
    parts.push({ text: text.slice(start, end), marked: true });
    at = end;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), marked: false });
  return parts;
}

export interface Snippet {
  text: string;
  highlights: Highlight[];
  /** Text was left out before / after. */
  clippedStart: boolean;
  clippedEnd: boolean;
}

/**
 * A window of a long message around its first match (`before` code units ahead of it, `max` in
 * all), with the highlights moved into it. Short texts come back whole.
 */
export function snippet(
  text: string,
  highlights: readonly Highlight[],
  { before = 40, max = 180 }: { before?: number; max?: number } = {},
): Snippet {
  const ranges = normaliseHighlights(text.length, highlights);
  if (text.length <= max) return { text, highlights: ranges, clippedStart: false, clippedEnd: false };
  const firstMatch = ranges[0]?.[0] ?? 0;
  let start = onBoundary(text, Math.max(0, Math.min(firstMatch - before, text.length - max)), -1);
  // Start at a word when one begins close by.
  const space = text.lastIndexOf(' ', firstMatch);
  if (space >= start && space - start < before / 2) start = space + 1;
  const end = onBoundary(text, Math.min(text.length, start + max), 1);
  const shifted = ranges
    .map(([s, e]): Highlight => [Math.max(s, start) - start, Math.min(e, end) - start])
    .filter(([s, e]) => s < e);
  return {
    text: text.slice(start, end),
    highlights: shifted,
    clippedStart: start > 0,
    clippedEnd: end < text.length,
  };
}
