import { stageShares, type BackendTiming, type WorkerInfo } from '../../shared/protocol.ts';
import { formatInt, formatNumber } from './format.ts';

function timingsTitle(timings: readonly BackendTiming[]): string {
  if (timings.length === 0) return 'no backend timings';
  return [
    'gradient step (median):',
    ...timings.map((t) =>
      t.gradMs === null ? `${t.backend}: failed${t.error ? ` (${t.error})` : ''}` : `${t.backend}: ${t.gradMs.toFixed(1)} ms`,
    ),
  ].join('\n');
}

/** Most rows the table draws: connected workers first, then by index; the counts above it cover all. */
export const MAX_WORKER_ROWS = 100;

/** The worker registry: one row per tab that joined, departed ones greyed out, at most MAX_WORKER_ROWS of them. */
export function WorkerTable({ workers }: { workers: readonly WorkerInfo[] }) {
  const sorted = [...workers].sort((a, b) => Number(b.connected) - Number(a.connected) || a.workerIndex - b.workerIndex);
  const rows = sorted.slice(0, MAX_WORKER_ROWS);
  const live = workers.filter((w) => w.connected).length;
  return (
    <section className="workers">
      <h2>
        Workers <span className="muted">{live} connected, {workers.length} total</span>
      </h2>
      {rows.length === 0 ? (
        <p className="muted">No workers yet — open this page's “Contribute this tab” link to add one.</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>id</th>
                <th>backend</th>
                <th>adapter</th>
                <th className="num">accepted</th>
                <th className="num">rejected</th>
                <th className="num">env steps</th>
                <th className="num" title="env steps per second over the last tick">steps/s</th>
                <th className="num" title="accepted updates per second over the last tick">updates/s</th>
                <th className="num" title="moving average of how many versions old its updates arrive">staleness</th>
                <th className="num" title="steps per env of its rollouts, as work sizing or link sizing set them">rollout</th>
                <th className="num" title="the coordinator's trust in it: up with accepted work, down with failed checks; a quarantined worker's updates no longer count; one on probation joined from an address where workers were quarantined lately">trust</th>
                <th title="where its time went since it joined">time</th>
                <th>connected</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <tr
                  key={w.workerId}
                  className={w.connected ? undefined : 'gone'}
                  data-quarantined={w.quarantined}
                  title={timingsTitle(w.timings)}
                  data-testid="worker-row"
                  data-connected={w.connected}
                >
                  <td>
                    <span className="mono">#{w.workerIndex}</span> <span className="muted mono">{w.workerId}</span>
                  </td>
                  <td>
                    <span className={`backend backend--${w.backend}`}>{w.backend}</span>
                  </td>
                  <td className="adapter">{w.adapter || '–'}</td>
                  <td className="num">{formatInt(w.accepted)}</td>
                  <td className="num">{formatInt(w.rejected)}</td>
                  <td className="num">{formatInt(w.envSteps)}</td>
                  <td className="num">{formatNumber(w.envStepsPerS, 0)}</td>
                  <td className="num">{formatNumber(w.updatesPerS, 1)}</td>
                  <td className="num">{formatNumber(w.meanStaleness, 2)}</td>
                  <td className="num" data-testid="worker-rollout-steps">{formatInt(w.numSteps)}</td>
                  <td className="num" data-testid="worker-trust">
                    {w.quarantined ? <strong>quarantined</strong> : formatNumber(w.trust, 2)}
                    {w.probation && !w.quarantined && <span className="muted"> probation</span>}
                  </td>
                  <td className="stages" data-testid="worker-stages">{stageShares(w.stageSeconds)}</td>
                  <td>{w.connected ? 'yes' : 'left'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {sorted.length > rows.length && (
            <p className="muted" data-testid="workers-more">showing {rows.length} of {sorted.length} workers; the CSV history and /metrics cover all</p>
          )}
        </div>
      )}
    </section>
  );
}
