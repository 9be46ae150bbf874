import { describe, it, expect } from 'vitest';
import { envIds, makeEnv } from './registry.ts';
import { registerRenderer, renderEnv, renderableEnvIds, type Canvas2D } from './render.ts';

// A real browser context must satisfy the interface (type-level check only).
const asCanvas2D = (ctx: CanvasRenderingContext2D): Canvas2D => ctx;
void asCanvas2D;

type Pt = [number, number];
interface Path {
  points: Pt[];
  arcs: { c: Pt; r: number }[];
  painted: 'stroke' | 'fill';
  style: string;
}

/** Records calls and groups beginPath ... stroke/fill into paths. */
class RecordingCtx implements Canvas2D {
  fillStyle: string | object = '#000';
  strokeStyle: string | object = '#000';
  lineWidth = 1;
  lineCap = 'butt';
  calls: string[] = [];
  rects: { x: number; y: number; w: number; h: number; style: string }[] = [];
  paths: Path[] = [];
  private current: Omit<Path, 'painted' | 'style'> = { points: [], arcs: [] };
  private depth = 0;
  maxDepth = 0;
  save(): void {
    this.calls.push('save');
    this.depth++;
    this.maxDepth = Math.max(this.maxDepth, this.depth);
  }
  restore(): void {
    this.calls.push('restore');
    this.depth--;
  }
  get balanced(): boolean {
    return this.depth === 0;
  }
  clearRect(x: number, y: number, w: number, h: number): void {
    this.calls.push(`clearRect ${x} ${y} ${w} ${h}`);
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    this.rects.push({ x, y, w, h, style: String(this.fillStyle) });
  }
  beginPath(): void {
    this.current = { points: [], arcs: [] };
  }
  closePath(): void {}
  moveTo(x: number, y: number): void {
    this.current.points.push([x, y]);
  }
  lineTo(x: number, y: number): void {
    this.current.points.push([x, y]);
  }
  arc(x: number, y: number, r: number): void {
    this.current.arcs.push({ c: [x, y], r });
  }
  stroke(): void {
    this.paths.push({ ...this.current, painted: 'stroke', style: String(this.strokeStyle) });
  }
  fill(): void {
    this.paths.push({ ...this.current, painted: 'fill', style: String(this.fillStyle) });
  }
  /** Stroked two-point segments. */
  segments(): [Pt, Pt][] {
    return this.paths
      .filter((p) => p.painted === 'stroke' && p.points.length === 2)
      .map((p) => [p.points[0], p.points[1]]);
  }
}

const near = (a: Pt, b: Pt, tol = 1e-9): boolean => Math.abs(a[0] - b[0]) < tol && Math.abs(a[1] - b[1]) < tol;

function render(id: string, state: number[], w = 600, h = 400): RecordingCtx {
  const ctx = new RecordingCtx();
  renderEnv(id, Float64Array.from(state), ctx, w, h);
  expect(ctx.balanced).toBe(true);
  expect(ctx.calls[0]).toBe('save');
  expect(ctx.calls[1]).toBe(`clearRect 0 0 ${w} ${h}`);
  const coords = ctx.paths.flatMap((p) => [...p.points, ...p.arcs.map((a) => a.c)]).flat();
  expect(coords.every(Number.isFinite)).toBe(true);
  return ctx;
}

describe('renderEnv', () => {
  it('draws every registered classic-control env and rejects unknown IDs and bad states', () => {
    for (const id of ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1']) {
      expect(renderableEnvIds()).toContain(id);
      expect(envIds()).toContain(id);
    }
    const ctx = new RecordingCtx();
    expect(() => renderEnv('Nope-v0', new Float64Array(4), ctx, 10, 10)).toThrow(/no renderer for "Nope-v0" \(an env module adds one with registerRenderer/);
    expect(() => renderEnv('toString', new Float64Array(4), ctx, 10, 10)).toThrow(/no renderer/);
    expect(() => renderEnv('Pendulum-v1', new Float64Array(4), ctx, 10, 10)).toThrow(/length 2/);
    expect(ctx.calls).toEqual([]);
  });

  it('draws an env registered from outside with registerRenderer, on the cleared white canvas; an ID registered twice throws', () => {
    registerRenderer('Dot-v0', 1, (s, ctx) => {
      ctx.fillStyle = '#f00';
      ctx.fillRect(s[0], 2, 1, 1);
    });
    expect(renderableEnvIds()).toContain('Dot-v0');
    const ctx = render('Dot-v0', [5], 10, 10);
    expect(ctx.rects).toEqual([{ x: 0, y: 0, w: 10, h: 10, style: '#fff' }, { x: 5, y: 2, w: 1, h: 1, style: '#f00' }]);
    expect(() => renderEnv('Dot-v0', new Float64Array(2), ctx, 10, 10)).toThrow(/length 1/);
    expect(() => registerRenderer('Dot-v0', 1, () => {})).toThrow(/a renderer for Dot-v0 is already registered/);
    expect(() => registerRenderer('CartPole-v1', 4, () => {})).toThrow(/already registered/);
  });

  it('LunarLander: the hull polygon is placed and turned by the lander\'s state, legs drawn too', () => {
    const env = makeEnv('LunarLander-v3', 3);
    env.reset(3);
    for (let i = 0; i < 30; i++) env.step(2);
    const state = Array.from(env.getState());
    const [x, y, a] = state;
    const ctx = render('LunarLander-v3', state, 600, 400);
    // Box2D metres: 20 x 13.33 world in a 600 x 400 canvas is 30 px per metre, y up.
    const vertex = (lx: number, ly: number): Pt => {
      const [ux, uy] = [lx / 30, ly / 30];
      return [30 * (x + ux * Math.cos(a) - uy * Math.sin(a)), 400 - 30 * (y + ux * Math.sin(a) + uy * Math.cos(a))];
    };
    const hull = ctx.paths.find((p) => p.painted === 'fill' && p.points.length === 6);
    expect(hull).toBeDefined();
    expect(near(hull!.points[0], vertex(-14, 17), 1e-6)).toBe(true);
    expect(near(hull!.points[3], vertex(17, -10), 1e-6)).toBe(true);
    expect(ctx.paths.filter((p) => p.painted === 'fill' && p.points.length === 4)).toHaveLength(2);
    expect(renderableEnvIds()).toContain('LunarLanderContinuous-v3');
  });

  it('CartPole: the cart sits at x and the pole ends 1 m from the pivot along theta', () => {
    for (const [x, theta] of [[0, 0], [1.3, 0.2], [-2, -0.19]]) {
      const w = 600;
      const scale = w / 4.8;
      const ctx = render('CartPole-v1', [x, 0.5, theta, -1], w, 400);
      const cartX = w / 2 + x * scale;
      const cart = ctx.rects.find((r) => r.style === '#000');
      expect(cart).toBeDefined();
      expect(cart!.x + cart!.w / 2).toBeCloseTo(cartX, 9);
      const pole = ctx.segments().find(([a, b]) =>
        near([b[0] - a[0], b[1] - a[1]], [scale * Math.sin(theta), -scale * Math.cos(theta)]),
      );
      expect(pole).toBeDefined();
      expect(pole![0][0]).toBeCloseTo(cartX, 9);
      expect(pole![0][1]).toBeGreaterThan(cart!.y); // pivot on the cart, below its top
      expect(pole![0][1]).toBeLessThan(cart!.y + cart!.h);
    }
  });

  it('Acrobot: two links of 1 m from the centre, angles from hanging down', () => {
    const [t1, t2] = [0.7, -1.9];
    const w = 500;
    const h = 500;
    const scale = 500 / 4.4;
    const ctx = render('Acrobot-v1', [t1, t2, 3, -4], w, h);
    const p0: Pt = [w / 2, h / 2];
    const p1: Pt = [p0[0] + scale * Math.sin(t1), p0[1] + scale * Math.cos(t1)];
    const p2: Pt = [p1[0] + scale * Math.sin(t1 + t2), p1[1] + scale * Math.cos(t1 + t2)];
    const segs = ctx.segments();
    expect(segs.some(([a, b]) => near(a, p0) && near(b, p1))).toBe(true);
    expect(segs.some(([a, b]) => near(a, p1) && near(b, p2))).toBe(true);
    // the target line is 1 m above the pivot
    expect(segs.some(([a, b]) => near([a[1], b[1]], [p0[1] - scale, p0[1] - scale]))).toBe(true);
  });

  it('MountainCar: the hill follows sin(3x) * 0.45 + 0.55, the car sits on it, the flag marks the goal', () => {
    const w = 600;
    const h = 400;
    const sx = w / 1.8;
    const sy = h / 1.1;
    const hill = (x: number): number => Math.sin(3 * x) * 0.45 + 0.55;
    for (const [id, goal] of [['MountainCar-v0', 0.5], ['MountainCarContinuous-v0', 0.45]] as const) {
      const pos = -0.9;
      const ctx = render(id, [pos, 0.01], w, h);
      const curve = ctx.paths.find((p) => p.points.length > 50)!;
      for (const [px, py] of curve.points) {
        const x = px / sx - 1.2;
        expect(py).toBeCloseTo(h - hill(x) * sy, 9);
      }
      const pole = ctx.segments().find(([a, b]) => a[0] === b[0] && b[1] < a[1]);
      expect(pole![0][0]).toBeCloseTo((goal + 1.2) * sx, 9);
      expect(pole![0][1]).toBeCloseTo(h - hill(goal) * sy, 9);
      const wheels = ctx.paths.filter((p) => p.painted === 'fill' && p.arcs.length === 1 && p.style === '#808080');
      expect(wheels.length).toBe(2);
      const ground: Pt = [(pos + 1.2) * sx, h - hill(pos) * sy];
      for (const wheel of wheels) {
        const d = Math.hypot(wheel.arcs[0].c[0] - ground[0], wheel.arcs[0].c[1] - ground[1]);
        expect(d).toBeLessThan(0.1 * sx);
      }
    }
  });

  it('Pendulum: a 1 m rod from the centre, upright at theta 0, turning left for theta > 0', () => {
    const w = 440;
    const h = 600;
    const scale = 440 / 4.4;
    for (const th of [0, 0.5, -2.5, 7]) {
      const ctx = render('Pendulum-v1', [th, 1], w, h);
      const tip: Pt = [w / 2 - scale * Math.sin(th), h / 2 - scale * Math.cos(th)];
      expect(ctx.segments().some(([a, b]) => near(a, [w / 2, h / 2]) && near(b, tip))).toBe(true);
    }
    const left = render('Pendulum-v1', [0.5, 0], w, h).segments()[0];
    expect(left[1][0]).toBeLessThan(w / 2);
    expect(left[1][1]).toBeLessThan(h / 2);
  });
});
