import { describe, expect, it } from 'vitest';
import { CONV_AB, message } from '../../test/chatFixtures';
import { parseChatFrame } from './frames';

const votes = (overrides: Record<string, unknown> = {}) => ({
  type: 'message.votes',
  conversationId: CONV_AB,
  messageId: message(1).id,
  up: 2,
  down: 1,
  mine: 'up',
  ...overrides,
});

describe('message.votes frames', () => {
  it('parse with the receiving user’s own vote, ignoring extra fields', () => {
    expect(parseChatFrame(votes({ extra: true }))).toEqual({
      type: 'message.votes',
      conversationId: CONV_AB,
      messageId: message(1).id,
      up: 2,
      down: 1,
      mine: 'up',
    });
    expect(parseChatFrame(votes({ mine: 'down' }))).toMatchObject({ mine: 'down' });
  });

  it('read a null or missing `mine` as no vote', () => {
    expect(parseChatFrame(votes({ mine: null }))).toMatchObject({ mine: null });
    expect(parseChatFrame(votes({ mine: undefined }))).toMatchObject({ mine: null });
  });

  it('are dropped when a count or the own vote is not what the contract says', () => {
    expect(parseChatFrame(votes({ up: '2' }))).toBeNull();
    expect(parseChatFrame(votes({ down: -1 }))).toBeNull();
    expect(parseChatFrame(votes({ up: 1.5 }))).toBeNull();
    expect(parseChatFrame(votes({ mine: 'sideways' }))).toBeNull();
    expect(parseChatFrame(votes({ messageId: 7 }))).toBeNull();
    expect(parseChatFrame(votes({ conversationId: undefined }))).toBeNull();
  });
});

describe('messages in frames', () => {
  it('keep the votes they carry', () => {
    const withVotes = message(1, { votes: { up: 1, down: 0, mine: null } });
    expect(parseChatFrame({ type: 'message.new', message: withVotes })).toEqual({ type: 'message.new', message: withVotes });
  });

  it('get zero votes when they carry none, or malformed ones', () => {
    const { votes: _omitted, ...bare } = message(1);
    const zero = { up: 0, down: 0, mine: null };
    expect(parseChatFrame({ type: 'message.new', message: bare })).toMatchObject({ message: { votes: zero } });
    expect(
      parseChatFrame({ type: 'message.ack', clientMsgId: 'c', message: { ...bare, votes: { up: 'x' } } }),
    ).toMatchObject({ message: { votes: zero } });
  });
});

describe('error frames', () => {
  it('parse without a clientMsgId (a refused vote names none)', () => {
    expect(parseChatFrame({ type: 'error', code: 'not_found', message: 'No such message.' })).toEqual({
      type: 'error',
      code: 'not_found',
      message: 'No such message.',
    });
  });
});
