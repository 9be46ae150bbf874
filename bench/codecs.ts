/**
 * `npm run bench:codecs`: what each update codec costs and what it does to training.
 *  - bytes per update, encode and decode ms (Node, median of repeats) for the CartPole model and
 *    for 100k and 1M parameters;
 *  - error: relative L2 error of one decoded update, and of the sum of 200 updates with and
 *    without error feedback (what the coordinator's parameters see over time);
 *  - time and env steps to solve CartPole-v1 with 2 headless tabs per codec (`npm start --codec`).
 * Writes docs/perf/codecs.md.
 *
 *   npm run bench:codecs -- --seeds 1,2,3
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { modelFor } from '../shared/ppo/modelSpec.ts';
import { defaultConfig } from '../shared/config.ts';
import { Rng } from '../shared/rng.ts';
import { ErrorFeedback, UPDATE_CODECS, decodeUpdateInto, encodeUpdate, updateBytes, type UpdateCodec } from '../shared/updateCodec.ts';
import { fmt, list, machineLine, median, runTabswarm } from './runs.ts';

const opts = new Command()
  .option('--seeds <list>', 'seeds of the training runs', '1,2,3')
  .option('--tabs <n>', 'tabs per training run', '2')
  .option('--codecs <list>', 'codecs', UPDATE_CODECS.join(','))
  .option('--no-train', 'skip the training runs')
  .option('--out <file>', 'report', 'docs/perf/codecs.md')
  .parse()
  .opts<{ seeds: string; tabs: string; codecs: string; train: boolean; out: string }>();

const codecs = list(opts.codecs) as UpdateCodec[];

function timeMs(fn: () => void, repeats: number): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts)!;
}

/** A gradient-like vector: normal values with a spread of scales, as layers' gradients have. */
function gradientLike(n: number, rng: Rng): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = rng.normal() * 1e-3 * (1 + ((i >> 8) % 7));
  return g;
}

const relErr = (a: Float32Array | Float64Array, b: Float32Array | Float64Array) => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) { num += (a[i] - b[i]) ** 2; den += b[i] ** 2; }
  return Math.sqrt(num / den);
};

/** Relative error of the sum of `steps` decoded updates against the true sum, with or without error feedback. */
function cumulativeError(codec: UpdateCodec, n: number, steps: number, feedback: boolean): number {
  const rng = new Rng(7);
  const ef = new ErrorFeedback(codec, n);
  const out = new Float32Array(n);
  const truth = new Float64Array(n);
  const got = new Float64Array(n);
  for (let s = 0; s < steps; s++) {
    const g = gradientLike(n, rng);
    decodeUpdateInto(codec, feedback ? ef.encode(g) : encodeUpdate(codec, g), out);
    for (let i = 0; i < n; i++) { truth[i] += g[i]; got[i] += out[i]; }
  }
  return relErr(got, truth);
}

async function main(): Promise<void> {
  const cartpole = modelFor(defaultConfig).numParams;
  const sizes = [cartpole, 100_000, 1_000_000];
  const lines = [
    '# Update codecs',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineLine()}, Node ${process.version}.`,
    `Command: \`npm run bench:codecs -- --seeds ${opts.seeds}\``,
    '',
    'fp32 sends the gradient as is; fp16 as IEEE half floats; int8 as blocks of 256 values with one float32',
    'scale each. The worker keeps the quantization error of each update and adds it to the next (error',
    'feedback), so what the coordinator applies over time tracks the true gradients (see shared/updateCodec.ts).',
    '',
    '## Size and speed',
    '',
    '| params | codec | bytes per update | vs fp32 | encode ms (with error feedback) | decode ms |',
    '|---|---|---|---|---|---|',
  ];
  const rng = new Rng(1);
  for (const n of sizes) {
    const g = gradientLike(n, rng);
    const out = new Float32Array(n);
    const repeats = n > 100_000 ? 9 : 51;
    for (const c of codecs) {
      const ef = new ErrorFeedback(c, n);
      const bin = ef.encode(g);
      const enc = timeMs(() => ef.encode(g), repeats);
      const dec = timeMs(() => decodeUpdateInto(c, bin, out), repeats);
      lines.push(`| ${n.toLocaleString('en-US')} | ${c} | ${updateBytes(c, n).toLocaleString('en-US')} | ${(updateBytes(c, n) / updateBytes('fp32', n)).toFixed(3)} | ${fmt(enc, 3)} | ${fmt(dec, 3)} |`);
    }
  }
  lines.push(
    '', '## Error', '',
    `CartPole model (${cartpole.toLocaleString('en-US')} params), gradient-like vectors (normal, per-block scales spread over 7x).`, '',
    '| codec | one update, relative L2 error | sum of 200 updates, without error feedback | with error feedback |',
    '|---|---|---|---|',
  );
  for (const c of codecs) {
    const g = gradientLike(cartpole, new Rng(3));
    const out = decodeUpdateInto(c, encodeUpdate(c, g), new Float32Array(cartpole));
    lines.push(`| ${c} | ${relErr(out, g).toExponential(2)} | ${cumulativeError(c, cartpole, 200, false).toExponential(2)} | ${cumulativeError(c, cartpole, 200, true).toExponential(2)} |`);
  }

  if (opts.train) {
    const seeds = list(opts.seeds).map(Number);
    lines.push(
      '', `## Training: CartPole-v1, ${opts.tabs} headless tabs (wasm), seeds ${seeds.join(', ')}`, '',
      '| codec | solved | median env steps to solve | median training s to solve | bytes per update |',
      '|---|---|---|---|---|',
    );
    for (const c of codecs) {
      const runs = [];
      for (const seed of seeds) {
        const { summary } = await runTabswarm(['--codec', c, '--workers', opts.tabs, '--seed', String(seed), '--backend', 'wasm', '--max-wall', '300']);
        console.log(JSON.stringify({ codec: c, seed, solved: summary.solved, steps: summary.solvedAtEnvSteps, wall: summary.solvedAtWallS }));
        runs.push(summary);
      }
      const ok = runs.filter((r) => r.solved);
      lines.push(`| ${c} | ${ok.length}/${runs.length} | ${fmt(median(ok.map((r) => r.solvedAtEnvSteps!)), 0)} | ${fmt(median(ok.map((r) => r.solvedAtWallS!)))} | ${updateBytes(c, cartpole).toLocaleString('en-US')} |`);
    }
  }
  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, lines.join('\n') + '\n');
  console.log(`wrote ${opts.out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
