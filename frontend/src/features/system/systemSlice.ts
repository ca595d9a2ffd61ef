/**
 * Which services answer through the gateway. Each service exposes
 * `GET /api/<service>/version` → `{service, version}`; a service is reachable when that call
 * answers 200 with that shape. A re-check keeps the last result on screen until the new one
 * lands, and a late answer from an older check never overwrites a newer one.
 */
import { createAsyncThunk, createSlice } from '@reduxjs/toolkit';
import { api, toApiErrorPayload } from '../../api/client';
import type { VersionInfo } from '../../api/types';

export const SERVICES = ['auth', 'users', 'messages', 'notifications'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** How long one version check may take before the service counts as unreachable. */
export const CHECK_TIMEOUT_MS = 5_000;

export type Reachability = 'unknown' | 'reachable' | 'unreachable';

export interface ServiceCheck {
  /** The gateway path that was called. */
  route: string;
  reachability: Reachability;
  /** Whether a check is running right now. */
  checking: boolean;
  /** What the service says it is, from the last good answer. */
  service: string | null;
  version: string | null;
  /** Why the last check failed. */
  error: string | null;
  checkedAt: string | null;
  /** The running check's request id, so stale answers can be ignored. */
  latestRequestId: string | null;
}

export type SystemState = Record<ServiceName, ServiceCheck>;

export const versionRoute = (service: ServiceName) => `/api/${service}/version`;

export const initialSystemState: SystemState = Object.fromEntries(
  SERVICES.map((service) => [
    service,
    {
      route: versionRoute(service),
      reachability: 'unknown',
      checking: false,
      service: null,
      version: null,
      error: null,
      checkedAt: null,
      latestRequestId: null,
    } satisfies ServiceCheck,
  ]),
) as SystemState;

function isVersionInfo(value: unknown): value is VersionInfo {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.service === 'string' && typeof record.version === 'string';
}

export const checkService = createAsyncThunk.withTypes<{ rejectValue: string }>()(
  'system/checkService',
  async (service: ServiceName, { rejectWithValue }) => {
    try {
      const body = await api.get<unknown>(versionRoute(service), {
        refreshOnUnauthorized: false,
        signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
      });
      if (!isVersionInfo(body)) {
        return rejectWithValue('Answered, but not with {service, version}.');
      }
      return body;
    } catch (error) {
      const payload = toApiErrorPayload(error);
      const status = payload.status > 0 ? `HTTP ${payload.status}: ` : '';
      return rejectWithValue(`${status}${payload.message}`);
    }
  },
);

/** Checks every service at once; settles when all four have answered or timed out. */
export const checkAllServices = createAsyncThunk(
  'system/checkAllServices',
  async (_: void, { dispatch }) => {
    await Promise.all(SERVICES.map((service) => dispatch(checkService(service))));
  },
);

const systemSlice = createSlice({
  name: 'system',
  initialState: initialSystemState,
  reducers: {},
  extraReducers: (builder) => {
    builder
      .addCase(checkService.pending, (state, action) => {
        const check = state[action.meta.arg];
        check.checking = true;
        check.latestRequestId = action.meta.requestId;
      })
      .addCase(checkService.fulfilled, (state, action) => {
        const check = state[action.meta.arg];
        if (check.latestRequestId !== action.meta.requestId) return;
        check.checking = false;
        check.reachability = 'reachable';
        check.service = action.payload.service;
        check.version = action.payload.version;
        check.error = null;
        check.checkedAt = new Date().toISOString();
      })
      .addCase(checkService.rejected, (state, action) => {
        const check = state[action.meta.arg];
        if (check.latestRequestId !== action.meta.requestId) return;
        check.checking = false;
        check.reachability = 'unreachable';
        check.error = action.payload ?? action.error.message ?? 'Unknown error.';
        check.checkedAt = new Date().toISOString();
      });
  },
});

export const systemReducer = systemSlice.reducer;

type WithSystem = { system: SystemState };
export const selectServiceChecks = (state: WithSystem) => state.system;
export const selectReachableCount = (state: WithSystem) =>
  SERVICES.filter((service) => state.system[service].reachability === 'reachable').length;
