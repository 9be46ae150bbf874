import { M } from '../../shared/metrics.ts';
import { ConnectionBadge } from './ConnectionBadge.tsx';
import { MetricChart } from './MetricChart.tsx';
import { StatusBar } from './StatusBar.tsx';
import { StalenessChart } from './StalenessChart.tsx';
import { useDashboard } from './useDashboard.ts';
import { WorkerTable } from './WorkerTable.tsx';

/** The live training dashboard. */
export function App() {
  const { connection, data } = useDashboard();
  const hasSps = data?.history.some((p) => p.metrics[M.sps] !== undefined) ?? false;

  return (
    <div className="app">
      <header className="topbar">
        <h1>tabswarm</h1>
        <ConnectionBadge connection={connection} />
        <a className="contribute" href="/worker.html" data-testid="contribute">
          Contribute this tab
        </a>
      </header>
      {data === null ? (
        <p className="muted loading">Waiting for the coordinator…</p>
      ) : (
        <main>
          <StatusBar status={data.status} />
          <div className="charts">
            <MetricChart title="Mean return (last 100 episodes)" history={data.history} metric={M.meanReturn} unit="mean return" yLabel="mean return" />
            {hasSps && (
              <MetricChart title="Throughput (env steps/s)" history={data.history} metric={M.sps} unit="steps/s" color="#059669" height={180} digits={0} />
            )}
            <StalenessChart histogram={data.status.stalenessHistogram} />
            <MetricChart title="Mean staleness per tick" history={data.history} metric={M.staleness} unit="versions" color="#7c3aed" height={180} digits={2} />
          </div>
          <WorkerTable workers={data.workers} />
        </main>
      )}
    </div>
  );
}
