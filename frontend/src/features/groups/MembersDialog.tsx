import { useState } from 'react';
import type { ConversationSummary, GroupMember, GroupRole } from '../../api/types';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { Dialog } from './Dialog';
import {
  addMembers,
  fetchMembers,
  removeMember,
  selectGroupDetails,
  setMemberRole,
} from './groupsSlice';
import { PeoplePicker, type Picked } from './PeoplePicker';
import { canDo, memberActions, ROLE_LABEL, type MemberAction } from './roles';

const ACTION_LABEL: Record<Exclude<MemberAction, 'deleteMessage'>, string> = {
  makeAdmin: 'Make admin',
  makeMember: 'Make member',
  handOver: 'Make owner',
  remove: 'Remove',
};

const NEEDS_CONFIRMATION = new Set<MemberAction>(['remove', 'handOver']);

/** An inline "are you sure?": focus lands on it, so a keyboard user answers it at once. */
function Confirm({ question, yes, onYes, onNo }: { question: string; yes: string; onYes: () => void; onNo: () => void }) {
  return (
    <div className="members__confirm" role="group" aria-label="Confirm">
      <span>{question}</span>
      <button type="button" className="button button--primary" ref={(node) => node?.focus()} onClick={onYes}>
        {yes}
      </button>
      <button type="button" className="button button--ghost" onClick={onNo}>
        Cancel
      </button>
    </div>
  );
}

/**
 * The members panel: the member list (paged), each with their role, and only the actions our
 * role allows (`roles.ts`); adding people; leaving.
 */
export function MembersDialog({ conversation, onClose }: { conversation: ConversationSummary; onClose: () => void }) {
  const dispatch = useAppDispatch();
  const conversationId = conversation.id;
  const selfId = useAppSelector((state) => state.auth.user?.id ?? null);
  const details = useAppSelector((state) => selectGroupDetails(state, conversationId));
  const role = conversation.myRole ?? null;
  const [picked, setPicked] = useState<Picked[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  /** An action that asks "are you sure?" first (removing, handing over, leaving). */
  const [confirming, setConfirming] = useState<{ userId: string; action: MemberAction | 'leave' } | null>(null);
  const members = details?.members ?? [];

  const run = async (
    work: () => Promise<{ type: string; payload?: unknown }>,
    done: string,
  ): Promise<boolean> => {
    setBusy(true);
    setError(null);
    const result = await work();
    setBusy(false);
    if (result.type.endsWith('/rejected')) {
      const payload = result.payload as { message?: string } | undefined;
      setError(payload?.message ?? 'That did not work.');
      return false;
    }
    setStatus(done);
    return true;
  };

  const act = (member: GroupMember, action: MemberAction) => {
    const name = member.user.username;
    const userId = member.user.id;
    setConfirming(null);
    if (action === 'remove') {
      void run(() => dispatch(removeMember({ conversationId, userId })), `${name} was removed.`);
      return;
    }
    const role: GroupRole = action === 'makeAdmin' ? 'admin' : action === 'makeMember' ? 'member' : 'owner';
    void run(
      () => dispatch(setMemberRole({ conversationId, userId, role })),
      `${name} is now ${role === 'owner' ? 'the owner' : `a${role === 'admin' ? 'n admin' : ' member'}`}.`,
    );
  };

  const add = async () => {
    if (picked.length === 0) return;
    const names = picked.map((p) => p.username).join(', ');
    if (await run(() => dispatch(addMembers({ conversationId, userIds: picked.map((p) => p.id) })), `Added ${names}.`)) {
      setPicked([]);
    }
  };

  const leave = () => {
    setConfirming(null);
    if (!selfId) return;
    void run(() => dispatch(removeMember({ conversationId, userId: selfId })), 'You left the group.').then((left) => {
      if (left) onClose();
    });
  };

  return (
    <Dialog title={`Members of ${conversation.name ?? 'the group'}`} onClose={onClose} className="dialog--members" focusField={false}>
      <p className="muted" data-testid="members-summary">
        {conversation.memberCount ?? members.length} members · you are {role ? ROLE_LABEL[role].toLowerCase() : 'not a member'}
      </p>
      {details?.status === 'failed' && (
        <p className="field__error" role="alert">
          Could not load the members: {details.error?.message}
        </p>
      )}
      <ul className="members" aria-label="Members" aria-busy={details?.status === 'loading'}>
        {members.map((member) => {
          const isSelf = member.user.id === selfId;
          const actions = memberActions(role, member.role, isSelf);
          return (
            <li
              key={member.user.id}
              className="members__row"
              data-testid="member"
              data-username={member.user.username}
              data-role={member.role}
            >
              <span className="members__name">
                {member.user.username}
                {isSelf ? ' (you)' : ''}
              </span>
              <span className="pill">{ROLE_LABEL[member.role]}</span>
              {actions.length > 0 && (
                <span className="members__actions" role="group" aria-label={`Actions for ${member.user.username}`}>
                  {actions.map((action) =>
                    action === 'deleteMessage' ? null : (
                      <button
                        key={action}
                        type="button"
                        className="button button--ghost"
                        disabled={busy}
                        aria-label={`${ACTION_LABEL[action]}: ${member.user.username}`}
                        onClick={() =>
                          NEEDS_CONFIRMATION.has(action)
                            ? setConfirming({ userId: member.user.id, action })
                            : act(member, action)
                        }
                      >
                        {ACTION_LABEL[action]}
                      </button>
                    ),
                  )}
                </span>
              )}
              {confirming?.userId === member.user.id && confirming.action !== 'leave' && (
                <Confirm
                  question={
                    confirming.action === 'remove'
                      ? `Remove ${member.user.username} from the group?`
                      : `Make ${member.user.username} the owner? You will become an admin.`
                  }
                  yes={confirming.action === 'remove' ? 'Yes, remove' : 'Yes, make owner'}
                  onYes={() => act(member, confirming.action as MemberAction)}
                  onNo={() => setConfirming(null)}
                />
              )}
            </li>
          );
        })}
      </ul>
      {details?.nextCursor && (
        <button
          type="button"
          className="button button--block"
          disabled={details.status === 'loading'}
          onClick={() => void dispatch(fetchMembers({ conversationId, more: true }))}
        >
          Show more members
        </button>
      )}
      {canDo(role, 'addMembers') && (
        <div className="form">
          <PeoplePicker picked={picked} onChange={setPicked} exclude={members.map((m) => m.user.id)} />
          <div className="dialog__actions">
            <button type="button" className="button" disabled={busy || picked.length === 0} onClick={() => void add()}>
              Add {picked.length > 0 ? picked.length : ''} to group
            </button>
          </div>
        </div>
      )}
      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
      <p className="visually-hidden" role="status">
        {status}
      </p>
      {confirming?.action === 'leave' && (
        <Confirm
          question={`Leave ${conversation.name ?? 'the group'}? You will not see its messages any more.`}
          yes="Yes, leave"
          onYes={leave}
          onNo={() => setConfirming(null)}
        />
      )}
      <div className="dialog__actions">
        {canDo(role, 'leave') && selfId && (
          <button
            type="button"
            className="button button--ghost"
            disabled={busy}
            onClick={() => setConfirming({ userId: selfId, action: 'leave' })}
          >
            Leave group
          </button>
        )}
        <button type="button" className="button" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
