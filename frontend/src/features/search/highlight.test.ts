import { describe, expect, it } from 'vitest';
import { highlightParts, normaliseHighlights, snippet } from './highlight';

const marked = (text: string, ranges: [number, number][]) =>
  highlightParts(text, ranges)
    .map((part) => (part.marked ? `[${part.text}]` : part.text))
    .join('');

describe('marking search matches', () => {
  it('cuts the text at the offsets, end exclusive, and loses nothing', () => {
    expect(marked('I run every morning', [[2, 5]])).toBe('I [run] every morning');
    expect(marked('abc', [[0, 3]])).toBe('[abc]');
    expect(marked('abc', [])).toBe('abc');
    expect(highlightParts('', [])).toEqual([{ text: '', marked: false }]);
    const parts = highlightParts('pasta and pizza', [[10, 15], [0, 5]]);
    expect(parts.map((p) => p.text).join('')).toBe('pasta and pizza');
    expect(parts.filter((p) => p.marked).map((p) => p.text)).toEqual(['pasta', 'pizza']);
  });

  it('counts UTF-16 code units, as the server does', () => {
    // The emoji is two code units: 会議 starts at 3.
    expect(marked('😀 会議室', [[3, 5]])).toBe('😀 [会議]室');
    // A range cutting an emoji in half is widened to the whole character.
    expect(marked('a😀b', [[2, 4]])).toBe('a[😀b]');
    expect(marked('a😀b', [[1, 2]])).toBe('a[😀]b');
  });

  it('survives ranges that are out of bounds, reversed, overlapping or malformed', () => {
    expect(normaliseHighlights(5, [[3, 9], [-2, 1], [4, 2], [0, 2]])).toEqual([
      [0, 2],
      [3, 5],
    ]);
    expect(marked('hello', [[1, 3], [2, 4]])).toBe('h[ell]o');
    expect(marked('hello', [[1.5, 3] as [number, number], [9, 12]])).toBe('hello');
    expect(marked('<b>x</b>', [[3, 4]])).toBe('<b>[x]</b>');
  });

  it('shows a long message as a window around its first match', () => {
    const text = `${'word '.repeat(100)}needle ${'tail '.repeat(100)}`;
    const at = text.indexOf('needle');
    const cut = snippet(text, [[at, at + 6]], { before: 20, max: 60 });
    expect(cut.clippedStart).toBe(true);
    expect(cut.clippedEnd).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(60);
    const [range] = cut.highlights;
    expect(range && cut.text.slice(range[0], range[1])).toBe('needle');
    expect(snippet('short one', [[0, 5]])).toEqual({
      text: 'short one',
      highlights: [[0, 5]],
      clippedStart: false,
      clippedEnd: false,
    });
  });
});
