/** How the two sockets are doing, for the "reconnecting" banner. */
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { SocketStatus } from './ReconnectingSocket';

export type SocketName = 'chat' | 'notifications';

export type ConnectionState = Record<SocketName, SocketStatus>;

export const initialConnectionState: ConnectionState = { chat: 'idle', notifications: 'idle' };

const connectionSlice = createSlice({
  name: 'connection',
  initialState: initialConnectionState,
  reducers: {
    socketStatusChanged(state, action: PayloadAction<{ socket: SocketName; status: SocketStatus }>) {
      state[action.payload.socket] = action.payload.status;
    },
  },
});

export const { socketStatusChanged } = connectionSlice.actions;
export const connectionReducer = connectionSlice.reducer;
export const selectChatSocketStatus = (state: { connection: ConnectionState }) => state.connection.chat;
