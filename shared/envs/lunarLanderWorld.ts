/**
 * The Box2D world of LunarLander-v3 (Gymnasium's `gymnasium/envs/box2d/lunar_lander.py`), built
 * with planck, the TypeScript port of Box2D 2.3: constants, terrain, lander, legs, leg joints and
 * the contact listener. The env logic (engines, observation, reward) lives in `lunarLander.ts`.
 */

import { BoxShape, EdgeShape, PolygonShape, RevoluteJoint, World } from 'planck';
import type { Body, Contact } from 'planck';
import type { Rng } from '../rng.ts';

export const FPS = 50;
/** Pixels per metre: affects how fast-paced the game is. */
export const SCALE = 30.0;
export const MAIN_ENGINE_POWER = 13.0;
export const SIDE_ENGINE_POWER = 0.6;
/** Bound of the random force applied to the lander at reset. */
export const INITIAL_RANDOM = 1000.0;
/** Hull polygon in pixels. */
export const LANDER_POLY: readonly (readonly [number, number])[] = [
  [-14, +17], [-17, 0], [-17, -10], [+17, -10], [+17, 0], [+14, +17],
];
export const LEG_AWAY = 20;
export const LEG_DOWN = 18;
export const LEG_W = 2;
export const LEG_H = 8;
export const LEG_SPRING_TORQUE = 40;
export const SIDE_ENGINE_HEIGHT = 14;
export const SIDE_ENGINE_AWAY = 12;
/** Y location of the main engine on the lander's body, in pixels. */
export const MAIN_ENGINE_Y_LOCATION = 4;
export const VIEWPORT_W = 600;
export const VIEWPORT_H = 400;
export const CHUNKS = 11;
export const GRAVITY = -10.0;

/** World width and height in metres. */
export const W = VIEWPORT_W / SCALE;
export const H = VIEWPORT_H / SCALE;
export const HELIPAD_Y = H / 4;
/** The lander's start position (before the initial force). */
export const INITIAL_X = VIEWPORT_W / SCALE / 2;
export const INITIAL_Y = VIEWPORT_H / SCALE;

/** Ground polyline: `CHUNKS` points (chunkX[i], smoothY[i]), flat helipad in the middle. */
export interface Terrain {
  chunkX: number[];
  smoothY: number[];
  helipadX1: number;
  helipadX2: number;
  helipadY: number;
}

/** Draws `CHUNKS + 1` heights uniform in [0, H/2), flattens the helipad, smooths: 12 RNG draws. */
export function generateTerrain(rng: Rng): Terrain {
  const height: number[] = [];
  for (let i = 0; i < CHUNKS + 1; i++) height.push(rng.uniform(0, H / 2));
  const chunkX: number[] = [];
  for (let i = 0; i < CHUNKS; i++) chunkX.push((W / (CHUNKS - 1)) * i);
  const half = Math.floor(CHUNKS / 2);
  for (let k = -2; k <= 2; k++) height[half + k] = HELIPAD_Y;
  // i = 0 reads height[-1], which is Python's height[CHUNKS] (last element)
  const smoothY: number[] = [];
  for (let i = 0; i < CHUNKS; i++) {
    const prev = height[i === 0 ? CHUNKS : i - 1];
    smoothY.push(0.33 * (prev + height[i] + height[i + 1]));
  }
  return { chunkX, smoothY, helipadX1: chunkX[half - 1], helipadX2: chunkX[half + 1], helipadY: HELIPAD_Y };
}

/** Flags written by the contact listener, as Gymnasium's `ContactDetector` does. */
export interface ContactState {
  gameOver: boolean;
  legContact: [boolean, boolean];
}

export interface LanderWorld {
  world: World;
  moon: Body;
  lander: Body;
  /** Gymnasium's `legs`: [0] is i = -1 (starts on the +x side), [1] is i = +1. */
  legs: [Body, Body];
  joints: [RevoluteJoint, RevoluteJoint];
}

/**
 * A fresh world (Gymnasium builds a new `b2World` every reset): moon, lander and legs, with the
 * contact listener writing into `contacts`. Only ground collides with anything (mask bits 0x001),
 * so lander and legs never touch each other. Gymnasium's particles are omitted: it creates them
 * only when rendering, and their mask bits let them hit the ground only, so they never touch the
 * lander. The caller applies the initial force; it accumulates until the first step.
 */
export function createLanderWorld(terrain: Terrain, contacts: ContactState): LanderWorld {
  const world = new World({ gravity: { x: 0, y: GRAVITY } });

  const moon = world.createBody({ type: 'static' });
  moon.createFixture({ shape: new EdgeShape({ x: 0, y: 0 }, { x: W, y: 0 }) }); // default friction 0.2
  for (let i = 0; i < CHUNKS - 1; i++) {
    const p1 = { x: terrain.chunkX[i], y: terrain.smoothY[i] };
    const p2 = { x: terrain.chunkX[i + 1], y: terrain.smoothY[i + 1] };
    moon.createFixture({ shape: new EdgeShape(p1, p2), density: 0, friction: 0.1 });
  }

  const lander = world.createBody({ type: 'dynamic', position: { x: INITIAL_X, y: INITIAL_Y }, angle: 0.0 });
  lander.createFixture({
    shape: new PolygonShape(LANDER_POLY.map(([x, y]) => ({ x: x / SCALE, y: y / SCALE }))),
    density: 5.0,
    friction: 0.1,
    filterCategoryBits: 0x0010,
    filterMaskBits: 0x001, // collide only with ground
    restitution: 0.0,
  });

  const legs: Body[] = [];
  const joints: RevoluteJoint[] = [];
  for (const i of [-1, +1]) {
    const leg = world.createBody({
      type: 'dynamic',
      position: { x: INITIAL_X - (i * LEG_AWAY) / SCALE, y: INITIAL_Y },
      angle: i * 0.05,
    });
    leg.createFixture({
      shape: new BoxShape(LEG_W / SCALE, LEG_H / SCALE),
      density: 1.0,
      restitution: 0.0,
      filterCategoryBits: 0x0020,
      filterMaskBits: 0x001,
    });
    const joint = new RevoluteJoint({
      bodyA: lander,
      bodyB: leg,
      localAnchorA: { x: 0, y: 0 },
      localAnchorB: { x: (i * LEG_AWAY) / SCALE, y: LEG_DOWN / SCALE },
      referenceAngle: 0, // b2RevoluteJointDef's default; planck would otherwise take the current angle
      enableMotor: true,
      enableLimit: true,
      maxMotorTorque: LEG_SPRING_TORQUE,
      motorSpeed: +0.3 * i, // low enough not to jump back into the sky
      lowerAngle: i === -1 ? +0.9 - 0.5 : -0.9,
      upperAngle: i === -1 ? +0.9 : -0.9 + 0.5,
    });
    world.createJoint(joint);
    legs.push(leg);
    joints.push(joint);
  }

  const touches = (contact: Contact, body: Body): boolean =>
    contact.getFixtureA().getBody() === body || contact.getFixtureB().getBody() === body;
  world.on('begin-contact', (contact) => {
    if (touches(contact, lander)) contacts.gameOver = true;
    for (let k = 0; k < 2; k++) if (touches(contact, legs[k])) contacts.legContact[k] = true;
  });
  world.on('end-contact', (contact) => {
    for (let k = 0; k < 2; k++) if (touches(contact, legs[k])) contacts.legContact[k] = false;
  });

  return { world, moon, lander, legs: [legs[0], legs[1]], joints: [joints[0], joints[1]] };
}
