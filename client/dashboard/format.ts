/** Small display formatters shared by the dashboard's components. */

export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatNumber(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Compact numbers for chart axes: 1500 -> "1.5k", 2_000_000 -> "2M", -87.5 -> "-87.5". */
export function formatSteps(n: number): string {
  if (Math.abs(n) >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(+n.toFixed(1));
}

/** Seconds as "42s", "3m 05s" or "1h 02m 09s"; "–" when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (x: number) => String(x).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(sec)}s`;
  if (m > 0) return `${m}m ${pad(sec)}s`;
  return `${sec}s`;
}

/** Compact wall seconds for chart axes: 45 -> "45s", 150 -> "2.5m", 5400 -> "1.5h". */
export function formatWall(seconds: number): string {
  if (Math.abs(seconds) >= 3600) return `${+(seconds / 3600).toFixed(2)}h`;
  if (Math.abs(seconds) >= 120) return `${+(seconds / 60).toFixed(1)}m`;
  return `${+seconds.toFixed(1)}s`;
}

/** Chart axis values: compact above 1000 (formatSteps), else 3 significant digits: 0.6953 -> "0.695", 0.00031 -> "0.00031". */
export function formatTick(n: number): string {
  return Math.abs(n) >= 1000 ? formatSteps(n) : String(Number(n.toPrecision(3)));
}
