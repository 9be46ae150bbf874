import { memo, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './ChartFrame.tsx';
import type { HistoryPoint } from '../../shared/protocol.ts';
import type { ChartDef } from './charts.ts';
import { chartSeries, pausedSpans, type XAxisKind } from './series.ts';
import { formatNumber, formatSteps, formatTick, formatWall } from './format.ts';

interface Props {
  def: ChartDef;
  history: readonly HistoryPoint[];
  xAxis: XAxisKind;
  /** EMA weight in [0, 1); above 0 the raw values are drawn faintly behind the smoothed line. */
  smoothing: number;
  /** The solve threshold, drawn when the chart asks for it. */
  threshold?: number;
  height?: number;
}

const X_LABELS: Record<XAxisKind, string> = { envSteps: 'env steps', wallS: 'wall time' };

/** A live line chart of one metric of the history against env steps or wall time, smoothed and downsampled (series.ts). */
export const MetricChart = memo(function MetricChart({ def, history, xAxis, smoothing, threshold, height = 220 }: Props) {
  const data = useMemo(() => chartSeries(history, def.metric, xAxis, smoothing), [history, def.metric, xAxis, smoothing]);
  const paused = useMemo(() => pausedSpans(history, xAxis), [history, xAxis]);
  const xFormat = xAxis === 'envSteps' ? formatSteps : formatWall;
  const showThreshold = def.threshold && threshold !== undefined;

  return (
    <ChartFrame
      title={def.title} help={def.help} empty={data.length === 0 ? 'no data yet' : null} height={height}
      data-testid={`chart-${def.metric}`} data-points={data.length} data-x={xAxis} data-last-x={data.at(-1)?.x ?? ''}
    >
      <LineChart data={data} margin={{ top: 8, right: 16, bottom: 22, left: 8 }}>
        <CartesianGrid stroke="#e5e7eb" strokeDasharray="3 3" />
        {paused.map(([x1, x2]) => (
          <ReferenceArea key={x1} x1={x1} x2={x2} fill="#fde68a" fillOpacity={0.5} ifOverflow="hidden" className="paused-span" />
        ))}
        <XAxis
          dataKey="x" type="number" domain={['dataMin', 'dataMax']} tickFormatter={xFormat} stroke="#9ca3af"
          label={{ value: X_LABELS[xAxis], position: 'insideBottom', offset: -14, fill: '#6b7280' }}
        />
        <YAxis
          tickFormatter={formatTick} stroke="#9ca3af" width={64}
          domain={['auto', 'auto']}
          label={{ value: def.yLabel, angle: -90, position: 'insideLeft', offset: 4, fill: '#6b7280', style: { textAnchor: 'middle' } }}
        />
        <Tooltip
          labelFormatter={(x) => (xAxis === 'envSteps' ? `${Number(x).toLocaleString('en-US')} env steps` : `${formatWall(Number(x))} of training`)}
          formatter={(value, name) => [formatNumber(Number(value), def.digits), name === 'raw' ? `${def.yLabel} (raw)` : def.yLabel]}
        />
        {smoothing > 0 && <Line type="linear" dataKey="raw" stroke={def.color} strokeOpacity={0.25} strokeWidth={1} dot={false} isAnimationActive={false} />}
        <Line type="linear" dataKey="smoothed" stroke={def.color} strokeWidth={2} dot={false} isAnimationActive={false} />
        {showThreshold && (
          <ReferenceLine
            y={threshold} stroke="#dc2626" strokeDasharray="6 4" ifOverflow="extendDomain"
            label={{ value: `solve threshold ${threshold}`, position: 'insideTopLeft', fill: '#dc2626', fontSize: 12 }}
          />
        )}
      </LineChart>
    </ChartFrame>
  );
});
