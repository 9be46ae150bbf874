import { useState } from 'react';
import { runIsOver, type RunStatus } from '../../shared/protocol.ts';
import { AdminPanel } from './AdminPanel.tsx';
import { ChartControls } from './ChartControls.tsx';
import { CHARTS } from './charts.ts';
import { ConnectionBadge } from './ConnectionBadge.tsx';
import { MetricChart } from './MetricChart.tsx';
import { PolicyView } from './PolicyView.tsx';
import { StatusBar } from './StatusBar.tsx';
import { StalenessChart } from './StalenessChart.tsx';
import { useDashboard, type Connection } from './useDashboard.ts';
import { WorkerTable } from './WorkerTable.tsx';
import type { XAxisKind } from './series.ts';

/** The worker page's address, with the join token when this page was opened with one (`?token=`). */
function contributeHref(): string {
  const token = new URLSearchParams(window.location.search).get('token');
  return token === null ? '/worker.html' : `/worker.html?token=${encodeURIComponent(token)}`;
}

function RunOver({ state, connection }: { state: RunStatus['state']; connection: Connection }) {
  return (
    <p className="run-over" role="status" data-testid="run-over">
      The run is over ({state}): what this page shows is final.{' '}
      {connection === 'connected'
        ? '`tabswarm start` keeps serving it while a dashboard is open (or with --serve); once you close it the coordinator exits.'
        : 'The coordinator has exited; its run folder holds the checkpoint, summary and history.'}
    </p>
  );
}

/** The live training dashboard. */
export function App() {
  const { connection, data, admin } = useDashboard();
  const [xAxis, setXAxis] = useState<XAxisKind>('envSteps');
  const [smoothing, setSmoothing] = useState(0.6);
  const over = data !== null && runIsOver(data.status.state);

  return (
    <div className="app">
      <header className="topbar">
        <h1>tabswarm</h1>
        <ConnectionBadge connection={connection} />
        {over ? (
          <span className="contribute contribute--over" data-testid="contribute-over">Run over: no more tabs needed</span>
        ) : (
          <a className="contribute" href={contributeHref()} data-testid="contribute" title="turn this tab into a worker of this run">
            Contribute this tab
          </a>
        )}
      </header>
      {data === null ? (
        <p className="muted loading">Waiting for the coordinator…</p>
      ) : (
        <main>
          <StatusBar status={data.status} />
          {over && <RunOver state={data.status.state} connection={connection} />}
          <div className="panels">
            <PolicyView config={data.config} finished={over} />
            <AdminPanel status={data.status} send={admin} />
          </div>
          <ChartControls xAxis={xAxis} onXAxis={setXAxis} smoothing={smoothing} onSmoothing={setSmoothing} />
          <div className="charts">
            {CHARTS.map((def) => (
              <MetricChart key={def.metric} def={def} history={data.history} xAxis={xAxis} smoothing={smoothing} threshold={data.config.solveThreshold} />
            ))}
            <StalenessChart histogram={data.status.stalenessHistogram} />
          </div>
          <WorkerTable workers={data.workers} />
        </main>
      )}
    </div>
  );
}
