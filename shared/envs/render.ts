/**
 * Canvas drawings of the classic-control envs from their physical state (`env.getState()`),
 * laid out like Gymnasium's renderers. `Canvas2D` is the slice of `CanvasRenderingContext2D` we
 * use, so shared/ stays DOM-free and tests can pass a recording fake.
 */

import { X_THRESHOLD } from './cartpole.ts';
import { GOAL_POSITION, GOAL_POSITION_CONTINUOUS, MAX_POSITION, MIN_POSITION } from './mountainCar.ts';

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
type Draw = (s: Float64Array, ctx: Canvas2D, w: number, h: number) => void;

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

const drawers = new Map<string, { stateDim: number; draw: Draw }>([
  ['CartPole-v1', { stateDim: 4, draw: drawCartPole }],
  ['Acrobot-v1', { stateDim: 4, draw: drawAcrobot }],
  ['MountainCar-v0', { stateDim: 2, draw: drawMountainCar(GOAL_POSITION) }],
  ['MountainCarContinuous-v0', { stateDim: 2, draw: drawMountainCar(GOAL_POSITION_CONTINUOUS) }],
  ['Pendulum-v1', { stateDim: 2, draw: drawPendulum }],
]);

/** Env IDs `renderEnv` can draw. */
export function renderableEnvIds(): string[] {
  return [...drawers.keys()];
}

/** Clears the canvas and draws env `id` in `state` (its `getState()`), on a white background. */
export function renderEnv(id: string, state: Float64Array, ctx: Canvas2D, width: number, height: number): void {
  const entry = drawers.get(id);
  if (!entry) throw new Error(`renderEnv: no renderer for "${id}"; known: ${renderableEnvIds().join(', ')}`);
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
