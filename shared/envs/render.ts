/**
 * Canvas drawings of the envs from their physical state (`env.getState()`),
 * laid out like Gymnasium's renderers. `Canvas2D` is the slice of `CanvasRenderingContext2D` we
 * use, so shared/ stays DOM-free and tests can pass a recording fake.
 */

import { X_THRESHOLD } from './cartpole.ts';
import { GOAL_POSITION, GOAL_POSITION_CONTINUOUS, MAX_POSITION, MIN_POSITION } from './mountainCar.ts';
import { LUNAR_LANDER_STATE_DIM } from './lunarLander.ts';
import { CHUNKS, H as LANDER_H, HELIPAD_Y, LANDER_POLY, LEG_H, LEG_W, SCALE, W as LANDER_W } from './lunarLanderWorld.ts';

export interface Canvas2D {
  fillStyle: string | object;
  strokeStyle: string | object;
  lineWidth: number;
  lineCap: string;
  save(): void;
  restore(): void;
  clearRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  closePath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  arc(x: number, y: number, radius: number, startAngle: number, endAngle: number): void;
  stroke(): void;
  fill(): void;
}

type Point = [number, number];
/** Draws an env's state (its `getState()`) on a w x h canvas already cleared to white. */
export type Draw = (s: Float64Array, ctx: Canvas2D, w: number, h: number) => void;

function line(ctx: Canvas2D, a: Point, b: Point, color: string, width: number): void {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(b[0], b[1]);
  ctx.stroke();
}

function disc(ctx: Canvas2D, c: Point, r: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(c[0], c[1], r, 0, 2 * Math.PI);
  ctx.fill();
}

function polygon(ctx: Canvas2D, pts: Point[], color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(pts[0][0], pts[0][1]);
  for (const p of pts.slice(1)) ctx.lineTo(p[0], p[1]);
  ctx.closePath();
  ctx.fill();
}

/** Track across the width at 3/4 height; the world spans [-2.4, 2.4] m; the pole is 1 m long. */
const drawCartPole: Draw = (s, ctx, w, h) => {
  const scale = w / (2 * X_THRESHOLD);
  const trackY = 0.75 * h;
  const cartW = 0.4 * scale;
  const cartH = 0.24 * scale;
  const cartX = w / 2 + s[0] * scale;
  line(ctx, [0, trackY], [w, trackY], '#000', 1);
  ctx.fillStyle = '#000';
  ctx.fillRect(cartX - cartW / 2, trackY - cartH, cartW, cartH);
  const pivot: Point = [cartX, trackY - 0.75 * cartH];
  const tip: Point = [pivot[0] + scale * Math.sin(s[2]), pivot[1] - scale * Math.cos(s[2])];
  line(ctx, pivot, tip, '#ca9865', 0.08 * scale);
  disc(ctx, pivot, 0.04 * scale, '#8184cb');
};

/** Pivot at the centre; the world spans [-2.2, 2.2] m; links of 1 m hang down at angle 0. */
const drawAcrobot: Draw = (s, ctx, w, h) => {
  const scale = Math.min(w, h) / 4.4;
  const pivot: Point = [w / 2, h / 2];
  const p1: Point = [pivot[0] + scale * Math.sin(s[0]), pivot[1] + scale * Math.cos(s[0])];
  const p2: Point = [p1[0] + scale * Math.sin(s[0] + s[1]), p1[1] + scale * Math.cos(s[0] + s[1])];
  line(ctx, [pivot[0] - 2.2 * scale, pivot[1] - scale], [pivot[0] + 2.2 * scale, pivot[1] - scale], '#000', 1);
  line(ctx, pivot, p1, '#00cccc', 0.2 * scale);
  line(ctx, p1, p2, '#00cccc', 0.2 * scale);
  disc(ctx, pivot, 0.1 * scale, '#cccc00');
  disc(ctx, p1, 0.1 * scale, '#cccc00');
};

/** Hill y = 0.45 sin(3x) + 0.55 over x in [-1.2, 0.6]; the car sits on it, tilted to the slope. */
function drawMountainCar(goal: number): Draw {
  return (s, ctx, w, h) => {
    const sx = w / (MAX_POSITION - MIN_POSITION);
    const sy = h / 1.1;
    const hill = (x: number): number => Math.sin(3 * x) * 0.45 + 0.55;
    const at = (x: number, y: number): Point => [(x - MIN_POSITION) * sx, h - y * sy];
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i <= 100; i++) {
      const x = MIN_POSITION + (i / 100) * (MAX_POSITION - MIN_POSITION);
      const p = at(x, hill(x));
      if (i === 0) ctx.moveTo(p[0], p[1]);
      else ctx.lineTo(p[0], p[1]);
    }
    ctx.stroke();
    const [fx, fy] = at(goal, hill(goal));
    const top = fy - 0.12 * sy;
    line(ctx, [fx, fy], [fx, top], '#000', 1);
    polygon(ctx, [[fx, top], [fx, top + 0.03 * sy], [fx + 0.07 * sx, top + 0.015 * sy]], '#cccc00');
    // the car: a box whose base lies along the screen-space tangent of the hill
    const base = at(s[0], hill(s[0]));
    const angle = Math.atan2(-1.35 * Math.cos(3 * s[0]) * sy, sx);
    const along: Point = [Math.cos(angle), Math.sin(angle)];
    const up: Point = [Math.sin(angle), -Math.cos(angle)];
    const half = 0.11 * sx;
    const tall = 0.11 * sx;
    const corner = (a: number, b: number): Point => [
      base[0] + a * along[0] + b * up[0],
      base[1] + a * along[1] + b * up[1],
    ];
    polygon(ctx, [corner(-half, 0.05 * sx), corner(half, 0.05 * sx), corner(half, tall), corner(-half, tall)], '#000');
    disc(ctx, corner(-half / 2, 0.05 * sx), 0.035 * sx, '#808080');
    disc(ctx, corner(half / 2, 0.05 * sx), 0.035 * sx, '#808080');
  };
}

/** Pivot at the centre; a rod of 1 m in a [-2.2, 2.2] m view; theta = 0 points up, positive turns left. */
const drawPendulum: Draw = (s, ctx, w, h) => {
  const scale = Math.min(w, h) / 4.4;
  const pivot: Point = [w / 2, h / 2];
  const tip: Point = [pivot[0] - scale * Math.sin(s[0]), pivot[1] - scale * Math.cos(s[0])];
  line(ctx, pivot, tip, '#cc4d4d', 0.2 * scale);
  disc(ctx, tip, 0.1 * scale, '#cc4d4d');
  disc(ctx, pivot, 0.05 * scale, '#000');
};

/**
 * LunarLander from its getState() (lander, then each leg: x, y, angle, ...): the world is
 * W x H Box2D metres, y up. The terrain is drawn flat at the helipad's height, since it comes
 * from the episode's seed and not from the state; the flags mark the helipad.
 */
const drawLunarLander: Draw = (s, ctx, w, h) => {
  const sx = w / LANDER_W;
  const sy = h / LANDER_H;
  const px = (x: number, y: number): Point => [x * sx, h - y * sy];
  const ground = px(0, HELIPAD_Y)[1];
  ctx.fillStyle = '#f4f4f4';
  ctx.fillRect(0, ground, w, h - ground);
  line(ctx, [0, ground], [w, ground], '#000', 1);
  for (const x of [(LANDER_W / (CHUNKS - 1)) * 4, (LANDER_W / (CHUNKS - 1)) * 6]) {
    line(ctx, px(x, HELIPAD_Y), px(x, HELIPAD_Y + 50 / SCALE), '#000', 1);
    polygon(ctx, [px(x, HELIPAD_Y + 50 / SCALE), px(x, HELIPAD_Y + 40 / SCALE), px(x + 25 / SCALE, HELIPAD_Y + 45 / SCALE)], '#cccc00');
  }
  /** A body's local points (in Box2D pixels) placed at (x, y) and turned by angle. */
  const body = (x: number, y: number, angle: number, local: readonly (readonly [number, number])[]): Point[] =>
    local.map(([lx, ly]) => {
      const [ux, uy] = [lx / SCALE, ly / SCALE];
      return px(x + ux * Math.cos(angle) - uy * Math.sin(angle), y + ux * Math.sin(angle) + uy * Math.cos(angle));
    });
  const leg: (readonly [number, number])[] = [[-LEG_W, -LEG_H], [LEG_W, -LEG_H], [LEG_W, LEG_H], [-LEG_W, LEG_H]];
  for (const i of [6, 12]) polygon(ctx, body(s[i], s[i + 1], s[i + 2], leg), '#8066e6');
  polygon(ctx, body(s[0], s[1], s[2], LANDER_POLY), '#8066e6');
};

const drawers = new Map<string, { stateDim: number; draw: Draw }>([
  ['CartPole-v1', { stateDim: 4, draw: drawCartPole }],
  ['Acrobot-v1', { stateDim: 4, draw: drawAcrobot }],
  ['MountainCar-v0', { stateDim: 2, draw: drawMountainCar(GOAL_POSITION) }],
  ['MountainCarContinuous-v0', { stateDim: 2, draw: drawMountainCar(GOAL_POSITION_CONTINUOUS) }],
  ['Pendulum-v1', { stateDim: 2, draw: drawPendulum }],
  ['LunarLander-v3', { stateDim: LUNAR_LANDER_STATE_DIM, draw: drawLunarLander }],
  ['LunarLanderContinuous-v3', { stateDim: LUNAR_LANDER_STATE_DIM, draw: drawLunarLander }],
]);

/**
 * Adds the drawing of an env registered outside tabswarm (an `--env-module` file calls this next
 * to `registerEnv`), so `tabswarm eval --render` and the worker page can draw it; `stateDim` is
 * the length of its `getState()`. Registering an ID twice throws.
 */
export function registerRenderer(id: string, stateDim: number, draw: Draw): void {
  if (drawers.has(id)) throw new Error(`a renderer for ${id} is already registered`);
  drawers.set(id, { stateDim, draw });
}

/** Env IDs `renderEnv` can draw. */
export function renderableEnvIds(): string[] {
  return [...drawers.keys()];
}

/** Clears the canvas and draws env `id` in `state` (its `getState()`), on a white background. */
export function renderEnv(id: string, state: Float64Array, ctx: Canvas2D, width: number, height: number): void {
  const entry = drawers.get(id);
  if (!entry) {
    throw new Error(`renderEnv: no renderer for "${id}" (an env module adds one with registerRenderer from shared/envs/render.ts); known: ${renderableEnvIds().join(', ')}`);
  }
  if (state.length !== entry.stateDim) {
    throw new Error(`renderEnv: ${id} state must have length ${entry.stateDim}, got ${state.length}`);
  }
  ctx.save();
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.lineCap = 'round';
  entry.draw(state, ctx, width, height);
  ctx.restore();
}
