/**
 * `npm run bench:trust`: CartPole-v1 (its default run: local mode) trained in one process by a
 * real coordinator on port 0 and honest RolloutWorkers (tfjs wasm backend in Node), with and
 * without simulated hostile workers per attack (server/testing/simulatedAttacker.ts; `fabricated`:
 * server/testing/fabricatedAttacker.ts, an honest RolloutWorker on negated advantages), with the
 * robust-acceptance and quarantine defences on and off. Prints one JSON line per run and writes
 * the table to docs/trust/figures.md and the runs to docs/trust/runs.json.
 *
 *   npm run bench:trust -- --attacks none,signFlip,noise --seeds 1,2,3,4,5
 *   npm run bench:trust -- --attacks none,signFlip,noise --honest 6 --attackers 2 --seeds 1,2,3
 *
 * Defences on: robust acceptance, quarantine and spot checks at config.spotCheckRate; off: none of them.
 *
 * Runs are interleaved seed by seed (every cell's seed 1, then every cell's seed 2, ...), so a
 * change of the machine's load falls on all cells alike. A run is bounded by its env-step budget,
 * not by the wall clock (the machine is shared: a wall limit ended runs that were merely slow);
 * --timeout-s sets one for a quick look. Link sizing is off by default (--max-rollout-scale 1): it
 * lengthens a tab's rollouts while the tab waits on replies, which here, with the coordinator in the
 * tabs' process on a loaded machine, made the rollout length, and so the env steps to solve, depend
 * on the machine's load (a clean run did not solve within 500k env steps with it on). Env steps are the coordinator's count at the solve (what
 * the run's budget counts: the attackers' reports included while they count) and the honest
 * workers' own at that moment. The ratio of a cell is its median env steps to solve over the
 * clean cell's median (same honest workers, same session); a run that did not solve counts as
 * more than any that did.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Coordinator } from '../server/coordinator.ts';
import { configFor } from '../shared/config.ts';
import { REJECT_REASONS, type RejectReason, type RunStatus, type SpotChecks } from '../shared/protocol.ts';
import { RolloutWorker } from '../client/worker/rolloutWorker.ts';
import { ATTACKS, SimulatedAttacker, type Attack as SimulatedAttack, type AttackerStats } from '../server/testing/simulatedAttacker.ts';
import { FABRICATED, FabricatedAttacker } from '../server/testing/fabricatedAttacker.ts';
import { median, nearestRank } from '../shared/median.ts';
import { RECENT_COSINES } from '../server/updates/robustAcceptance.ts';
import { fmt, list, machineLine } from './runs.ts';

/** The simulated attacks, and the fabricated one (an honest learner on negated advantages). */
type Attack = SimulatedAttack | typeof FABRICATED;

const opts = new Command()
  .option('--attacks <list>', `none or any of ${[...ATTACKS, FABRICATED].join(',')}`, ['none', ...ATTACKS, FABRICATED].join(','))
  .option('--defences <list>', 'on (robustUpdates, quarantine, spot checks) and/or off', 'on')
  .option('--seeds <list>', 'seeds', '1')
  .option('--honest <n>', 'honest workers', '2')
  .option('--attackers <n>', 'hostile workers in an attacked run (all playing the same attack)', '1')
  .option('--budget <steps>', 'totalTimesteps of each run', '500000')
  .option('--max-rollout-scale <n>', 'maxRolloutScale of each run (1: no link sizing, see below)', '1')
  .option('--timeout-s <s>', 'wall limit of one run (0: none, the budget bounds it)', '0')
  .option('--out <dir>', 'where figures.md and runs.json go', 'docs/trust')
  .option('--render <files>', 'run nothing: write the table of the runs in these runs.json files (comma-separated)')
  .parse()
  .opts<{ attacks: string; defences: string; seeds: string; honest: string; attackers: string; budget: string; maxRolloutScale: string; timeoutS: string; out: string; render?: string }>();

interface RunResult {
  attack: Attack | 'none';
  budget: number;
  honest: number;
  /** Hostile workers (0 in a clean run). */
  attackers: number;
  defences: 'on' | 'off';
  seed: number;
  state: RunStatus['state'];
  solvedAtEnvSteps: number | null;
  /** The honest workers' own env steps when the coordinator's count reached solvedAtEnvSteps (read at its metrics ticks). */
  honestEnvStepsAtSolve: number | null;
  /** Env steps the honest workers collected by the end (the solve, or the budget). */
  honestEnvSteps: number;
  envSteps: number;
  wallS: number;
  accepted: number;
  rejected: Partial<Record<RejectReason, number>>;
  /** One entry per attacker. */
  attackerStats: AttackerStats[];
  /** Refusals of honest workers' updates for robustness or pace (outlier, overShare, quarantined): false positives. */
  honestFlagged: Partial<Record<RejectReason, number>>;
  honestQuarantined: number;
  solveChecks: number;
  /** The coordinator's spot checks of reported episodes (the attacker's and the honest workers'). */
  spotChecks: SpotChecks;
  /**
   * The direction test's view of each worker and part of the params it judges (defences on, 3 or more workers): every judged update in
   * order, as [its cosine with the reference, the worker's average cosine after it, 1 while a newcomer else 0,
   * its place among all workers' judged updates, the mean |cosine| of the worker's last RECENT_COSINES].
   */
  judged?: { role: 'honest' | 'attacker'; part?: string; updates: [number, number, 0 | 1, number, number][] }[];
}

async function runOnce(attack: Attack | 'none', defences: 'on' | 'off', seed: number): Promise<RunResult> {
  const config = configFor('CartPole-v1', {
    seed, totalTimesteps: Number(opts.budget), maxRolloutScale: Number(opts.maxRolloutScale), robustUpdates: defences === 'on', quarantine: defences === 'on',
    ...(defences === 'off' && { spotCheckRate: 0 }),
  });
  const c = new Coordinator({ config, port: 0, tickMs: 500 });
  /** Per worker and part of the params, its judged updates (see RunResult.judged). */
  const judged = new Map<string, { workerId: string; part: string; updates: [number, number, 0 | 1, number, number][] }>();
  if (c.updates.robust) {
    const round = (x: number) => Math.round(x * 1e4) / 1e4;
    let seq = 0;
    c.updates.robust.onJudged = (workerId, part, j) => {
      const key = `${workerId} ${part}`;
      if (!judged.has(key)) judged.set(key, { workerId, part, updates: [] });
      judged.get(key)!.updates.push([round(j.cosine), round(j.average), j.newcomer ? 1 : 0, seq++, round(j.magnitude)]);
    };
  }
  const url = `http://127.0.0.1:${await c.start()}`;
  const t0 = performance.now();
  const done = once(c, 'done') as Promise<[RunStatus]>;
  const honest = Array.from({ length: Number(opts.honest) }, () => new RolloutWorker({ url, backend: 'wasm', adapter: 'node', timings: [], userAgent: 'bench:trust', ackTimeoutMs: 120_000 }));
  const attackers = attack === 'none' ? [] : Array.from({ length: Number(opts.attackers) }, (_, i) => (
    attack === FABRICATED ? new FabricatedAttacker(url, 'wasm') : new SimulatedAttacker(url, attack, seed * 100 + i)));
  const honestSteps = () => honest.reduce((n, w) => n + w.status.envSteps, 0);
  // [coordinator's env steps, honest workers' own] at each metrics tick.
  const samples: [number, number][] = [];
  c.on('tick', (st: RunStatus) => samples.push([st.envSteps, honestSteps()]));
  const runs = [...honest.map((w) => w.run()), ...attackers.map((a) => a.run())];
  for (const r of runs) r.catch(() => {}); // settled below
  const timeoutS = Number(opts.timeoutS);
  const timer = timeoutS > 0 ? setTimeout(() => c.endRun(), timeoutS * 1000) : null;
  const [status] = await done;
  if (timer) clearTimeout(timer);
  const wallS = (performance.now() - t0) / 1000;
  for (const w of honest) w.stop();
  for (const a of attackers) a.stop();
  await Promise.allSettled(runs);
  await c.stop();
  const aStats = attackers.map((a) => a.stats);
  const honestIds = new Set(honest.map((w) => w.status.workerId));
  const honestInfo = c.workerList().filter((w) => honestIds.has(w.workerId));
  const honestFlagged: Partial<Record<RejectReason, number>> = {};
  for (const reason of ['outlier', 'overShare', 'quarantined'] as const) {
    const n = (status.rejected[reason] ?? 0) - aStats.reduce((k, a) => k + (a.rejected[reason] ?? 0), 0);
    if (n > 0) honestFlagged[reason] = n;
  }
  const rejected: Partial<Record<RejectReason, number>> = {};
  for (const r of REJECT_REASONS) if (status.rejected[r] > 0) rejected[r] = status.rejected[r];
  const solvedAt = status.solvedAtEnvSteps;
  return {
    attack, budget: config.totalTimesteps, honest: honest.length, attackers: attackers.length, defences, seed, state: status.state, solvedAtEnvSteps: solvedAt,
    honestEnvStepsAtSolve: solvedAt === null ? null : (samples.find(([e]) => e >= solvedAt)?.[1] ?? null), envSteps: status.envSteps,
    honestEnvSteps: honestSteps(), wallS, accepted: status.accepted, rejected, attackerStats: aStats,
    honestFlagged, honestQuarantined: honestInfo.filter((w) => w.quarantined).length, solveChecks: status.solveChecks.count,
    spotChecks: status.spotChecks,
    judged: [...judged.values()].map(({ workerId, part, updates }) => ({ role: honestIds.has(workerId) ? 'honest' : 'attacker', part, updates })),
  };
}

async function main(): Promise<void> {
  if (opts.render) {
    const runs = (await Promise.all(list(opts.render).map(async (f) => JSON.parse(await readFile(f, 'utf8')) as RunResult[]))).flat();
    await mkdir(opts.out, { recursive: true });
    await writeFile(`${opts.out}/runs.json`, JSON.stringify(runs, null, 1) + '\n');
    await writeFile(`${opts.out}/figures.md`, table(runs));
    console.log(table(runs));
    return;
  }
  const require = createRequire(import.meta.url);
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  await tf.setBackend('wasm');
  const results: RunResult[] = [];
  await mkdir(opts.out, { recursive: true });
  for (const seed of list(opts.seeds).map(Number)) {
    for (const defences of list(opts.defences) as ('on' | 'off')[]) {
      for (const attack of list(opts.attacks) as (Attack | 'none')[]) {
        if (attack === 'none' && defences === 'off' && list(opts.defences).includes('on')) continue; // the clean run has nothing to defend
        const r = await runOnce(attack, defences, seed);
        console.log(JSON.stringify(r));
        results.push(r);
        await writeFile(`${opts.out}/runs.json`, JSON.stringify(results, null, 1) + '\n');
      }
    }
  }
  await writeFile(`${opts.out}/figures.md`, table(results));
  console.log(table(results));
}

/** Median of env steps to solve, a run that did not solve counting as more than any that did (Infinity). */
function medianToSolve(rs: RunResult[]): number {
  return median(rs.map((r) => (r.state === 'solved' ? r.solvedAtEnvSteps! : Infinity)));
}

function table(results: RunResult[]): string {
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const lines = [
    '# Trust figures (bench/trust.ts)',
    '',
    `Measured ${when} UTC on ${machineLine()}, shared with other work: wall seconds are not comparable, env steps are.`,
    `Commands: ${[...new Set(results.map((r) => `\`npm run bench:trust -- --attacks ... --defences ${r.defences} --budget ${r.budget} --honest ${r.honest}${r.attackers > 1 ? ` --attackers ${r.attackers}` : ''} --seeds ...\``))].join(', ')} (the attacks and seeds of the rows below).`,
    '',
    'CartPole-v1\'s default run (local mode, 16 envs x 32 steps a tab), honest RolloutWorkers in one Node process with the coordinator (tfjs wasm) and',
    'simulated attackers. Runs are bounded by the env-step budget only (no wall limit) and interleaved seed by seed. "env steps to solve" is the coordinator\'s',
    'count (what the budget counts, the attackers\' counted reports included) when the solve window reached the threshold and the coordinator\'s own',
    'evaluation then confirmed it; "honest" is the honest workers\' own env steps at that moment. The ratio is the cell\'s median over the clean cell\'s',
    'median (same honest workers, same session); a run that did not solve counts as more than any that did. That evaluation shares the process with the',
    'tabs, so training goes on for a while before it ends the run: the refusals count that time too.',
    '',
    '| honest + attackers | attack | defences | runs solved | median env steps to solve (honest) | ratio to clean | attackers quarantined | attacker accepted / pushes | honest updates refused (outlier, overShare) | honest workers quarantined |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const key = (r: RunResult) => `${r.honest} ${r.attackers} ${r.attack} ${r.defences}`;
  const groups = new Map<string, RunResult[]>();
  for (const r of results) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const med = (x: number) => (Number.isFinite(x) ? fmt(x, 0) : 'not solved');
  for (const rs of groups.values()) {
    const r0 = rs[0];
    const solved = rs.filter((r) => r.state === 'solved');
    const m = medianToSolve(rs);
    const honestAt = solved.map((r) => r.honestEnvStepsAtSolve).filter((x) => x !== null);
    const clean = results.filter((r) => r.honest === r0.honest && r.attack === 'none');
    const cleanMedian = medianToSolve(clean);
    const ratio = r0.attack === 'none' || clean.length === 0 ? '-' : !Number.isFinite(cleanMedian) ? 'clean not solved' : Number.isFinite(m) ? `${fmt(m / cleanMedian, 2)}x` : '> budget';
    const a = rs.flatMap((r) => r.attackerStats);
    const flagged = rs.map((r) => Object.entries(r.honestFlagged).map(([k, v]) => `${k} ${v}`).join(', ') || '0').join('; ');
    lines.push(`| ${r0.honest} + ${r0.attackers} | ${r0.attack} | ${r0.defences} | ${solved.length}/${rs.length} | ${med(m)}${honestAt.length ? ` (${fmt(median(honestAt), 0)})` : ''} | ${ratio} | `
      + `${a.length ? `${a.filter((x) => x.quarantined).length}/${a.length}` : '-'} | ${a.length ? rs.map((r) => r.attackerStats.map((x) => `${x.accepted} / ${x.pushes}${r.attack.startsWith('turncoat') ? ` (${x.acceptedTurned ?? 0} turned)` : ''}`).join(', ')).join('; ') : '-'} | ${flagged} | ${rs.reduce((n, r) => n + r.honestQuarantined, 0)} |`);
  }
  lines.push('', '## The direction test on honest workers', '',
    'Every judged update of the honest workers once past their newcomer updates (robustAcceptance.ts): the worker\'s average cosine after it, the update\'s own cosine with the reference, and the mean |cosine| of its last RECENT_COSINES (where recorded); the lowest, 1st and 5th percentiles and the median over all runs of the row.',
    '', `| honest + attackers | attack | runs | judged updates past probation | average: min / p1 / p5 / median | cosine: min / p1 / p5 / median | mean \\|cosine\\| of the last ${RECENT_COSINES}: min / p1 / p5 / median |`, '|---|---|---|---|---|---|---|');
  for (const rs of groups.values()) {
    const past = rs.flatMap((r) => (r.judged ?? []).filter((j) => j.role === 'honest').flatMap((j) => j.updates.filter((u) => u[2] === 0)));
    if (past.length === 0) continue;
    const q = (xs: number[]) => (xs.length ? [0, 0.01, 0.05, 0.5].map((p) => fmt(nearestRank([...xs].sort((a, b) => a - b), p)!, 3)).join(' / ') : '-');
    lines.push(`| ${rs[0].honest} + ${rs[0].attackers} | ${rs[0].attack} | ${rs.length} | ${past.length} | ${q(past.map((u) => u[1]))} | ${q(past.map((u) => u[0]))} | ${q(past.filter((u) => u.length > 4).map((u) => u[4]))} |`);
  }
  lines.push('', '## Every run', '', '| honest + attackers | attack | defences | seed | state | env steps to solve (honest) | env steps by the end (honest) | accepted | wall s | refusals by reason |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(`| ${r.honest} + ${r.attackers} | ${r.attack} | ${r.defences} | ${r.seed} | ${r.state} | ${r.solvedAtEnvSteps ?? '-'}${r.honestEnvStepsAtSolve !== null ? ` (${r.honestEnvStepsAtSolve})` : ''} | ${r.envSteps} (${r.honestEnvSteps}) | ${r.accepted} | ${fmt(r.wallS)} | ${Object.entries(r.rejected).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  }
  return lines.join('\n') + '\n';
}

await main();
