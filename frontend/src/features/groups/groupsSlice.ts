/**
 * Groups (contract §6) beyond what the conversation list holds: each open group's members (paged,
 * as the server orders them: owner, admins, members, each by username), every member's read and
 * delivered watermarks (seeded by the member pages, moved forward by `message.read` and
 * `message.delivered` frames) for "seen by", the names learnt along the way (system messages
 * name people who may have left), and the groups we are no longer in.
 *
 * The group itself (name, topic, member count, our role) lives in the conversations slice, which
 * every answer of the group routes and every `conversation.updated` frame upserts
 * (`conversationUpdated`).
 */
import { createAsyncThunk, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { api, apiRequest, toApiErrorPayload, type ApiErrorPayload } from '../../api/client';
import type {
  ConversationEnvelope,
  ConversationSummary,
  GroupMember,
  GroupRole,
  MemberPage,
} from '../../api/types';
import { readReceived } from '../../events/chatEvents';
import { conversationRemoved, conversationUpdated, deliveredReceived } from '../../events/groupEvents';
import type { AuthState } from '../auth/authSlice';
import { isSessionChange } from '../auth/sessionReset';

/** The contract's maximum page (`limit` at most 100). */
export const MEMBERS_PAGE_SIZE = 100;

export interface Watermark {
  read: number;
  delivered: number;
}

export interface GroupDetails {
  members: GroupMember[];
  nextCursor: string | null;
  status: 'idle' | 'loading' | 'ready' | 'failed';
  error: ApiErrorPayload | null;
  /** userId → how far that member has read and received. */
  watermarks: Record<string, Watermark>;
}

/** How we stopped being a member: we left, or someone removed us. */
export type Departure = 'left' | 'removed';

export interface GroupsState {
  byConversation: Record<string, GroupDetails>;
  /** userId → username, from member pages (kept after they leave, for the timeline's lines). */
  names: Record<string, string>;
  /** conversationId → how we stopped being a member, for the open view to say so. */
  departed: Record<string, Departure>;
  /** conversationId → the name of a group we are out of (it is gone from the list). */
  departedNames: Record<string, string>;
  /** Groups we asked to leave, so the `conversation.removed` that follows reads as "left". */
  leaving: Record<string, true>;
  /** Groups the server answered 404 for (never ours, or gone). */
  missing: Record<string, true>;
}

export const initialGroupsState: GroupsState = {
  byConversation: {},
  names: {},
  departed: {},
  departedNames: {},
  leaving: {},
  missing: {},
};

type ThunkState = {
  groups: GroupsState;
  auth: AuthState;
  conversations: { entities: Record<string, ConversationSummary | undefined> };
};
const createGroupsThunk = createAsyncThunk.withTypes<{ state: ThunkState; rejectValue: ApiErrorPayload }>();

const groupPath = (conversationId: string) => `/api/messages/conversations/${encodeURIComponent(conversationId)}`;
const membersPath = (conversationId: string) => `${groupPath(conversationId)}/members`;

/** Runs a group route and turns its failure into the contract's error payload. */
async function call<T>(run: () => Promise<T>, rejectWithValue: (error: ApiErrorPayload) => unknown): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw rejectWithValue(toApiErrorPayload(error));
  }
}

/** `GET /conversations/{id}`: the group as it is now, into the conversation list. */
export const fetchGroup = createGroupsThunk(
  'groups/fetch',
  async (conversationId: string, { dispatch, rejectWithValue }) => {
    try {
      const { conversation } = await api.get<ConversationEnvelope>(groupPath(conversationId));
      dispatch(conversationUpdated({ conversation }));
      return conversation;
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

/** The first page of members (`more`: the page after the ones held). */
export const fetchMembers = createGroupsThunk(
  'groups/fetchMembers',
  async ({ conversationId, more = false }: { conversationId: string; more?: boolean }, { getState, rejectWithValue }) => {
    const cursor = more ? getState().groups.byConversation[conversationId]?.nextCursor : null;
    try {
      return await api.get<MemberPage>(membersPath(conversationId), {
        query: { limit: MEMBERS_PAGE_SIZE, cursor },
      });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

/** `POST /conversations`: a new group with us as owner. Resolves to the group. */
export const createGroup = createGroupsThunk(
  'groups/create',
  async ({ name, memberIds }: { name: string; memberIds: string[] }, { dispatch, rejectWithValue }) => {
    try {
      const { conversation } = await api.post<ConversationEnvelope>('/api/messages/conversations', {
        name,
        memberIds,
      });
      dispatch(conversationUpdated({ conversation }));
      return conversation;
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

/** A change answered by the group as it is now: into the list, and the members re-read. */
async function applyChange(
  conversationId: string,
  request: () => Promise<ConversationEnvelope>,
  dispatch: (action: unknown) => unknown,
): Promise<ConversationSummary> {
  const { conversation } = await request();
  dispatch(conversationUpdated({ conversation }));
  dispatch(fetchMembers({ conversationId }));
  return conversation;
}

/** `PATCH /conversations/{id}`: rename and/or set the topic. */
export const updateGroup = createGroupsThunk(
  'groups/update',
  async (
    { conversationId, name, topic }: { conversationId: string; name?: string; topic?: string },
    { dispatch, rejectWithValue },
  ) =>
    call(
      () =>
        applyChange(
          conversationId,
          () => apiRequest<ConversationEnvelope>(groupPath(conversationId), { method: 'PATCH', body: { name, topic } }),
          dispatch,
        ),
      rejectWithValue,
    ),
);

/** `POST /conversations/{id}/members`. */
export const addMembers = createGroupsThunk(
  'groups/addMembers',
  async ({ conversationId, userIds }: { conversationId: string; userIds: string[] }, { dispatch, rejectWithValue }) =>
    call(
      () =>
        applyChange(
          conversationId,
          () => api.post<ConversationEnvelope>(membersPath(conversationId), { userIds }),
          dispatch,
        ),
      rejectWithValue,
    ),
);

/** `PUT /conversations/{id}/members/{userId}/role` (`owner` hands ownership over). */
export const setMemberRole = createGroupsThunk(
  'groups/setRole',
  async (
    { conversationId, userId, role }: { conversationId: string; userId: string; role: GroupRole },
    { dispatch, rejectWithValue },
  ) =>
    call(
      () =>
        applyChange(
          conversationId,
          () =>
            apiRequest<ConversationEnvelope>(`${membersPath(conversationId)}/${encodeURIComponent(userId)}/role`, {
              method: 'PUT',
              body: { role },
            }),
          dispatch,
        ),
      rejectWithValue,
    ),
);

/** `DELETE /conversations/{id}/members/{userId}`: our own id leaves, another removes them. */
export const removeMember = createGroupsThunk(
  'groups/removeMember',
  async ({ conversationId, userId }: { conversationId: string; userId: string }, { dispatch, getState, rejectWithValue }) => {
    const leaving = getState().auth.user?.id === userId;
    // Marked before the request: the server's `conversation.removed` can overtake its answer.
    if (leaving) dispatch(leaveRequested(conversationId));
    try {
      await apiRequest<void>(`${membersPath(conversationId)}/${encodeURIComponent(userId)}`, { method: 'DELETE' });
    } catch (error) {
      if (leaving) dispatch(leaveAbandoned(conversationId));
      return rejectWithValue(toApiErrorPayload(error));
    }
    // Our own departure is final at once; the server's `conversation.removed` may follow.
    if (leaving) {
      dispatch(conversationRemoved({ conversationId, name: getState().conversations.entities[conversationId]?.name }));
    }
    else void dispatch(fetchMembers({ conversationId }));
    return { leaving };
  },
);

function detailsFor(state: GroupsState, conversationId: string): GroupDetails {
  let details = state.byConversation[conversationId];
  if (!details) {
    details = { members: [], nextCursor: null, status: 'idle', error: null, watermarks: {} };
    state.byConversation[conversationId] = details;
  }
  return details;
}

/** Moves one member's watermarks forward (never back: a page may be older than a frame). */
function raise(details: GroupDetails, userId: string, read: number, delivered: number) {
  const held = details.watermarks[userId] ?? { read: 0, delivered: 0 };
  const nextRead = Math.max(held.read, read);
  // Reading implies delivered.
  details.watermarks[userId] = { read: nextRead, delivered: Math.max(held.delivered, delivered, nextRead) };
}

const groupsSlice = createSlice({
  name: 'groups',
  initialState: initialGroupsState,
  reducers: {
    /** Names learnt elsewhere (the directory, a user fetch). */
    namesLearnt(state, action: PayloadAction<Record<string, string>>) {
      Object.assign(state.names, action.payload);
    },
    leaveRequested(state, action: PayloadAction<string>) {
      state.leaving[action.payload] = true;
    },
    leaveAbandoned(state, action: PayloadAction<string>) {
      delete state.leaving[action.payload];
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(fetchGroup.fulfilled, (state, action) => {
        delete state.missing[action.meta.arg];
      })
      .addCase(fetchGroup.rejected, (state, action) => {
        if (action.payload?.status === 404) state.missing[action.meta.arg] = true;
      })
      .addCase(fetchMembers.pending, (state, action) => {
        const details = detailsFor(state, action.meta.arg.conversationId);
        details.status = 'loading';
        details.error = null;
      })
      .addCase(fetchMembers.fulfilled, (state, action) => {
        const { conversationId, more } = action.meta.arg;
        const details = detailsFor(state, conversationId);
        const page = action.payload.members;
        if (more) {
          const held = new Set(details.members.map((member) => member.user.id));
          details.members.push(...page.filter((member) => !held.has(member.user.id)));
        } else {
          // A first page replaces what was held: members may have left or changed role.
          details.members = page;
        }
        details.nextCursor = action.payload.nextCursor;
        details.status = 'ready';
        for (const member of page) {
          state.names[member.user.id] = member.user.username;
          raise(details, member.user.id, member.lastReadSeq, member.lastDeliveredSeq);
        }
      })
      .addCase(fetchMembers.rejected, (state, action) => {
        const details = detailsFor(state, action.meta.arg.conversationId);
        details.status = 'failed';
        details.error = action.payload ?? toApiErrorPayload(action.error);
      })
      .addCase(readReceived, (state, action) => {
        const details = state.byConversation[action.payload.conversationId];
        if (details) raise(details, action.payload.readerId, action.payload.seq, 0);
      })
      .addCase(deliveredReceived, (state, action) => {
        const details = state.byConversation[action.payload.conversationId];
        if (details) raise(details, action.payload.userId, 0, action.payload.seq);
      })
      .addCase(conversationUpdated, (state, action) => {
        const { conversation } = action.payload;
        delete state.departed[conversation.id];
        delete state.departedNames[conversation.id];
        delete state.missing[conversation.id];
      })
      .addCase(conversationRemoved, (state, action) => {
        const { conversationId } = action.payload;
        // The server's frame and our leave's answer both land here, in either order.
        state.departed[conversationId] ??= state.leaving[conversationId] ? 'left' : 'removed';
        if (action.payload.name) state.departedNames[conversationId] = action.payload.name;
        delete state.leaving[conversationId];
        delete state.byConversation[conversationId];
      })
      .addMatcher(isSessionChange, () => initialGroupsState);
  },
});

export const { namesLearnt, leaveRequested, leaveAbandoned } = groupsSlice.actions;
export const groupsReducer = groupsSlice.reducer;

type WithGroups = { groups: GroupsState };
export const selectGroupDetails = (state: WithGroups, conversationId: string): GroupDetails | undefined =>
  state.groups.byConversation[conversationId];
export const selectDeparture = (state: WithGroups, conversationId: string): Departure | undefined =>
  state.groups.departed[conversationId];
export const selectDepartedName = (state: WithGroups, conversationId: string): string | undefined =>
  state.groups.departedNames[conversationId];
export const selectGroupMissing = (state: WithGroups, conversationId: string): boolean =>
  state.groups.missing[conversationId] === true;

/**
 * The members other than `selfId` who have read (`'read'`) or received (`'delivered'`) a
 * message with this seq, by name, in the member list's order.
 */
export function membersAtOrPast(
  details: GroupDetails | undefined,
  seq: number,
  selfId: string | null,
  mark: keyof Watermark,
): string[] {
  if (!details) return [];
  return details.members
    .filter((member) => member.user.id !== selfId && (details.watermarks[member.user.id]?.[mark] ?? 0) >= seq)
    .map((member) => member.user.username);
}
