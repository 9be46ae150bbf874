import type { XAxisKind } from './series.ts';

interface Props {
  xAxis: XAxisKind;
  onXAxis: (x: XAxisKind) => void;
  smoothing: number;
  onSmoothing: (s: number) => void;
}

/** The charts' x axis (env steps or wall time), their smoothing, and the history downloads. */
export function ChartControls({ xAxis, onXAxis, smoothing, onSmoothing }: Props) {
  return (
    <section className="controls" aria-label="chart controls">
      <fieldset className="controls__x">
        <legend>x axis</legend>
        {(['envSteps', 'wallS'] as const).map((x) => (
          <label key={x}>
            <input type="radio" name="x-axis" value={x} checked={xAxis === x} onChange={() => onXAxis(x)} data-testid={`x-axis-${x}`} />
            {x === 'envSteps' ? 'env steps' : 'wall time'}
          </label>
        ))}
      </fieldset>
      <label className="controls__smoothing" title="exponential moving average weight, as TensorBoard's smoothing">
        smoothing
        <input
          type="range" min={0} max={0.99} step={0.01} value={smoothing} data-testid="smoothing"
          onChange={(e) => onSmoothing(Number(e.target.value))}
        />
        <output className="mono">{smoothing.toFixed(2)}</output>
      </label>
      <span className="controls__download">
        history: <a href="/api/history.csv" download data-testid="download-csv">CSV</a> · <a href="/api/history.jsonl" download data-testid="download-jsonl">JSONL</a>
      </span>
    </section>
  );
}
