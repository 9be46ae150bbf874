import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatInt } from './format.ts';

/** How many versions old the accepted updates were: stalenessHistogram[s] updates at staleness s. */
export function StalenessChart({ histogram, height = 180 }: { histogram: readonly number[]; height?: number }) {
  const data = useMemo(() => histogram.map((count, staleness) => ({ staleness, count })), [histogram]);
  const total = histogram.reduce((a, b) => a + b, 0);
  return (
    <figure className="chart" data-testid="staleness-histogram" data-total={total}>
      <figcaption className="chart__title">Staleness of accepted updates (versions old)</figcaption>
      {total === 0 ? (
        <div className="chart__empty" style={{ height }}>
          no updates yet
        </div>
      ) : (
        <ResponsiveContainer width="100%" height={height}>
          <BarChart data={data} margin={{ top: 8, right: 16, bottom: 20, left: 8 }}>
            <CartesianGrid stroke="#e5e7eb" strokeDasharray="3 3" />
            <XAxis dataKey="staleness" stroke="#9ca3af" label={{ value: 'staleness', position: 'insideBottom', offset: -12, fill: '#6b7280' }} />
            <YAxis stroke="#9ca3af" width={56} tickFormatter={formatInt} />
            <Tooltip labelFormatter={(s) => `${s} versions old`} formatter={(v) => [formatInt(Number(v)), 'updates']} />
            <Bar dataKey="count" fill="#7c3aed" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
