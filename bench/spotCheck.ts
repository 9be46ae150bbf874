/**
 * `npm run bench:spotcheck`: what a spot check (server/workers/spotCheck.ts) costs per env: the
 * coordinator's CPU to replay one episode from its trace (shared/envs/trace.ts): making and
 * resetting the env, each step, and an episode as long as the env's time limit allows (the worst
 * case: reset + maxEpisodeSteps steps), and the bytes of the tab's
 * answer on the wire for such an episode (the Socket.IO ack packet: its JSON part and the binary
 * attachment). Episodes are played with random actions; each is replayed `--repeats` times and the
 * median is kept. Prints a markdown table.
 *
 *   npm run bench:spotcheck -- --steps 20000 --repeats 5
 */
import { cpus } from 'node:os';
import { Command } from 'commander';
import { Encoder, PacketType } from 'socket.io-parser';
import { envIds, envSpec, makeEnv } from '../shared/envs/registry.ts';
import { encodeActions, replayEpisode, type EpisodeTrace } from '../shared/envs/trace.ts';
import { VecEnv } from '../shared/envs/vecEnv.ts';
import { Rng } from '../shared/rng.ts';
import { median } from './runs.ts';

const opts = new Command()
  .option('--steps <n>', 'env steps played (and replayed) per env', '20000')
  .option('--repeats <n>', 'replays of each episode', '5')
  .parse()
  .opts<{ steps: string; repeats: string }>();

/** Episodes of `id` played with random actions over `steps` steps of 4 envs. */
function episodes(id: string, steps: number): { trace: EpisodeTrace; length: number }[] {
  const vec = new VecEnv(id, 4, 1);
  const space = vec.spec.actionSpace;
  const rng = new Rng(2);
  vec.reset();
  const out: { trace: EpisodeTrace; length: number }[] = [];
  for (let t = 0; t < steps / 4; t++) {
    const a = Float32Array.from({ length: 4 * vec.actionDim }, (_, k) => (space.type === 'discrete' ? rng.int(space.n) : rng.uniform(space.low[k % vec.actionDim], space.high[k % vec.actionDim])));
    for (const f of vec.step(a).finished) out.push({ trace: f.trace, length: f.length });
  }
  return out;
}

/** Bytes of the ack packet that carries a trace of `length` steps: its JSON text plus its binary attachment. */
function answerBytes(id: string, length: number): number {
  const spec = envSpec(id);
  const dim = spec.actionSpace.type === 'discrete' ? 1 : spec.actionSpace.low.length;
  const reply = { ok: true, seed: 4294967295, actions: Buffer.from(encodeActions(spec, new Float32Array(length * dim))) };
  const parts = new Encoder().encode({ type: PacketType.ACK, nsp: '/worker', id: 123456, data: [reply] });
  return parts.reduce((n: number, p: string | Buffer) => n + (typeof p === 'string' ? Buffer.byteLength(p) : p.byteLength), 0);
}

/** Bytes of the coordinator's request packet (an event with an ack id). */
function requestBytes(): number {
  const [text] = new Encoder().encode({ type: PacketType.EVENT, nsp: '/worker', id: 123456, data: ['spotCheck', { seq: 123456, episode: 12 }] });
  return Buffer.byteLength(text as string);
}

const played = Number(opts.steps);
const repeats = Number(opts.repeats);
console.log(`Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}: ${played} random-action env steps per env, each episode replayed ${repeats} times. A request is ${requestBytes()} bytes.\n`);
console.log('| env | episodes | mean length | make + reset, ms | one step, us | ms per episode of mean length | ms per episode of maxEpisodeSteps | answer bytes, mean episode | answer bytes, maxEpisodeSteps |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const id of envIds()) {
  const eps = episodes(id, played);
  const steps = eps.reduce((s, e) => s + e.length, 0);
  const resetMs: number[] = [];
  const episodeMs: number[] = [];
  for (let k = 0; k < repeats; k++) {
    let t0 = performance.now();
    for (const e of eps) makeEnv(id, e.trace.seed).reset(e.trace.seed);
    resetMs.push((performance.now() - t0) / eps.length);
    t0 = performance.now();
    for (const e of eps) replayEpisode(id, e.trace.seed, e.trace.actions);
    episodeMs.push((performance.now() - t0) / eps.length);
  }
  const reset = median(resetMs)!;
  const perEpisode = median(episodeMs)!;
  const perStep = Math.max(0, perEpisode - reset) / (steps / eps.length);
  const meanLength = steps / eps.length;
  const max = envSpec(id).maxEpisodeSteps;
  console.log(`| ${id} | ${eps.length} | ${meanLength.toFixed(0)} | ${reset.toFixed(3)} | ${(perStep * 1000).toFixed(2)} | ${perEpisode.toFixed(2)} | ${(reset + perStep * max).toFixed(2)} | ${answerBytes(id, Math.round(meanLength))} | ${answerBytes(id, max)} |`);
}
