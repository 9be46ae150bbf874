import { useMemo } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './ChartFrame.tsx';
import type { HistoryPoint } from '../../shared/protocol.ts';
import type { MetricName } from '../../shared/metrics.ts';
import { formatNumber, formatSteps } from './format.ts';

interface Props {
  title: string;
  history: readonly HistoryPoint[];
  metric: MetricName;
  /** Unit shown in the tooltip. */
  unit: string;
  /** Rotated y axis label; omit on short charts. */
  yLabel?: string;
  color?: string;
  height?: number;
  digits?: number;
}

interface Datum {
  envSteps: number;
  value: number;
}

/** A live line chart of one metric of the history against env steps. */
export function MetricChart({ title, history, metric, unit, yLabel, color = '#2563eb', height = 320, digits = 1 }: Props) {
  const data = useMemo<Datum[]>(() => {
    const out: Datum[] = [];
    for (const p of history) {
      const value = p.metrics[metric];
      if (value !== undefined && Number.isFinite(value)) out.push({ envSteps: p.envSteps, value });
    }
    return out;
  }, [history, metric]);

  return (
    <ChartFrame title={title} empty={data.length === 0 ? 'no data yet' : null} height={height}>
      <LineChart data={data} margin={{ top: 8, right: 16, bottom: 20, left: 8 }}>
        <CartesianGrid stroke="#e5e7eb" strokeDasharray="3 3" />
        <XAxis
          dataKey="envSteps"
          type="number"
          domain={['dataMin', 'dataMax']}
          tickFormatter={formatSteps}
          label={{ value: 'env steps', position: 'insideBottom', offset: -12, fill: '#6b7280' }}
          stroke="#9ca3af"
        />
        <YAxis
          tickFormatter={formatSteps}
          label={yLabel ? { value: yLabel, angle: -90, position: 'insideLeft', offset: 4, fill: '#6b7280' } : undefined}
          stroke="#9ca3af"
          width={yLabel ? 64 : 48}
        />
        <Tooltip
          labelFormatter={(label) => `${Number(label).toLocaleString('en-US')} env steps`}
          formatter={(value) => [formatNumber(Number(value), digits), unit]}
        />
        <Line type="monotone" dataKey="value" stroke={color} strokeWidth={2} dot={false} isAnimationActive={false} />
      </LineChart>
    </ChartFrame>
  );
}
