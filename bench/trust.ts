/**
 * `npm run bench:trust`: CartPole-v1 (its default run: local mode) trained in one process by a
 * real coordinator on port 0 and honest RolloutWorkers (tfjs wasm backend in Node), with and
 * without one simulated hostile worker per attack (server/testing/simulatedAttacker.ts), with
 * the robust-acceptance and quarantine defences on and off. Prints one JSON line per run and
 * writes the table to docs/trust/figures.md and the runs to docs/trust/runs.json.
 *
 *   npm run bench:trust -- --attacks none,signFlip,noise --defences on,off --seeds 1,2
 *
 * Defences on: robust acceptance, quarantine and spot checks at config.spotCheckRate; off: none of them.
 *
 * Env steps are the coordinator's count at the solve (what the run's budget counts: the
 * attacker's reports included while they count) and the honest workers' own.
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
import { ATTACKS, SimulatedAttacker, type Attack, type AttackerStats } from '../server/testing/simulatedAttacker.ts';
import { fmt, list, machineLine, median } from './runs.ts';

const opts = new Command()
  .option('--attacks <list>', `none or any of ${ATTACKS.join(',')}`, ['none', ...ATTACKS].join(','))
  .option('--defences <list>', 'on (robustUpdates, quarantine, spot checks) and/or off', 'on')
  .option('--seeds <list>', 'seeds', '1')
  .option('--honest <n>', 'honest workers', '2')
  .option('--budget <steps>', 'totalTimesteps of each run', '300000')
  .option('--timeout-s <s>', 'wall limit of one run', '600')
  .option('--out <dir>', 'where figures.md and runs.json go', 'docs/trust')
  .option('--render <files>', 'run nothing: write the table of the runs in these runs.json files (comma-separated)')
  .parse()
  .opts<{ attacks: string; defences: string; seeds: string; honest: string; budget: string; timeoutS: string; out: string; render?: string }>();

interface RunResult {
  attack: Attack | 'none';
  budget: number;
  honest: number;
  defences: 'on' | 'off';
  seed: number;
  state: RunStatus['state'];
  solvedAtEnvSteps: number | null;
  /** Env steps the honest workers collected by the end (the solve, or the budget). */
  honestEnvSteps: number;
  envSteps: number;
  wallS: number;
  accepted: number;
  rejected: Partial<Record<RejectReason, number>>;
  attacker: AttackerStats | null;
  /** Refusals of honest workers' updates for robustness or pace (outlier, overShare, quarantined): false positives. */
  honestFlagged: Partial<Record<RejectReason, number>>;
  honestQuarantined: number;
  solveChecks: number;
  /** The coordinator's spot checks of reported episodes (the attacker's and the honest workers'). */
  spotChecks: SpotChecks;
}

async function runOnce(attack: Attack | 'none', defences: 'on' | 'off', seed: number): Promise<RunResult> {
  const config = configFor('CartPole-v1', { seed, totalTimesteps: Number(opts.budget), robustUpdates: defences === 'on', quarantine: defences === 'on', ...(defences === 'off' && { spotCheckRate: 0 }) });
  const c = new Coordinator({ config, port: 0, tickMs: 500 });
  const url = `http://127.0.0.1:${await c.start()}`;
  const t0 = performance.now();
  const done = once(c, 'done') as Promise<[RunStatus]>;
  const honest = Array.from({ length: Number(opts.honest) }, () => new RolloutWorker({ url, backend: 'wasm', adapter: 'node', timings: [], userAgent: 'bench:trust', ackTimeoutMs: 120_000 }));
  const attacker = attack === 'none' ? null : new SimulatedAttacker(url, attack, seed);
  const runs = [...honest.map((w) => w.run()), attacker?.run()];
  for (const r of runs) r?.catch(() => {}); // settled below
  const timer = setTimeout(() => c.endRun(), Number(opts.timeoutS) * 1000);
  const [status] = await done;
  clearTimeout(timer);
  const wallS = (performance.now() - t0) / 1000;
  for (const w of honest) w.stop();
  attacker?.stop();
  const settled = await Promise.allSettled(runs);
  await c.stop();
  const attackerStats = attacker ? (settled.at(-1) as PromiseSettledResult<AttackerStats | undefined>) : null;
  const aStats = attackerStats?.status === 'fulfilled' ? attackerStats.value ?? null : null;
  const honestIds = new Set(honest.map((w) => w.status.workerId));
  const honestInfo = c.workerList().filter((w) => honestIds.has(w.workerId));
  const honestFlagged: Partial<Record<RejectReason, number>> = {};
  for (const reason of ['outlier', 'overShare', 'quarantined'] as const) {
    const n = (status.rejected[reason] ?? 0) - (aStats?.rejected[reason] ?? 0);
    if (n > 0) honestFlagged[reason] = n;
  }
  const rejected: Partial<Record<RejectReason, number>> = {};
  for (const r of REJECT_REASONS) if (status.rejected[r] > 0) rejected[r] = status.rejected[r];
  return {
    attack, budget: config.totalTimesteps, honest: honest.length, defences, seed, state: status.state, solvedAtEnvSteps: status.solvedAtEnvSteps, envSteps: status.envSteps,
    honestEnvSteps: honest.reduce((n, w) => n + w.status.envSteps, 0), wallS, accepted: status.accepted, rejected, attacker: aStats,
    honestFlagged, honestQuarantined: honestInfo.filter((w) => w.quarantined).length, solveChecks: status.solveChecks.count,
    spotChecks: status.spotChecks,
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
  for (const defences of list(opts.defences) as ('on' | 'off')[]) {
    for (const attack of list(opts.attacks) as (Attack | 'none')[]) {
      if (attack === 'none' && defences === 'off' && list(opts.defences).includes('on')) continue; // the clean run has nothing to defend
      for (const seed of list(opts.seeds).map(Number)) {
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

function table(results: RunResult[]): string {
  const lines = [
    '# Trust figures (bench/trust.ts)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineLine()}, shared with other work: wall seconds are not comparable, env steps are.`,
    `Commands: ${[...new Set(results.map((r) => `\`npm run bench:trust -- --attacks ... --defences ${r.defences} --budget ${r.budget} --honest ${r.honest}\``))].join(', ')} (the attacks and seeds of the rows below).`,
    '',
    'CartPole-v1\'s default run (local mode, 16 envs x 32 steps a tab), honest RolloutWorkers in one Node process with the coordinator (tfjs wasm) and one',
    'simulated attacker. "env steps to solve" is the coordinator\'s count (what the budget counts, the attacker\'s counted reports included) when the solve window',
    'reached the threshold and the coordinator\'s own evaluation then confirmed it. That evaluation shares the process with the tabs, so training goes on',
    'for a while before it ends the run: "env steps by the end" and the refusals count that time too.',
    '',
    '| attack | defences | runs solved | median env steps to solve | attacker quarantined | attacker accepted / pushes | honest updates refused (outlier, overShare) | solve checks |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const groups = new Map<string, RunResult[]>();
  for (const r of results) groups.set(`${r.attack} ${r.defences}`, [...(groups.get(`${r.attack} ${r.defences}`) ?? []), r]);
  for (const rs of groups.values()) {
    const solved = rs.filter((r) => r.state === 'solved');
    const med = (xs: number[]) => (xs.length ? fmt(median(xs), 0) : '-');
    const a = rs.map((r) => r.attacker).filter((x) => x !== null);
    const flagged = rs.map((r) => Object.entries(r.honestFlagged).map(([k, v]) => `${k} ${v}`).join(', ') || '0').join('; ');
    lines.push(`| ${rs[0].attack} | ${rs[0].defences} | ${solved.length}/${rs.length} | ${med(solved.map((r) => r.solvedAtEnvSteps!))} | `
      + `${a.length ? `${a.filter((x) => x.quarantined).length}/${a.length}` : '-'} | ${a.map((x) => `${x.accepted} / ${x.pushes}`).join('; ') || '-'} | ${flagged} | ${rs.map((r) => r.solveChecks).join(', ')} |`);
  }
  lines.push('', '## Every run', '', '| attack | defences | seed | state | env steps to solve | env steps by the end (honest workers\' own) | accepted | wall s | refusals by reason |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(`| ${r.attack} | ${r.defences} | ${r.seed} | ${r.state} | ${r.solvedAtEnvSteps ?? '-'} | ${r.envSteps} (${r.honestEnvSteps}) | ${r.accepted} | ${fmt(r.wallS)} | ${Object.entries(r.rejected).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  }
  return lines.join('\n') + '\n';
}

await main();
