import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './ChartFrame.tsx';
import { formatInt } from './format.ts';

/** How many versions old the accepted updates were: stalenessHistogram[s] updates at staleness s. */
export function StalenessChart({ histogram, height = 180 }: { histogram: readonly number[]; height?: number }) {
  const data = useMemo(() => histogram.map((count, staleness) => ({ staleness, count })), [histogram]);
  const total = histogram.reduce((a, b) => a + b, 0);
  return (
    <ChartFrame title="Staleness of accepted updates (versions old)" empty={total === 0 ? 'no updates yet' : null} height={height} data-testid="staleness-histogram" data-total={total}>
      <BarChart data={data} margin={{ top: 8, right: 16, bottom: 20, left: 8 }}>
        <CartesianGrid stroke="#e5e7eb" strokeDasharray="3 3" />
        <XAxis dataKey="staleness" stroke="#9ca3af" label={{ value: 'staleness', position: 'insideBottom', offset: -12, fill: '#6b7280' }} />
        <YAxis stroke="#9ca3af" width={56} tickFormatter={formatInt} />
        <Tooltip labelFormatter={(s) => `${s} versions old`} formatter={(v) => [formatInt(Number(v)), 'updates']} />
        <Bar dataKey="count" fill="#7c3aed" isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}
