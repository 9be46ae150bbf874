/**
 * `tabswarm eval --render DIR`: plays episodes of a checkpoint's policy and writes each as an
 * animated GIF (`episode-K.gif`, one frame after the reset and one after every step), and on
 * request its PNG frames (`episode-K/frame-NNNN.png`). The frames are the envs' own drawings
 * (shared/envs/render.ts) on a real Canvas 2D (@napi-rs/canvas), encoded by gifenc with one
 * palette of up to 256 colours per episode, taken from its first frame (a drawing's colours are all
 * there at the start; a colour that appears later is shown as its nearest). Episode K is episode K of the evaluation: the same reset seed and,
 * stochastic, the same stream of actions.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { makeEnv } from '../shared/envs/registry.ts';
import { renderEnv } from '../shared/envs/render.ts';
import type { Palette } from 'gifenc';
import { evalPolicy, playEpisode, type EvalMode, type SampledEvalConfig } from '../shared/ppo/evaluate.ts';

// gifenc is CommonJS: require gives its exports whatever the loader's interop.
const { GIFEncoder, applyPalette, quantize } = createRequire(import.meta.url)('gifenc') as typeof import('gifenc');

export interface RenderOptions {
  dir: string;
  episodes: number;
  width: number;
  height: number;
  fps: number;
  /** Also write each frame as a PNG. */
  pngFrames: boolean;
}

export interface RenderedEpisode {
  gif: string;
  /** Frames in the GIF: the episode's length + 1. */
  frames: number;
  return: number;
  /** Folder of the PNG frames, or null. */
  pngDir: string | null;
}

/** Renders episodes 0..o.episodes-1 (episode k from reset(seed + k)) of the policy into o.dir. */
export async function renderEpisodes(
  config: SampledEvalConfig, params: Float32Array, obsStats: Float64Array | null, mode: EvalMode, seed: number, o: RenderOptions,
): Promise<RenderedEpisode[]> {
  const { width: w, height: h } = o;
  const policy = evalPolicy(config, params, obsStats, mode, seed);
  const env = makeEnv(config.envId, seed);
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext('2d');
  await mkdir(o.dir, { recursive: true });
  const out: RenderedEpisode[] = [];
  for (let k = 0; k < o.episodes; k++) {
    const pngDir = o.pngFrames ? join(o.dir, `episode-${k}`) : null;
    if (pngDir) await mkdir(pngDir, { recursive: true });
    const gif = GIFEncoder();
    const steps = playEpisode(env, policy, seed + k);
    let frames = 0;
    let palette: Palette = [];
    let next = steps.next();
    for (; !next.done; next = steps.next(), frames++) {
      renderEnv(config.envId, env.getState(), ctx, w, h);
      const { data } = ctx.getImageData(0, 0, w, h);
      if (frames === 0) {
        palette = quantize(data, 256);
        gif.writeFrame(applyPalette(data, palette), w, h, { palette, delay: 1000 / o.fps, repeat: 0 });
      } else {
        gif.writeFrame(applyPalette(data, palette), w, h, { delay: 1000 / o.fps });
      }
      if (pngDir) await writeFile(join(pngDir, `frame-${String(frames).padStart(4, '0')}.png`), canvas.toBuffer('image/png'));
    }
    gif.finish();
    const file = join(o.dir, `episode-${k}.gif`);
    await writeFile(file, gif.bytes());
    out.push({ gif: file, frames, return: next.value, pngDir });
  }
  return out;
}
