/** Integration: `/metrics` and the history downloads of a real coordinator on port 0, with real socket.io-client workers. */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { noteTicket, push as hostilePush } from '../testing/hostileClient.ts';
import { Coordinator } from '../coordinator.ts';
import { defaultConfig, type TrainConfig } from '../../shared/config.ts';
import { M, rejectedMetric } from '../../shared/metrics.ts';
import {
  REJECT_REASONS, WORKER_NAMESPACE, type ClientToServerEvents, type HistoryPoint, type PushReply, type PushRequest, type RolloutReport, type ServerToClientEvents,
} from '../../shared/protocol.ts';
import { encodeF32 } from '../../shared/codec.ts';

type WorkerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The per-minibatch protocol (pushes and rollout reports apart), as in coordinator.test.ts. */
const config: TrainConfig = { ...defaultConfig, updateMode: 'async', annealClip: false, maxStaleness: 2, totalTimesteps: 10_000, solveWindow: 3, solveThreshold: 100 };
const join = { backend: 'cpu' as const, adapter: 'test', timings: [], userAgent: 'vitest' };
const stageSeconds = { collect: 1, gradient: 2, push: 0.5, setParams: 0.1 };
/** A rollout of the size the coordinator asks for at join, with two finished episodes. */
const rollout: RolloutReport = {
  rolloutVersion: 0, envSteps: config.numEnvs * config.numSteps, episodeReturns: [10, 20], episodeLengths: [10, 20], losses: { [M.approxKl]: 0.01 },
  rolloutSps: 1, stageSeconds, norm: {},
};

const coordinators: Coordinator[] = [];
const sockets: WorkerSocket[] = [];

/** A coordinator whose own timer never ticks during a test unless `tickMs` says so (a run's end ticks once). */
async function started(tickMs = 3_600_000): Promise<{ c: Coordinator; url: string }> {
  const c = new Coordinator({ config, port: 0, tickMs });
  coordinators.push(c);
  return { c, url: `http://127.0.0.1:${await c.start()}` };
}

async function joined(url: string): Promise<WorkerSocket> {
  const s: WorkerSocket = io(url + WORKER_NAMESPACE, { transports: ['websocket'], reconnection: false });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject); });
  const reply = await s.timeout(5000).emitWithAck('join', join);
  if (!reply.ok) throw new Error(reply.error);
  noteTicket(s, reply);
  return s;
}

/** Pushes `req` with the ticket `s` was given for its version (hostileClient.ts). */
const push = (s: WorkerSocket, req: Omit<PushRequest, 'ticket'>): Promise<PushReply> => hostilePush(s, req);
const grad = (c: Coordinator, length = c.ps.params.length) => encodeF32(new Float32Array(length).fill(1e-3));

afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
});

/** The samples of a Prometheus text exposition, by `name{labels}` as printed (one label at most here, so no ordering question). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    out.set(m[1], m[2] === 'Nan' || m[2] === 'NaN' ? NaN : Number(m[2]));
  }
  return out;
}

async function scrape(url: string): Promise<{ text: string; values: Map<string, number>; contentType: string | null }> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, values: samples(text), contentType: res.headers.get('content-type') };
}

/** One CSV line's cells (the history's cells hold numbers and metric names: no quoting needed to read them back). */
const cells = (line: string) => line.split(',');

describe('GET /metrics', () => {
  it('reports the coordinator\'s counts, version, env steps, workers, latency and run state as it has them', async () => {
    const { c, url } = await started();
    const s = await joined(url);
    expect(await push(s, { version: 0, rolloutVersion: 0, grad: grad(c) })).toMatchObject({ accepted: true });
    expect(await push(s, { version: 1, rolloutVersion: 0, grad: grad(c, 7) })).toMatchObject({ accepted: false, reason: 'wrongSize' });
    expect(await s.timeout(5000).emitWithAck('rollout', rollout)).toMatchObject({ ok: true });

    const first = await scrape(url);
    expect(first.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const v = first.values;
    const st = c.status();
    expect(st).toMatchObject({ accepted: 1, version: 1, envSteps: rollout.envSteps, episodes: 2, meanReturn: 15, state: 'training' });
    expect(v.get('tabswarm_updates_total{decision="accepted"}')).toBe(st.accepted);
    for (const reason of REJECT_REASONS) expect(v.get(`tabswarm_updates_total{decision="${reason}"}`)).toBe(st.rejected[reason]);
    expect(v.get('tabswarm_updates_total{decision="wrongSize"}')).toBe(1);
    expect(v.get('tabswarm_parameter_version')).toBe(st.version);
    expect(v.get('tabswarm_env_steps_total')).toBe(st.envSteps);
    expect(v.get('tabswarm_episodes_total')).toBe(st.episodes);
    expect(v.get('tabswarm_mean_return')).toBe(st.meanReturn);
    expect(v.get('tabswarm_workers_connected')).toBe(1);
    expect(v.get('tabswarm_workers_connected')).toBe(c.perf().connectedWorkers);
    expect(v.get('tabswarm_run_state{state="training"}')).toBe(1);
    expect(v.get('tabswarm_run_state{state="waiting"}')).toBe(0);
    expect(v.get(`tabswarm_run_info{env_id="${config.envId}",update_mode="async"}`)).toBe(1);
    // No tick yet: no history point, so no throughput to report.
    expect(c.tracker.history).toHaveLength(0);
    expect(v.get('tabswarm_env_steps_per_second')).toBe(0);
    const latency = c.pushLatency.summary();
    expect(latency.n).toBe(2);
    expect(v.get('tabswarm_push_decision_samples')).toBe(2);
    expect(v.get('tabswarm_push_decision_seconds{quantile="0.5"}')).toBe(latency.p50! / 1000);
    expect(v.get('tabswarm_push_decision_seconds{quantile="0.99"}')).toBe(latency.p99! / 1000);
    expect(v.get('tabswarm_push_decision_seconds{quantile="1"}')).toBe(latency.max! / 1000);
    // Every tabswarm metric says what it is; the coordinator process's own cost comes with them.
    for (const name of new Set([...v.keys()].map((k) => k.replace(/\{.*/, '')).filter((k) => k.startsWith('tabswarm_')))) {
      expect(first.text).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(first.text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'));
    }
    // CPU time counts from this first scrape (see prometheus.ts), so it may still read 0 here.
    expect(v.get('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(v.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(v.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    // Ending the run ticks once: a history point whose throughput the next scrape reports.
    c.endRun();
    expect(c.tracker.history).toHaveLength(1);
    const sps = c.tracker.history[0].metrics[M.sps]!;
    expect(sps).toBeGreaterThan(0);
    const second = (await scrape(url)).values;
    expect(second.get('tabswarm_env_steps_per_second')).toBe(sps);
    expect(second.get('tabswarm_run_state{state="stopped"}')).toBe(1);
    expect(second.get('tabswarm_run_state{state="training"}')).toBe(0);
    expect(second.get('tabswarm_updates_total{decision="accepted"}')).toBe(1);
  });

  it('keeps each coordinator\'s metrics in its own registry', async () => {
    const a = await started();
    const b = await started();
    const s = await joined(a.url);
    expect(await push(s, { version: 0, rolloutVersion: 0, grad: grad(a.c) })).toMatchObject({ accepted: true });
    const [va, vb] = [(await scrape(a.url)).values, (await scrape(b.url)).values];
    expect(va.get('tabswarm_updates_total{decision="accepted"}')).toBe(1);
    expect(va.get('tabswarm_workers_connected')).toBe(1);
    expect(vb.get('tabswarm_updates_total{decision="accepted"}')).toBe(0);
    expect(vb.get('tabswarm_workers_connected')).toBe(0);
    expect(vb.get('tabswarm_run_state{state="waiting"}')).toBe(1);
    // Before any episode or push: no mean return (NaN) and no latency quantiles.
    expect(vb.get('tabswarm_mean_return')).toBeNaN();
    expect([...vb.keys()].some((k) => k.startsWith('tabswarm_push_decision_seconds'))).toBe(false);
    // Emptying the latency window (/api/perf?reset=1) takes its quantiles out of the next scrape.
    expect(va.get('tabswarm_push_decision_seconds{quantile="0.5"}')).toBeGreaterThan(0);
    await (await fetch(`${a.url}/api/perf?reset=1`)).json();
    const afterReset = (await scrape(a.url)).values;
    expect(afterReset.get('tabswarm_push_decision_samples')).toBe(0);
    expect([...afterReset.keys()].some((k) => k.startsWith('tabswarm_push_decision_seconds'))).toBe(false);
  });
});

describe('history downloads', () => {
  /**
   * A run with its timer ticking, whose points differ in the metrics they carry: ticks before any
   * worker, then with one (its throughput), then after a refused push (rejections by reason) and a
   * report (losses, mean return).
   */
  async function runWithHistory(): Promise<{ c: Coordinator; url: string }> {
    const { c, url } = await started(10);
    await once(c, 'tick');
    const s = await joined(url);
    await once(c, 'tick');
    expect(await push(s, { version: 0, rolloutVersion: 0, grad: grad(c) })).toMatchObject({ accepted: true });
    expect(await push(s, { version: 1, rolloutVersion: 0, grad: grad(c, 7) })).toMatchObject({ accepted: false, reason: 'wrongSize' });
    expect(await s.timeout(5000).emitWithAck('rollout', rollout)).toMatchObject({ ok: true });
    await once(c, 'tick');
    const names = c.tracker.history.map((p) => Object.keys(p.metrics));
    expect(names[0]).not.toContain(rejectedMetric('wrongSize'));
    expect(names.at(-1)).toContain(rejectedMetric('wrongSize'));
    return { c, url };
  }

  /**
   * The timer keeps adding points while a download is made, and a download is the history at the
   * moment it was asked for: its rows are compared with that many first points, which no later
   * tick changes, and they are at least as many as there were before asking.
   */
  it('GET /api/history.csv has a row per point: wallS, envSteps, version, then every metric present in any point, empty where absent', async () => {
    const { c, url } = await runWithHistory();
    const before = c.tracker.history.length;
    const res = await fetch(`${url}/api/history.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="tabswarm-CartPole-v1-history.csv"');
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe(''); // ends with a newline
    const [header, ...rows] = lines;
    expect(rows.length).toBeGreaterThanOrEqual(before);
    const points = c.tracker.history.slice(0, rows.length);
    expect(points).toHaveLength(rows.length);
    const names = [...new Set(points.flatMap((p) => Object.keys(p.metrics)))].sort();
    expect(names).toEqual(expect.arrayContaining([M.sps, M.version, M.accepted, M.meanReturn, M.approxKl, rejectedMetric('wrongSize'), 'workers/0/envStepsPerS']));
    expect(cells(header)).toEqual(['wallS', 'envSteps', 'version', ...names]);
    let emptyCells = 0;
    rows.forEach((row, i) => {
      const p = points[i];
      const [wallS, envSteps, version, ...values] = cells(row);
      expect([Number(wallS), Number(envSteps), Number(version)]).toEqual([p.wallS, p.envSteps, p.version]);
      expect(values).toHaveLength(names.length);
      names.forEach((name, j) => {
        const want = p.metrics[name];
        if (want === undefined) {
          expect(values[j]).toBe('');
          emptyCells++;
        } else {
          expect(Number(values[j])).toBe(want);
        }
      });
    });
    expect(emptyCells).toBeGreaterThan(0); // the first points lack the worker's and the rejections' columns
  });

  it('GET /api/history.jsonl has one point per line, equal to the tracker\'s', async () => {
    const { c, url } = await runWithHistory();
    const before = c.tracker.history.length;
    const res = await fetch(`${url}/api/history.jsonl`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="tabswarm-CartPole-v1-history.jsonl"');
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    const points = lines.map((l) => JSON.parse(l) as HistoryPoint);
    expect(points.length).toBeGreaterThanOrEqual(before);
    expect(points).toEqual(c.tracker.history.slice(0, points.length));
  });

  it('a run with no points yet downloads a header and nothing else', async () => {
    const { url } = await started();
    expect(await (await fetch(`${url}/api/history.csv`)).text()).toBe('wallS,envSteps,version\n');
    expect(await (await fetch(`${url}/api/history.jsonl`)).text()).toBe('');
  });
});

describe('JSON routes', () => {
  it('still answer JSON', async () => {
    const { url } = await started();
    const res = await fetch(`${url}/api/status`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect((await res.json()).status).toMatchObject({ envId: config.envId, state: 'waiting' });
  });
});
