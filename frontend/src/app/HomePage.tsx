import { useCallback, useEffect, useMemo, useState } from 'react';
import { useMatch, useNavigate } from 'react-router';
import type { ConversationSummary, DirectoryUser } from '../api/types';
import { Alert } from '../components/Alert';
import { ListSkeleton } from '../components/ListSkeleton';
import { onDemand } from '../components/onDemand';
import { selectAuthError, selectCurrentUser } from '../features/auth/authSlice';
import { ChatPane } from '../features/chat/ChatPane';
import { CONVERSATION_ROW_HEIGHT, ConversationList } from '../features/conversations/ConversationList';
import {
  fetchConversations,
  selectConversations,
  selectConversationsError,
  selectConversationsNextCursor,
  selectConversationsStatus,
} from '../features/conversations/conversationsSlice';
import { ConnectionBanner } from '../features/realtime/ConnectionBanner';
import { groupPath } from '../features/groups/paths';
import '../features/groups/groups.css';
import { USER_ROW_HEIGHT, UserList } from '../features/users/UserList';
import {
  fetchUsers,
  matchesQuery,
  selectDirectory,
  selectOnlineCount,
  selectUsersError,
  selectUsersNextCursor,
  selectUsersStatus,
} from '../features/users/usersSlice';
import { AppHeader } from './AppHeader';
import { useAppDispatch, useAppSelector } from './hooks';
import { useMediaQuery } from './useMediaQuery';
import { useNow } from './useNow';

const NewGroupDialog = onDemand(() =>
  import('../features/groups/NewGroupDialog').then((module) => module.NewGroupDialog),
);

/** One pane at a time below this width (index.css has the same breakpoint). */
const NARROW_SCREEN = '(max-width: 760px)';

/** Wait after the last keystroke before asking the server (`q`); local filtering is instant. */
const SEARCH_DEBOUNCE_MS = 250;

/**
 * The signed-in home: conversations and people on the left, the open chat (`/chat/:peerId`) on
 * the right. On narrow screens only one of the two shows: the list at `/`, the chat when open.
 */
export function HomePage() {
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const peerId = useMatch('/chat/:peerId')?.params.peerId ?? null;
  const groupId = useMatch('/group/:conversationId')?.params.conversationId ?? null;
  const openId = peerId ?? groupId;
  const groupName = useAppSelector((state) => (groupId ? state.conversations.entities[groupId]?.name : null));
  const knownNames = useAppSelector((state) => state.groups.names);
  const [newGroupOpen, setNewGroupOpen] = useState(false);
  const user = useAppSelector(selectCurrentUser);
  const signOutError = useAppSelector(selectAuthError);
  const directory = useAppSelector(selectDirectory);
  const usersById = useAppSelector((state) => state.users.entities);
  const onlineCount = useAppSelector(selectOnlineCount);
  const usersStatus = useAppSelector(selectUsersStatus);
  const usersError = useAppSelector(selectUsersError);
  const usersNextCursor = useAppSelector(selectUsersNextCursor);
  const usersQuery = useAppSelector((state) => state.users.query);
  const conversations = useAppSelector(selectConversations);
  const conversationsStatus = useAppSelector(selectConversationsStatus);
  const conversationsError = useAppSelector(selectConversationsError);
  const conversationsNextCursor = useAppSelector(selectConversationsNextCursor);
  const now = useNow(30_000);
  // On a narrow screen the pane that does not show is not rendered at all (no work for it).
  const narrow = useMediaQuery(NARROW_SCREEN);
  const showSidebar = !narrow || openId === null;
  const showChat = !narrow || openId !== null;
  const [search, setSearch] = useState('');

  useEffect(() => {
    // No abort on unmount: StrictMode's remount would find the first request still loading.
    void dispatch(fetchUsers());
  }, [dispatch]);

  useEffect(() => {
    if (conversationsStatus === 'idle') void dispatch(fetchConversations());
  }, [conversationsStatus, dispatch]);

  // The server search (`q`) finds people beyond the loaded pages; the list filters at once.
  useEffect(() => {
    const query = search.trim();
    if (query === usersQuery) return;
    const timer = setTimeout(() => void dispatch(fetchUsers(query ? { q: query } : undefined)), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search, usersQuery, dispatch]);

  const people = useMemo(
    () => (search.trim() ? directory.filter((person) => matchesQuery(person.username, search)) : directory),
    [directory, search],
  );
  const openChat = useCallback((id: string) => void navigate(`/chat/${id}`), [navigate]);
  // Stable callbacks, so the memoised lists skip the home's re-renders that do not concern them.
  const chooseConversation = useCallback(
    (conversation: ConversationSummary) =>
      conversation.peer ? openChat(conversation.peer.id) : void navigate(groupPath(conversation.id)),
    [openChat, navigate],
  );
  const choosePerson = useCallback((person: DirectoryUser) => openChat(person.id), [openChat]);
  // Until the first answer, skeletons hold the lists' places ('idle' is the render before the
  // fetch starts), so the empty-list text never flashes and nothing moves when data arrives.
  const firstUsersLoad = (usersStatus === 'idle' || usersStatus === 'loading') && directory.length === 0;
  const firstConversationsLoad =
    (conversationsStatus === 'idle' || conversationsStatus === 'loading') && conversations.length === 0;

  return (
    <>
      <title>
        {peerId && usersById[peerId]
          ? `${usersById[peerId]?.username} · GoChat`
          : groupName
            ? `${groupName} · GoChat`
            : 'GoChat'}
      </title>
      <AppHeader />
      <ConnectionBanner />
      <main className={`home${openId ? ' home--chat-open' : ''}`}>
        {signOutError && (
          <Alert tone="error">Could not sign out: {signOutError.message}</Alert>
        )}
        {showSidebar && (
          <aside className="sidebar" aria-label="Conversations and people">
            <section className="sidebar__section" aria-labelledby="chats-heading">
              <div className="panel__header">
                <h2 id="chats-heading">Chats</h2>
                <button
                  type="button"
                  className="button button--ghost"
                  aria-haspopup="dialog"
                  onClick={() => setNewGroupOpen(true)}
                >
                  New group
                </button>
              </div>
              {newGroupOpen && <NewGroupDialog onClose={() => setNewGroupOpen(false)} />}
              <div className="sidebar__list">
                {conversationsStatus === 'failed' && conversationsError && (
                  <Alert tone="error">
                    Could not load conversations: {conversationsError.message}{' '}
                    <button type="button" className="link-button" onClick={() => void dispatch(fetchConversations())}>
                      Try again
                    </button>
                  </Alert>
                )}
                {firstConversationsLoad ? (
                  <ListSkeleton rowHeight={CONVERSATION_ROW_HEIGHT} label="Loading conversations…" />
                ) : (
                  <ConversationList
                    conversations={conversations}
                    selfId={user?.id ?? null}
                    usersById={usersById}
                    selectedPeerId={peerId}
                    selectedGroupId={groupId}
                    names={knownNames}
                    onChoose={chooseConversation}
                    now={now}
                  />
                )}
              </div>
              {conversationsNextCursor && conversationsStatus !== 'loading' && (
                <button
                  type="button"
                  className="button button--block"
                  onClick={() => void dispatch(fetchConversations({ cursor: conversationsNextCursor }))}
                >
                  Show more conversations
                </button>
              )}
            </section>

            <section className="sidebar__section" aria-labelledby="people-heading">
              <div className="panel__header">
                <h2 id="people-heading">People</h2>
                <span className="pill" aria-live="polite">
                  {onlineCount} online
                </span>
              </div>
              <div className="search">
                <label htmlFor="people-search" className="visually-hidden">
                  Search people
                </label>
                <input
                  id="people-search"
                  type="search"
                  className="field__input search__input"
                  placeholder="Search people"
                  autoComplete="off"
                  spellCheck={false}
                  value={search}
                  onChange={(event) => setSearch(event.target.value)}
                />
              </div>
              <div className="sidebar__list">
                {usersStatus === 'failed' && usersError && (
                  <Alert tone="error">
                    Could not load people: {usersError.message}{' '}
                    <button type="button" className="link-button" onClick={() => void dispatch(fetchUsers())}>
                      Try again
                    </button>
                  </Alert>
                )}
                {firstUsersLoad && <ListSkeleton rowHeight={USER_ROW_HEIGHT} label="Loading people…" />}
                {!firstUsersLoad && usersStatus !== 'failed' && (
                  <UserList
                    users={people}
                    now={now}
                    selectedId={peerId}
                    onChoose={choosePerson}
                    emptyText={search.trim() ? `No one whose name starts with “${search.trim()}”.` : undefined}
                  />
                )}
              </div>
              {usersNextCursor && usersStatus !== 'loading' && (
                <button
                  type="button"
                  className="button button--block"
                  onClick={() =>
                    void dispatch(fetchUsers({ cursor: usersNextCursor, q: usersQuery || undefined }))
                  }
                >
                  Show more people
                </button>
              )}
            </section>
          </aside>
        )}

        {!showChat ? null : peerId ? (
          <ChatPane key={peerId} peerId={peerId} />
        ) : groupId ? (
          <ChatPane key={groupId} peerId={groupId} group />
        ) : (
          <section className="chat chat--empty welcome" aria-labelledby="welcome-heading">
            <h1 id="welcome-heading">Welcome, {user?.username}</h1>
            <p className="muted">
              Pick a conversation, or someone under People, to start chatting. A green dot means
              they are online right now.
            </p>
          </section>
        )}
      </main>
    </>
  );
}
