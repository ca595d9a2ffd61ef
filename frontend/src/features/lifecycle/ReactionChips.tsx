/**
 * A message's reactions: one chip per emoji with its count, ours highlighted (`aria-pressed`),
 * a click toggles our reaction with that emoji; a "+" opens the picker. The server sends counts
 * and our own `mine` only, not who reacted, so a chip names its count, not the reactors.
 */
import { useRef, useState } from 'react';
import type { ChatMessage } from '../../api/types';
import { useAppDispatch } from '../../app/hooks';
import { reactionsOf } from './applyChanges';
import { EmojiPicker } from './EmojiPicker';
import { toggleReaction } from './lifecycleThunks';
import { useLifecycleBlocked } from './useLifecycleBlocked';

function chipLabel(emoji: string, count: number, mine: boolean): string {
  const people = count === 1 ? '1 reaction' : `${count} reactions`;
  return mine ? `${emoji} ${people}, including yours; remove yours` : `${emoji} ${people}; react with ${emoji}`;
}

export function ReactionChips({ message }: { message: ChatMessage }) {
  const dispatch = useAppDispatch();
  const blocked = useLifecycleBlocked();
  const [picking, setPicking] = useState(false);
  const addRef = useRef<HTMLButtonElement>(null);
  const reactions = reactionsOf(message);
  if (reactions.length === 0 && !picking) return null;
  const toggle = (emoji: string) => void dispatch(toggleReaction({ messageId: message.id, emoji }));
  return (
    <div className="reactions" role="group" aria-label="Reactions" data-testid="reactions">
      {reactions.map(({ emoji, count, mine }) => (
        <button
          key={emoji}
          type="button"
          className={`reaction${mine ? ' reaction--mine' : ''}`}
          aria-pressed={mine}
          aria-label={chipLabel(emoji, count, mine)}
          title={blocked ?? (count === 1 ? '1 reaction' : `${count} reactions`)}
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
      ))}
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
      <EmojiPicker
        open={picking}
        mine={reactions.filter((r) => r.mine).map((r) => r.emoji)}
        onPick={(emoji) => {
          toggle(emoji);
          setPicking(false);
        }}
        onClose={() => setPicking(false)}
        returnFocus={() => addRef.current?.focus()}
      />
    </div>
  );
}
