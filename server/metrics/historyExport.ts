/** The history points as downloads: `/api/history.csv` and `/api/history.jsonl`, with the metric names of shared/metrics.ts. */
import type { HistoryPoint } from '../../shared/protocol.ts';
import { TextReply } from '../net/httpServer.ts';

/** `tabswarm-CartPole-v1-history.csv`: the env names the file; anything unsafe in a header's quoted file name is replaced. */
function attachment(envId: string, ext: string): Record<string, string> {
  return { 'content-disposition': `attachment; filename="tabswarm-${envId.replace(/[^A-Za-z0-9._-]/g, '_')}-history.${ext}"` };
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The metric names present in any point, sorted: the CSV's columns after wallS, envSteps and version. */
export function historyColumns(points: readonly HistoryPoint[]): string[] {
  const names = new Set<string>();
  for (const p of points) for (const [k, v] of Object.entries(p.metrics)) if (v !== undefined) names.add(k);
  return [...names].sort();
}

/** The history as CSV: `wallS,envSteps,version`, then every metric present in any point; a point without a metric leaves its cell empty. */
export function historyCsv(envId: string, points: readonly HistoryPoint[]): TextReply {
  const names = historyColumns(points);
  const lines = [['wallS', 'envSteps', 'version', ...names].map(csvCell).join(',')];
  for (const p of points) {
    lines.push([p.wallS, p.envSteps, p.version, ...names.map((k) => p.metrics[k] ?? '')].join(','));
  }
  return new TextReply('text/csv; charset=utf-8', lines.join('\n') + '\n', attachment(envId, 'csv'));
}

/** The history as JSON Lines: one point per line, as the dashboard receives it. */
export function historyJsonl(envId: string, points: readonly HistoryPoint[]): TextReply {
  const body = points.map((p) => JSON.stringify(p) + '\n').join('');
  return new TextReply('application/x-ndjson; charset=utf-8', body, attachment(envId, 'jsonl'));
}
