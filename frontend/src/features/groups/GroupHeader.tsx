import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { onDemand } from '../../components/onDemand';
import { selectConversationById } from '../conversations/conversationsSlice';
import { MuteMenu } from '../push/MuteMenu';
import { fetchGroup, fetchMembers, selectDeparture, selectDepartedName } from './groupsSlice';
import { canDo } from './roles';

const MembersDialog = onDemand(() => import('./MembersDialog').then((module) => module.MembersDialog));
const EditGroupDialog = onDemand(() => import('./EditGroupDialog').then((module) => module.EditGroupDialog));

/**
 * An open group's header: name, topic and member count (live: `conversation.updated` moves
 * them), the members panel, and the name/topic editor for those allowed. Loads the group and its
 * members when it opens.
 */
export function GroupHeader({ conversationId }: { conversationId: string }) {
  const dispatch = useAppDispatch();
  const conversation = useAppSelector((state) => selectConversationById(state, conversationId));
  const departed = useAppSelector((state) => selectDeparture(state, conversationId));
  const departedName = useAppSelector((state) => selectDepartedName(state, conversationId));
  const [panel, setPanel] = useState<'members' | 'edit' | null>(null);

  useEffect(() => {
    if (departed) return;
    void dispatch(fetchGroup(conversationId));
    void dispatch(fetchMembers({ conversationId }));
    // Once per group opened, and again if we are added back after a departure.
  }, [dispatch, conversationId, departed]);

  const name = conversation?.name ?? departedName ?? 'Group';
  const count = conversation?.memberCount ?? 0;
  const role = departed ? null : conversation?.myRole;
  const canEdit = canDo(role, 'rename') || canDo(role, 'setTopic');

  return (
    <header className="chat__header group-header" data-testid="group-header">
      <Link to="/" className="chat__back button button--ghost" aria-label="Back to conversations">
        ‹ Back
      </Link>
      <span className="avatar" aria-hidden="true">
        #
      </span>
      <div className="chat__title group-header__title">
        <h2 id="chat-title" data-testid="group-name">
          {name}
        </h2>
        <span className="group-header__topic" data-testid="group-topic">
          {conversation?.topic ? `${conversation.topic} · ` : ''}
          {!departed && (
            <span data-testid="member-count">
              {count} {count === 1 ? 'member' : 'members'}
            </span>
          )}
        </span>
      </div>
      <div className="group-header__actions">
        {!departed && (
          <button
            type="button"
            className="button button--ghost"
            aria-haspopup="dialog"
            onClick={() => setPanel('members')}
          >
            Members
          </button>
        )}
        {canEdit && (
          <button
            type="button"
            className="button button--ghost"
            aria-haspopup="dialog"
            aria-label="Edit group name and topic"
            onClick={() => setPanel('edit')}
          >
            Edit
          </button>
        )}
        {/* From the first render (the id is the route's), so that the actions keep their width
            when the group's details arrive. */}
        {!departed && <MuteMenu conversationId={conversationId} />}
      </div>
      {panel === 'members' && conversation && (
        <MembersDialog conversation={conversation} onClose={() => setPanel(null)} />
      )}
      {panel === 'edit' && conversation && <EditGroupDialog conversation={conversation} onClose={() => setPanel(null)} />}
    </header>
  );
}
