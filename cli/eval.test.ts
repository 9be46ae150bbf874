import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor, type TrainConfig } from '../shared/config.ts';
import { envIds } from '../shared/envs/registry.ts';
import { evaluatePolicy } from '../shared/ppo/evaluate.ts';
import { modelFor } from '../shared/ppo/modelSpec.ts';
import { initParams } from '../shared/ppo/params.ts';
import { saveCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { runStateExtra } from '../server/checkpoint/runState.ts';
import { renderEpisodes } from './render.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The envs tabswarm ships, listed before this file registers any of its own. */
const shipped = envIds();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'tabswarm-eval-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes a checkpoint of `params` trained under `config` (no normalization); returns its path. */
async function checkpoint(name: string, config: TrainConfig, params: Float32Array): Promise<string> {
  const path = join(tmp, `${name}.ckpt`);
  await saveCheckpoint(path, {
    envId: config.envId, config, version: 7, envSteps: 1234, params,
    adam: { m: new Float32Array(params.length), v: new Float32Array(params.length), t: 7 },
    extra: runStateExtra({ norm: {} }),
  });
  return path;
}

/** A CartPole controller: one hidden unit tanh(10 angle + 2 angular velocity), logits [0, 3 * that]. */
function cartPoleController(): { config: TrainConfig; params: Float32Array } {
  const config = configFor('CartPole-v1', { hiddenSizes: [1] });
  const { layout, numParams } = modelFor(config);
  const params = new Float32Array(numParams);
  const at = (name: string) => layout.find((p) => p.name === name)!.offset;
  params[at('actor.0.w') + 2] = 10;
  params[at('actor.0.w') + 3] = 2;
  params[at('actor.1.w') + 1] = 3;
  return { config, params };
}

/** Random (PyTorch-style init) params for `envId`, on raw observations, so every env moves. */
function randomPolicy(envId: string): { config: TrainConfig; params: Float32Array } {
  const config = configFor(envId, { hiddenSizes: [8], normObs: false });
  return { config, params: initParams(modelFor(config).layout, 1, { orthoInit: false }) };
}

const cli = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
  execFile(process.execPath, [join(root, 'bin/tabswarm.js'), 'eval', ...args], { cwd: root }, (err, stdout, stderr) => {
    resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
  });
});

interface GifStructure {
  width: number;
  height: number;
  /** Image descriptors, each with its own size and frame delay (hundredths of a second). */
  frames: { width: number; height: number; delay: number }[];
  /** The NETSCAPE2.0 loop count, or null without one. */
  loops: number | null;
}

/** Walks a GIF89a block by block (header, screen, colour tables, extensions, images, trailer); throws where it breaks. */
function gifStructure(b: Uint8Array): GifStructure {
  const u16 = (i: number) => b[i] | (b[i + 1] << 8);
  if (String.fromCharCode(...b.subarray(0, 6)) !== 'GIF89a') throw new Error('not a GIF89a header');
  const out: GifStructure = { width: u16(6), height: u16(8), frames: [], loops: null };
  let i = 13 + (b[10] & 0x80 ? 3 * 2 ** ((b[10] & 7) + 1) : 0);
  const skipSubBlocks = () => {
    while (b[i] !== 0) {
      if (i >= b.length) throw new Error('truncated sub-blocks');
      i += b[i] + 1;
    }
    i++;
  };
  let delay = 0;
  for (;;) {
    const block = b[i];
    if (block === 0x3b) break;
    if (block === 0x21) {
      const label = b[i + 1];
      if (label === 0xf9) delay = u16(i + 4);
      if (label === 0xff && String.fromCharCode(...b.subarray(i + 3, i + 14)) === 'NETSCAPE2.0') out.loops = u16(i + 16);
      i += 2;
      skipSubBlocks();
    } else if (block === 0x2c) {
      out.frames.push({ width: u16(i + 5), height: u16(i + 7), delay });
      const packed = b[i + 9];
      i += 10 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0);
      i++; // LZW minimum code size
      skipSubBlocks();
    } else {
      throw new Error(`unexpected block 0x${block?.toString(16)} at byte ${i}`);
    }
  }
  if (i !== b.length - 1) throw new Error('bytes after the trailer');
  return out;
}

/** The RGBA pixels of a PNG file, decoded. */
async function pixels(file: string): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const image = await loadImage(await readFile(file));
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

const differing = (a: Uint8ClampedArray, b: Uint8ClampedArray): number => {
  let n = 0;
  for (let i = 0; i < a.length; i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
  return n;
};
const notWhite = (a: Uint8ClampedArray): number => {
  let n = 0;
  for (let i = 0; i < a.length; i += 4) if (a[i] < 250 || a[i + 1] < 250 || a[i + 2] < 250) n++;
  return n;
};

/** Checks one rendered episode's files: a GIF of `frames` frames of w x h and as many PNG frames; returns the first and last PNG's pixels. */
async function checkEpisode(gif: string, pngDir: string, frames: number, w: number, h: number) {
  const g = gifStructure(await readFile(gif));
  expect([g.width, g.height]).toEqual([w, h]);
  expect(g.frames).toHaveLength(frames);
  expect(g.frames.every((f) => f.width === w && f.height === h)).toBe(true);
  expect(g.loops).toBe(0); // loops forever
  const pngs = (await readdir(pngDir)).sort();
  expect(pngs).toEqual(Array.from({ length: frames }, (_, k) => `frame-${String(k).padStart(4, '0')}.png`));
  const first = await pixels(join(pngDir, pngs[0]));
  const last = await pixels(join(pngDir, pngs[frames - 1]));
  expect([first.width, first.height, last.width, last.height]).toEqual([w, h, w, h]);
  return { g, first: first.data, last: last.data };
}

describe('renderEpisodes', () => {
  it.each(shipped)('%s: a GIF and PNG frames that draw the env moving', async (envId) => {
    const { config, params } = randomPolicy(envId);
    const dir = join(tmp, `render-${envId}`);
    const [ep] = await renderEpisodes(config, params, null, 'deterministic', 2, { dir, episodes: 1, width: 96, height: 64, fps: 20, pngFrames: true });
    const [ret] = evaluatePolicy(config, params, null, 1, 2);
    expect(ep.return).toBe(ret); // episode 0 of the evaluation from the same seed
    expect(ep.gif).toBe(join(dir, 'episode-0.gif'));
    const { g, first, last } = await checkEpisode(ep.gif, ep.pngDir!, ep.frames, 96, 64);
    expect(g.frames[0].delay).toBe(5); // 20 fps
    expect(notWhite(first)).toBeGreaterThan(50); // the env is drawn
    expect(differing(first, last)).toBeGreaterThan(0); // and it moved
  });
});

describe('tabswarm eval (the CLI)', () => {
  it('prints deterministic and stochastic figures, the same as evaluatePolicy, reproducible from --seed', async () => {
    const { config, params } = cartPoleController();
    const path = await checkpoint('controller', config, params);
    const expected = (mode: 'deterministic' | 'stochastic', seed: number) => {
      const r = evaluatePolicy(config, params, null, 8, seed, mode);
      const mean = r.reduce((a, b) => a + b, 0) / r.length;
      return { r, mean, std: Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / r.length) };
    };
    const det = expected('deterministic', 3);
    const sto = expected('stochastic', 3);
    expect(sto.mean).toBeLessThan(det.mean); // a non-trivial policy: exploration costs it return

    const [text, json, json4, only] = await Promise.all([
      cli(path, '--episodes', '8', '--seed', '3'),
      cli(path, '--episodes', '8', '--seed', '3', '--json'),
      cli(path, '--episodes', '8', '--seed', '4', '--json'),
      cli(path, '--episodes', '8', '--seed', '3', '--mode', 'stochastic'),
    ]);
    for (const r of [text, json, json4, only]) expect(r.code, r.stderr).toBe(0);
    const line = (mode: string, e: { mean: number; std: number }) =>
      `CartPole-v1: mean return ${e.mean.toFixed(1)} +- ${e.std.toFixed(1)} over 8 ${mode} episodes (version 7, 1234 env steps)`;
    expect(text.stdout.trim().split('\n')).toEqual([line('deterministic', det), line('stochastic', sto)]);
    expect(only.stdout.trim()).toBe(line('stochastic', sto));

    const parsed = JSON.parse(json.stdout);
    expect(parsed).toEqual({
      envId: 'CartPole-v1', version: 7, envSteps: 1234, episodes: 8, seed: 3,
      deterministic: { mean: det.mean, std: det.std, returns: det.r },
      stochastic: { mean: sto.mean, std: sto.std, returns: sto.r },
    });
    const other = JSON.parse(json4.stdout);
    expect(other.stochastic.returns).toEqual(expected('stochastic', 4).r);
    expect(other.stochastic.returns).not.toEqual(sto.r);
  });

  it('--render writes the evaluation\'s first episodes as GIFs and PNG frames (a run folder works too)', async () => {
    const { config, params } = cartPoleController();
    const path = await checkpoint('checkpoint', config, params); // tmp/checkpoint.ckpt: tmp is a run folder
    const dir = join(tmp, 'cli-render');
    const r = await cli(tmp, '--episodes', '3', '--mode', 'stochastic', '--json', '--render', dir, '--render-episodes', '2', '--frames', '--size', '120x80', '--fps', '25');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.stochastic.returns).toEqual(evaluatePolicy(config, params, null, 3, 0, 'stochastic'));
    expect(out.rendered).toHaveLength(2);
    for (const [k, ep] of (out.rendered as { mode: string; gif: string; frames: number; return: number; pngDir: string }[]).entries()) {
      expect(ep).toMatchObject({ mode: 'stochastic', gif: join(dir, `episode-${k}.gif`), pngDir: join(dir, `episode-${k}`), return: out.stochastic.returns[k] });
      expect(ep.frames).toBe(ep.return + 1); // CartPole: reward 1 per step; a frame after the reset and after every step
      const { g, first, last } = await checkEpisode(ep.gif, ep.pngDir, ep.frames, 120, 80);
      expect(g.frames[1].delay).toBe(4); // 25 fps
      expect(differing(first, last)).toBeGreaterThan(0);
    }
    expect(path).toBe(join(tmp, 'checkpoint.ckpt'));
  });

  it('renders an --env-module env with a drawing; one without gets a clear message, exit code 2', async () => {
    await import(pathToFileURL(join(root, 'examples/lineWalk.ts')).href);
    const blankModule = join(tmp, 'blank.ts');
    await writeFile(blankModule, [
      `import { registerEnv } from ${JSON.stringify(join(root, 'shared/envs/registry.ts'))};`,
      `const spec = { id: 'Blank-v0', obsDim: 1, actionSpace: { type: 'discrete', n: 2 }, maxEpisodeSteps: 5, rewardThreshold: 5 };`,
      'let s = 0;',
      `registerEnv(spec, () => ({ spec, reset: () => { s = 0; return Float32Array.of(0); }, step: () => ({ obs: Float32Array.of(++s), reward: 1, terminated: false, truncated: false }), getState: () => Float64Array.of(s), setState: () => {} }));`,
    ].join('\n'));
    await import(pathToFileURL(blankModule).href);
    const walk = randomPolicy('LineWalk-v0');
    const walkPath = await checkpoint('linewalk', walk.config, walk.params);
    const blank = randomPolicy('Blank-v0');
    const blankPath = await checkpoint('blank', blank.config, blank.params);
    const dir = join(tmp, 'walk-render');

    const [drawn, refused, evaluated] = await Promise.all([
      cli(walkPath, '--env-module', 'examples/lineWalk.ts', '--episodes', '1', '--render', dir, '--frames', '--size', '90x60', '--json'),
      cli(blankPath, '--env-module', blankModule, '--render', join(tmp, 'blank-render')),
      cli(blankPath, '--env-module', blankModule, '--episodes', '2'),
    ]);
    expect(drawn.code, drawn.stderr).toBe(0);
    const ep = JSON.parse(drawn.stdout).rendered[0];
    const { first, last } = await checkEpisode(ep.gif, ep.pngDir, ep.frames, 90, 60);
    expect(ep.frames).toBeGreaterThan(1);
    expect(notWhite(first)).toBeGreaterThan(20);
    expect(ep.return === 1 || differing(first, last) > 0).toBe(true); // the walker moved (or reached the goal, ending the episode)

    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--render: there is no drawing of Blank-v0; an --env-module adds one with registerRenderer/);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toContain('Blank-v0: mean return 5.0 +- 0.0 over 2 deterministic episodes');
  });

  it('bad flags: exit code 2 and a message naming the flag', async () => {
    const missing = join(tmp, 'never-read.ckpt'); // flags are checked before the checkpoint is read
    const cases: [string[], RegExp][] = [
      [['--render', tmp, '--size', '8x8'], /--size must be WIDTHxHEIGHT in pixels, each from 16 to 4096/],
      [['--render', tmp, '--size', 'large'], /--size must be WIDTHxHEIGHT/],
      [['--mode', 'greedy'], /'greedy' is invalid\. Allowed choices are deterministic, stochastic, both/],
      [['--render', tmp, '--render-episodes', '0'], /--render-episodes must be an integer >= 1/],
      [['--render', tmp, '--fps', '0'], /--fps must be a number >= 1/],
      [['--frames', '--size', '100x100'], /--size, --frames need --render DIR/],
      [['--render-episodes', '2'], /--render-episodes needs --render DIR/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(missing, ...args)));
    results.forEach((r, k) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(cases[k][1]);
    });
  });
});
