/**
 * Message search (contract §9): the query, its pages of results (newest first) and where a click
 * on a result asked the chat to open (`jump`). Only the answer to the latest query is kept: a
 * slower answer to an earlier one is dropped, so typing never shows stale results.
 */
import { createAsyncThunk, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { api, toApiErrorPayload, type ApiErrorPayload } from '../../api/client';
import { isSessionChange } from '../auth/sessionReset';
import type { JumpTarget, SearchConversation, SearchPage, SearchResult } from './types';

export const SEARCH_PAGE_SIZE = 20;
/** The server refuses longer queries (400); the input stops there. */
export const MAX_QUERY_CHARS = 200;

export type SearchStatus = 'idle' | 'loading' | 'ready' | 'failed';

export interface SearchState {
  /** The query the results answer (trimmed). */
  query: string;
  status: SearchStatus;
  results: SearchResult[];
  nextCursor: string | null;
  loadingMore: boolean;
  error: ApiErrorPayload | null;
  /** The request whose answer is wanted; others are stale. */
  requestId: string | null;
  jump: JumpTarget | null;
}

export const initialSearchState: SearchState = {
  query: '',
  status: 'idle',
  results: [],
  nextCursor: null,
  loadingMore: false,
  error: null,
  requestId: null,
  jump: null,
};

const createSearchThunk = createAsyncThunk.withTypes<{
  state: { search: SearchState };
  rejectValue: ApiErrorPayload;
}>();

const SEARCH_PATH = '/api/messages/search';

/** The first page of results for `q`. */
export const searchMessages = createSearchThunk(
  'search/run',
  async ({ q }: { q: string }, { rejectWithValue, signal }) => {
    try {
      return await api.get<SearchPage>(SEARCH_PATH, { query: { q, limit: SEARCH_PAGE_SIZE }, signal });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
);

/** The next page of the current results. */
export const loadMoreResults = createSearchThunk(
  'search/more',
  async (_: void, { getState, rejectWithValue }) => {
    const { query, nextCursor } = getState().search;
    try {
      return await api.get<SearchPage>(SEARCH_PATH, {
        query: { q: query, limit: SEARCH_PAGE_SIZE, cursor: nextCursor },
      });
    } catch (error) {
      return rejectWithValue(toApiErrorPayload(error));
    }
  },
  {
    condition: (_, { getState }) => {
      const { nextCursor, loadingMore, status } = getState().search;
      return status === 'ready' && nextCursor !== null && !loadingMore;
    },
  },
);

const searchSlice = createSlice({
  name: 'search',
  initialState: initialSearchState,
  reducers: {
    /** The query was emptied: nothing to show. */
    searchCleared(state) {
      return { ...initialSearchState, jump: state.jump };
    },
    /** A result was chosen: the chat opens at that message and marks it. */
    jumpRequested(state, action: PayloadAction<JumpTarget>) {
      state.jump = action.payload;
    },
    /** The chat that showed the jump closed (only if it is still this jump). */
    jumpCleared(state, action: PayloadAction<{ messageId: string }>) {
      if (state.jump?.messageId === action.payload.messageId) state.jump = null;
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(searchMessages.pending, (state, action) => {
        state.query = action.meta.arg.q;
        state.status = 'loading';
        state.error = null;
        state.requestId = action.meta.requestId;
        state.loadingMore = false;
      })
      .addCase(searchMessages.fulfilled, (state, action) => {
        if (action.meta.requestId !== state.requestId) return;
        state.status = 'ready';
        state.results = action.payload.results;
        state.nextCursor = action.payload.nextCursor;
      })
      .addCase(searchMessages.rejected, (state, action) => {
        if (action.meta.requestId !== state.requestId) return;
        if (action.meta.aborted) {
          // Closed or superseded before the answer: nothing is on its way any more.
          state.status = 'idle';
          return;
        }
        state.status = 'failed';
        state.results = [];
        state.nextCursor = null;
        state.error = action.payload ?? toApiErrorPayload(action.error);
      })
      .addCase(loadMoreResults.pending, (state) => {
        state.loadingMore = true;
      })
      .addCase(loadMoreResults.fulfilled, (state, action) => {
        state.loadingMore = false;
        // A new query started meanwhile: this page belongs to the old one.
        if (state.status !== 'ready') return;
        const held = new Set(state.results.map((r) => r.message.id));
        state.results.push(...action.payload.results.filter((r) => !held.has(r.message.id)));
        state.nextCursor = action.payload.nextCursor;
      })
      .addCase(loadMoreResults.rejected, (state, action) => {
        state.loadingMore = false;
        state.error = action.payload ?? toApiErrorPayload(action.error);
      })
      .addMatcher(isSessionChange, () => initialSearchState);
  },
});

export const { searchCleared, jumpRequested, jumpCleared } = searchSlice.actions;
export const searchReducer = searchSlice.reducer;

/** Results of one conversation, in the order the server sent them (newest first). */
export interface ResultGroup {
  conversation: SearchConversation;
  results: SearchResult[];
}

/** Results grouped by conversation; groups in the order of their newest result. */
export function groupByConversation(results: readonly SearchResult[]): ResultGroup[] {
  const groups = new Map<string, ResultGroup>();
  for (const result of results) {
    const id = result.conversation.id;
    let group = groups.get(id);
    if (!group) {
      group = { conversation: result.conversation, results: [] };
      groups.set(id, group);
    }
    group.results.push(result);
  }
  return [...groups.values()];
}

/** How a conversation is named in the results: a group's name, or the other person's. */
export function conversationTitle(conversation: SearchConversation): string {
  if (conversation.kind === 'group') return conversation.name ?? 'Group';
  return conversation.peer?.username || 'Direct chat';
}

/** Where a result opens: the direct chat with the peer, or the group. */
export function resultPath(result: SearchResult): string {
  const { conversation } = result;
  if (conversation.kind === 'direct' && conversation.peer) {
    return `/chat/${encodeURIComponent(conversation.peer.id)}`;
  }
  return `/group/${encodeURIComponent(conversation.id)}`;
}

type WithSearch = { search: SearchState };
export const selectSearch = (state: WithSearch) => state.search;
export const selectJump = (state: WithSearch) => state.search.jump;
