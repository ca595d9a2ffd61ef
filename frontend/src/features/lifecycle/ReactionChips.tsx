/**
 * A message's reactions: one chip per emoji with its count, ours highlighted (`aria-pressed`),
 * a click toggles our reaction with that emoji; a "+" opens the picker. Messages carry counts
 * and our own `mine` only; who reacted is asked for (`fetchReactors`) the first time a pointer
 * or the keyboard reaches the chips after each change of the message, and then shown in each
 * chip's tooltip and accessible name.
 */
import { useRef, useState } from 'react';
import type { ChatMessage } from '../../api/types';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { reactionsOf } from './applyChanges';
import { fetchReactors, toggleReaction } from './lifecycleThunks';
import { EmojiPicker } from './onDemandDialogs';
import { useLifecycleBlocked } from './useLifecycleBlocked';

/** How many reactors a tooltip names before "and N others". */
const NAMED_REACTORS = 10;

/** "ann, You and bob", or the first ten and "and 4 others". */
function reactorList(names: string[]): string {
  const shown = names.slice(0, NAMED_REACTORS);
  const others = names.length - shown.length;
  if (others > 0) return `${shown.join(', ')} and ${others === 1 ? '1 other' : `${others} others`}`;
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

function chipLabel(emoji: string, count: number, mine: boolean, names: string[] | undefined): string {
  const people = count === 1 ? '1 reaction' : `${count} reactions`;
  const who = names ? ` (${reactorList(names)})` : '';
  return mine ? `${emoji} ${people}, including yours${who}; remove yours` : `${emoji} ${people}${who}; react with ${emoji}`;
}

function chipTitle(emoji: string, count: number, names: string[] | undefined): string {
  if (names) return `${reactorList(names)} reacted with ${emoji}`;
  return count === 1 ? '1 reaction' : `${count} reactions`;
}

/** Reactors' names by emoji, as of one `rev` of the message. */
interface Named {
  rev: number | undefined;
  byEmoji: Map<string, string[]>;
}

export function ReactionChips({ message }: { message: ChatMessage }) {
  const dispatch = useAppDispatch();
  const selfId = useAppSelector((state) => state.auth.user?.id ?? null);
  const blocked = useLifecycleBlocked();
  const [picking, setPicking] = useState(false);
  const [named, setNamed] = useState<Named | null>(null);
  const asked = useRef<number | undefined | null>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const reactions = reactionsOf(message);
  if (reactions.length === 0 && !picking) return null;
  const toggle = (emoji: string) => void dispatch(toggleReaction({ messageId: message.id, emoji }));
  // Names of an older rev would not match the counts shown: those are asked for again.
  const current = named && named.rev === message.rev ? named.byEmoji : null;
  const askNames = () => {
    const rev = message.rev;
    if (current || asked.current === rev) return;
    asked.current = rev;
    fetchReactors(message.id).then(
      (list) => {
        const byEmoji = new Map(list.map((r) => [r.emoji, r.users.map((u) => (u.id === selfId ? 'You' : u.username))]));
        setNamed({ rev, byEmoji });
      },
      // Counts stay as they are; a later hover asks again.
      () => (asked.current = null),
    );
  };
  return (
    <div
      className="reactions"
      role="group"
      aria-label="Reactions"
      data-testid="reactions"
      onPointerEnter={askNames}
      onFocus={askNames}
    >
      {reactions.map(({ emoji, count, mine }) => {
        const names = current?.get(emoji);
        return (
          <button
            key={emoji}
            type="button"
            className={`reaction${mine ? ' reaction--mine' : ''}`}
            aria-pressed={mine}
            aria-label={chipLabel(emoji, count, mine, names)}
            title={blocked ?? chipTitle(emoji, count, names)}
            disabled={blocked !== null}
            data-testid="reaction"
            data-emoji={emoji}
            data-count={count}
            data-mine={mine ? 'true' : 'false'}
            onClick={() => toggle(emoji)}
          >
            <span aria-hidden="true">{emoji}</span>
            <span className="reaction__count" aria-hidden="true">
              {count}
            </span>
          </button>
        );
      })}
      <button
        ref={addRef}
        type="button"
        className="reaction reaction--add"
        aria-label="Add a reaction"
        title={blocked ?? 'Add a reaction'}
        disabled={blocked !== null}
        onClick={() => setPicking(true)}
      >
        <span aria-hidden="true">+</span>
      </button>
      {picking && (
        <EmojiPicker
          open
          mine={reactions.filter((r) => r.mine).map((r) => r.emoji)}
          onPick={(emoji) => {
            toggle(emoji);
            setPicking(false);
          }}
          onClose={() => setPicking(false)}
          returnFocus={() => addRef.current?.focus()}
        />
      )}
    </div>
  );
}
