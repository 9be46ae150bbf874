import type { HTMLAttributes, ReactNode } from 'react';
import { ResponsiveContainer } from 'recharts';

interface Props extends Omit<HTMLAttributes<HTMLElement>, 'title'> {
  title: string;
  /** What the chart shows, as the caption's tooltip. */
  help?: string;
  /** What to say instead of the chart while there is nothing to plot; null once there is. */
  empty: string | null;
  height: number;
  children: ReactNode;
}

/** A captioned dashboard chart, or its placeholder while there is no data. */
export function ChartFrame({ title, help, empty, height, children, ...figure }: Props) {
  return (
    <figure className="chart" {...figure}>
      <figcaption className="chart__title" title={help}>{title}</figcaption>
      {empty !== null ? (
        <div className="chart__empty" style={{ height }}>
          {empty}
        </div>
      ) : (
        <ResponsiveContainer width="100%" height={height}>
          {children}
        </ResponsiveContainer>
      )}
    </figure>
  );
}
