import type { ReactNode } from 'react';
import { REJECT_REASONS, type RunStatus } from '../../shared/protocol.ts';
import { formatDuration, formatInt, formatNumber } from './format.ts';

const STATE_LABELS: Record<RunStatus['state'], string> = {
  waiting: 'waiting for workers',
  training: 'training',
  solved: 'solved',
  budgetExhausted: 'budget exhausted',
  stopped: 'stopped',
};

function Stat({ label, children, testId, title }: { label: string; children: ReactNode; testId?: string; title?: string }) {
  return (
    <div className="stat" title={title}>
      <div className="stat__label">{label}</div>
      <div className="stat__value" data-testid={testId}>
        {children}
      </div>
    </div>
  );
}

/** The run's headline numbers: state, progress, return and the coordinator's decisions. */
export function StatusBar({ status }: { status: RunStatus }) {
  const rejectedTotal = REJECT_REASONS.reduce((sum, r) => sum + (status.rejected[r] ?? 0), 0);
  const reasons = REJECT_REASONS.filter((r) => (status.rejected[r] ?? 0) > 0);
  return (
    <section className="status" aria-label="run status">
      <div className="status__run">
        <span className="status__env">{status.envId}</span>
        <span className={`state state--${status.state}`} data-testid="run-state" data-state={status.state}>
          {STATE_LABELS[status.state]}
        </span>
        {status.controls.paused && status.state === 'training' && (
          <span className="state state--paused" data-testid="paused">paused by an admin</span>
        )}
        {status.solvedAtEnvSteps !== null && (
          <span className="status__solved">
            solved at {formatInt(status.solvedAtEnvSteps)} steps
            {status.solvedAtWallS !== null && ` in ${formatDuration(status.solvedAtWallS)}`}
          </span>
        )}
      </div>
      <div className="stats">
        <Stat label="env steps" testId="env-steps">{formatInt(status.envSteps)}</Stat>
        <Stat label="return (last 100)" testId="mean-return" title="mean episodic return over the last 100 episodes">{formatNumber(status.meanReturn, 1)}</Stat>
        <Stat label="episodes">{formatInt(status.episodes)}</Stat>
        <Stat label="version">{formatInt(status.version)}</Stat>
        <Stat label="accepted">{formatInt(status.accepted)}</Stat>
        <Stat label="rejected">
          {formatInt(rejectedTotal)}
          {reasons.length > 0 && (
            <ul className="reasons">
              {reasons.map((r) => (
                <li key={r}>
                  {r} <b>{formatInt(status.rejected[r])}</b>
                </li>
              ))}
            </ul>
          )}
        </Stat>
        <Stat label="training wall time">{formatDuration(status.trainingWallS)}</Stat>
      </div>
    </section>
  );
}
