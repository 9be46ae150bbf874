import type { Connection } from './useDashboard.ts';

const LABELS: Record<Connection, string> = {
  connecting: 'connecting…',
  connected: 'live',
  disconnected: 'disconnected',
};

export function ConnectionBadge({ connection }: { connection: Connection }) {
  return (
    <span className={`connection connection--${connection}`} data-testid="connection" data-state={connection}>
      <span className="connection__dot" aria-hidden="true" />
      {LABELS[connection]}
    </span>
  );
}
