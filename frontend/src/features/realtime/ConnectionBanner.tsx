import { useAppSelector } from '../../app/hooks';
import { selectChatSocketStatus } from './connectionSlice';

/** Says so when the chat connection is down; sends wait in the outbox meanwhile. */
export function ConnectionBanner() {
  const status = useAppSelector(selectChatSocketStatus);
  if (status !== 'reconnecting' && status !== 'offline') return null;
  return (
    <div className="connection-banner" role="status" data-testid="connection-banner">
      {status === 'offline'
        ? 'You are offline. Messages will be sent when the connection is back.'
        : 'Reconnecting…'}
    </div>
  );
}
