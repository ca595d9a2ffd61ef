/**
 * The push and mute routes of the notifications service (CONTRACT.md section 10).
 */
import { apiRequest } from '../../api/client';

export interface PushSubscriptionRecord {
  id: string;
  endpoint: string;
  createdAt: string;
}

export interface Mute {
  conversationId: string;
  /** RFC 3339, or null: until unmuted. */
  until: string | null;
}

export const pushApi = {
  key: () => apiRequest<{ publicKey: string }>('/api/notifications/push/key'),
  subscribe: (subscription: PushSubscriptionJSON) =>
    apiRequest<{ subscription: PushSubscriptionRecord }>('/api/notifications/push/subscriptions', {
      method: 'POST',
      body: subscription,
    }),
  subscriptions: () =>
    apiRequest<{ subscriptions: PushSubscriptionRecord[] }>('/api/notifications/push/subscriptions'),
  unsubscribe: (id: string) =>
    apiRequest<void>(`/api/notifications/push/subscriptions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  mutes: () => apiRequest<{ mutes: Mute[] }>('/api/notifications/mutes'),
  mute: (conversationId: string, until: string | null) =>
    apiRequest<void>(`/api/notifications/mutes/${encodeURIComponent(conversationId)}`, {
      method: 'PUT',
      body: { until },
    }),
  unmute: (conversationId: string) =>
    apiRequest<void>(`/api/notifications/mutes/${encodeURIComponent(conversationId)}`, { method: 'DELETE' }),
};
