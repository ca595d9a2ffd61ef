/**
 * Choosing a reaction: common emoji in a grid, a search box that filters them by name, Arrow
 * keys to move in the grid, Enter or a click to choose. A modal dialog (see `Dialog`).
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Dialog } from './Dialog';

/** The common emoji, each with the words it is found by. */
export const COMMON_EMOJI: readonly { emoji: string; name: string }[] = [
  { emoji: '👍', name: 'thumbs up like yes' },
  { emoji: '👎', name: 'thumbs down dislike no' },
  { emoji: '❤️', name: 'red heart love' },
  { emoji: '😂', name: 'face with tears of joy laugh' },
  { emoji: '🤣', name: 'rolling on the floor laughing' },
  { emoji: '😊', name: 'smiling face blush happy' },
  { emoji: '🙂', name: 'slightly smiling face' },
  { emoji: '😀', name: 'grinning face smile' },
  { emoji: '😅', name: 'grinning face with sweat relief' },
  { emoji: '😉', name: 'winking face wink' },
  { emoji: '😍', name: 'smiling face with heart eyes love' },
  { emoji: '🥰', name: 'smiling face with hearts love' },
  { emoji: '😘', name: 'face blowing a kiss' },
  { emoji: '😎', name: 'smiling face with sunglasses cool' },
  { emoji: '🤔', name: 'thinking face hmm' },
  { emoji: '🤨', name: 'face with raised eyebrow doubt' },
  { emoji: '😐', name: 'neutral face meh' },
  { emoji: '🙄', name: 'face with rolling eyes' },
  { emoji: '😬', name: 'grimacing face awkward' },
  { emoji: '😮', name: 'face with open mouth wow surprised' },
  { emoji: '😲', name: 'astonished face shocked' },
  { emoji: '😢', name: 'crying face sad tear' },
  { emoji: '😭', name: 'loudly crying face sob' },
  { emoji: '😡', name: 'angry face pouting rage' },
  { emoji: '🤯', name: 'exploding head mind blown' },
  { emoji: '😴', name: 'sleeping face tired' },
  { emoji: '🤗', name: 'hugging face hug' },
  { emoji: '🙏', name: 'folded hands please thanks pray' },
  { emoji: '👏', name: 'clapping hands applause' },
  { emoji: '🙌', name: 'raising hands celebration' },
  { emoji: '👋', name: 'waving hand hello bye' },
  { emoji: '👌', name: 'ok hand perfect' },
  { emoji: '✌️', name: 'victory hand peace' },
  { emoji: '🤝', name: 'handshake deal agree' },
  { emoji: '💪', name: 'flexed biceps strong' },
  { emoji: '👀', name: 'eyes looking' },
  { emoji: '🔥', name: 'fire hot lit' },
  { emoji: '✨', name: 'sparkles shiny' },
  { emoji: '🎉', name: 'party popper celebration tada' },
  { emoji: '🎂', name: 'birthday cake' },
  { emoji: '💯', name: 'hundred points perfect' },
  { emoji: '✅', name: 'check mark button done yes' },
  { emoji: '❌', name: 'cross mark no wrong' },
  { emoji: '⚠️', name: 'warning caution' },
  { emoji: '❓', name: 'question mark' },
  { emoji: '💡', name: 'light bulb idea' },
  { emoji: '🚀', name: 'rocket ship launch' },
  { emoji: '⭐', name: 'star favourite' },
  { emoji: '☕', name: 'hot beverage coffee tea' },
  { emoji: '🍕', name: 'pizza food' },
  { emoji: '🐛', name: 'bug insect' },
  { emoji: '💔', name: 'broken heart' },
];

/** Columns of the grid, for Arrow Up/Down. */
const COLUMNS = 8;

export function filterEmoji(query: string): readonly { emoji: string; name: string }[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return COMMON_EMOJI;
  return COMMON_EMOJI.filter(
    (entry) => words.every((word) => entry.name.split(' ').some((part) => part.startsWith(word))) || entry.emoji === query.trim(),
  );
}

export interface EmojiPickerProps {
  open: boolean;
  onPick: (emoji: string) => void;
  onClose: () => void;
  /** Emoji we already reacted with (shown pressed: choosing one removes it). */
  mine: readonly string[];
  returnFocus: () => void;
}

/** Every bubble has two pickers (its menu's and its reactions'), closed nearly always: a closed
 *  one is nothing at all, not the grid's eighty buttons built for a dialog that shows none. */
export function EmojiPicker(props: EmojiPickerProps) {
  return props.open ? <OpenEmojiPicker {...props} /> : null;
}

function OpenEmojiPicker({ open, onPick, onClose, mine, returnFocus }: EmojiPickerProps) {
  const [query, setQuery] = useState('');
  const gridRef = useRef<HTMLDivElement>(null);
  const found = useMemo(() => filterEmoji(query), [query]);

  const buttons = () => Array.from(gridRef.current?.querySelectorAll<HTMLButtonElement>('button') ?? []);
  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const all = buttons();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const step: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS };
    let next: number | undefined;
    if (event.key in step) next = at + (step[event.key] as number);
    if (event.key === 'Home') next = 0;
    if (event.key === 'End') next = all.length - 1;
    if (next === undefined) return;
    event.preventDefault();
    all[Math.max(0, Math.min(all.length - 1, next))]?.focus();
  };

  const close = () => {
    setQuery('');
    onClose();
  };

  return (
    <Dialog open={open} title="Add a reaction" onClose={close} returnFocus={returnFocus} className="emoji-picker" testId="emoji-picker">
      <label className="visually-hidden" htmlFor="emoji-search">
        Search emoji
      </label>
      <input
        id="emoji-search"
        type="search"
        className="emoji-picker__search"
        placeholder="Search emoji…"
        value={query}
        data-autofocus
        autoComplete="off"
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            buttons()[0]?.focus();
          } else if (event.key === 'Enter' && found[0]) {
            event.preventDefault();
            onPick(found[0].emoji);
            setQuery('');
          }
        }}
      />
      <div ref={gridRef} className="emoji-picker__grid" role="group" aria-label="Emoji" onKeyDown={move}>
        {found.map(({ emoji, name }) => {
          const label = name.split(' ').slice(0, 3).join(' ');
          return (
            <button
              key={emoji}
              type="button"
              className={`emoji-picker__emoji${mine.includes(emoji) ? ' emoji-picker__emoji--mine' : ''}`}
              aria-label={mine.includes(emoji) ? `${emoji} ${label} (remove your reaction)` : `${emoji} ${label}`}
              aria-pressed={mine.includes(emoji)}
              title={label}
              onClick={() => {
                onPick(emoji);
                setQuery('');
              }}
            >
              {emoji}
            </button>
          );
        })}
      </div>
      {found.length === 0 && (
        <p className="emoji-picker__none" role="status">
          No emoji match “{query}”.
        </p>
      )}
    </Dialog>
  );
}
