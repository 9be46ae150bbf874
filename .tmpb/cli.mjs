var __defProp = Object.defineProperty;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// shared/metrics.ts
var M, PPO_STATS, REPORTED_STATS, rejectedMetric, workerMetric;
var init_metrics = __esm({
  "shared/metrics.ts"() {
    "use strict";
    M = {
      episodicReturn: "charts/episodicReturn",
      meanReturn: "charts/meanReturn100",
      episodicLength: "charts/episodicLength",
      sps: "charts/sps",
      learningRate: "charts/learningRate",
      policyLoss: "losses/policyLoss",
      valueLoss: "losses/valueLoss",
      entropy: "losses/entropy",
      approxKl: "losses/approxKl",
      clipfrac: "losses/clipfrac",
      explainedVariance: "losses/explainedVariance",
      /** L2 norm of the accepted updates (mean over a tick), before the global clip. */
      gradNorm: "losses/gradNorm",
      accepted: "coordinator/accepted",
      rejected: "coordinator/rejected",
      staleness: "coordinator/meanStaleness",
      version: "coordinator/version",
      workers: "coordinator/workers",
      maxStaleness: "coordinator/maxStaleness",
      /** The staleness bound S in force (an admin may change it during the run). */
      stalenessBound: "coordinator/stalenessBound",
      /** 1 while an admin has training paused, else 0. */
      paused: "coordinator/paused"
    };
    PPO_STATS = [M.policyLoss, M.valueLoss, M.entropy, M.approxKl, M.clipfrac];
    REPORTED_STATS = [...PPO_STATS, M.explainedVariance];
    rejectedMetric = (reason) => `${M.rejected}/${reason}`;
    workerMetric = (workerIndex, what) => `workers/${workerIndex}/${what}`;
  }
});

// shared/protocol.ts
import { z } from "zod";
function isBinary(x) {
  return x instanceof ArrayBuffer || x instanceof Uint8Array;
}
function describeIssue(err) {
  const i = err.issues[0];
  return i ? `${i.path.join(".") || "message"}: ${i.message}` : "invalid message";
}
function stageShares(s) {
  const total = s.collect + s.gradient + s.push + s.setParams;
  const pct = (x) => `${total > 0 ? Math.round(100 * x / total) : 0}%`;
  return `rollouts ${pct(s.collect)}, gradients ${pct(s.gradient)}, pushes ${pct(s.push)}, param uploads ${pct(s.setParams)}`;
}
var BACKENDS, REJECT_REASONS, binary, backend, version, seconds, bounded, ms, backendTimingSchema, joinSchema, pushSchema, stageSecondsSchema, rolloutSchema, noStageSeconds, spotCheckRequestSchema, SPOT_CHECK_MAX_ACTION_BYTES, spotCheckReplySchema, runIsOver, WORKER_NAMESPACE, DASHBOARD_NAMESPACE;
var init_protocol = __esm({
  "shared/protocol.ts"() {
    "use strict";
    init_metrics();
    BACKENDS = ["webgpu", "webgl", "wasm", "cpu"];
    REJECT_REASONS = [
      "stale",
      "policyLag",
      "malformed",
      "wrongSize",
      "nonFinite",
      "normTooLarge",
      "rateLimited",
      "notJoined",
      "dropped",
      "finished",
      "paused",
      "badTicket",
      "replayed",
      "overQuota",
      "overShare",
      "outlier",
      "failedCheck",
      "quarantined"
    ];
    binary = (what) => z.custom(isBinary, { message: `${what} must be binary (ArrayBuffer)` });
    backend = z.enum(BACKENDS);
    version = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
    seconds = z.number().nonnegative().finite().max(1e9);
    bounded = z.number().finite().min(-1e12).max(1e12);
    ms = z.number().nonnegative().finite().nullable();
    backendTimingSchema = z.object({
      backend,
      /** Median ms of one PPO gradient step on a minibatch, readback included; null if the backend failed. */
      gradMs: ms,
      /** Median ms of one batched inference over the tab's envs, readback included; null if it failed. */
      actMs: ms,
      /** Estimated ms of one rollout-and-update cycle from the two (what the choice minimizes). */
      cycleMs: ms,
      error: z.string().max(1e3).optional()
    });
    joinSchema = z.object({
      /** Optional access token (the coordinator may require one). */
      token: z.string().max(256).optional(),
      backend,
      /** GPU adapter or renderer description, e.g. "SwiftShader"; empty when unknown. */
      adapter: z.string().max(256),
      /** The measurements the backend was chosen from. */
      timings: z.array(backendTimingSchema).max(BACKENDS.length),
      userAgent: z.string().max(512),
      /** Resume a worker the coordinator dropped (or whose connection broke), with the token its join gave. */
      resume: z.object({ workerId: z.string().max(64), resumeToken: z.string().max(64) }).optional()
    });
    pushSchema = z.object({
      /** Version of the params the update was computed at (v'). */
      version,
      /** The ticket that came with those params (a join's or a push reply's); the coordinator checks the two agree. */
      ticket: version,
      /** Version of the params the rollout was collected with (v). */
      rolloutVersion: version,
      /**
       * The update, flat in the parameter layout's order, encoded by the run's updateCodec: a gradient
       * of the PPO loss, or in local mode the tab's params after its epochs minus before (a delta).
       */
      grad: binary("grad"),
      /** Local mode: the report of the rollout the delta was trained on (it needs no round trip of its own). */
      report: z.lazy(() => rolloutSchema).optional()
    });
    stageSecondsSchema = z.object({ collect: seconds, gradient: seconds, push: seconds, setParams: seconds });
    rolloutSchema = z.object({
      rolloutVersion: version,
      /**
       * The tab's number for this report, for the coordinator to name it in a spot check (`spotCheck`).
       * A report without one cannot be spot-checked, and fails the check when it is sampled.
       */
      seq: version.optional(),
      envSteps: z.number().int().positive().max(1e7),
      episodeReturns: z.array(bounded).max(1e6),
      episodeLengths: z.array(z.number().int().positive().max(1e9)).max(1e6),
      /**
       * Means over the rollout's minibatches of the previous rollout's update, keyed by REPORTED_STATS
       * (shared/metrics.ts); any other key is refused.
       */
      losses: z.partialRecord(z.enum(REPORTED_STATS), bounded),
      /** Env steps per second of this tab's last rollout, inference included. */
      rolloutSps: z.number().nonnegative().finite().max(1e12),
      /** Wall seconds this tab has spent in each stage since it joined. */
      stageSeconds: stageSecondsSchema,
      /** This rollout's own observation and return statistics (deltas to merge). */
      norm: z.object({ obs: binary("norm.obs").optional(), ret: binary("norm.ret").optional() })
    }).refine((r) => r.episodeReturns.length === r.episodeLengths.length, "episodeReturns and episodeLengths differ in length").refine((r) => r.episodeReturns.length <= r.envSteps, "more episodes than env steps");
    noStageSeconds = () => ({ collect: 0, gradient: 0, push: 0, setParams: 0 });
    spotCheckRequestSchema = z.object({ seq: version, episode: z.number().int().nonnegative().max(1e6) });
    SPOT_CHECK_MAX_ACTION_BYTES = 16e6;
    spotCheckReplySchema = z.discriminatedUnion("ok", [
      z.object({
        ok: z.literal(true),
        seed: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
        actions: binary("actions").refine((b) => b.byteLength <= SPOT_CHECK_MAX_ACTION_BYTES, `actions must be at most ${SPOT_CHECK_MAX_ACTION_BYTES} bytes`)
      }),
      z.object({ ok: z.literal(false), error: z.string().max(1e3) })
    ]);
    runIsOver = (state) => state === "solved" || state === "budgetExhausted" || state === "stopped";
    WORKER_NAMESPACE = "/worker";
    DASHBOARD_NAMESPACE = "/dashboard";
  }
});

// shared/codec.ts
function encodeF64(x) {
  return exactBytes(x);
}
function exactBytes(x) {
  const buf = x.buffer;
  if (buf instanceof ArrayBuffer && x.byteOffset === 0 && x.byteLength === buf.byteLength) return buf;
  return x.slice().buffer;
}
function decodeF32(bin, expectedLength) {
  return decodeFloats(bin, expectedLength, Float32Array);
}
function decodeF64(bin, expectedLength) {
  return decodeFloats(bin, expectedLength, Float64Array);
}
function decodeFloats(bin, expectedLength, Kind) {
  let buffer;
  let byteOffset;
  let byteLength;
  if (bin instanceof ArrayBuffer) {
    buffer = bin;
    byteOffset = 0;
    byteLength = bin.byteLength;
  } else if (ArrayBuffer.isView(bin)) {
    buffer = bin.buffer;
    byteOffset = bin.byteOffset;
    byteLength = bin.byteLength;
  } else {
    throw new CodecError("notBinary", `expected binary data (ArrayBuffer or Uint8Array), got ${describe(bin)}`);
  }
  const size = Kind.BYTES_PER_ELEMENT;
  const kind = `float${size * 8}`;
  if (byteLength % size !== 0) {
    throw new CodecError("badByteLength", `byte length ${byteLength} is not a multiple of ${size} (${kind})`);
  }
  const n = byteLength / size;
  if (n !== expectedLength) {
    throw new CodecError("wrongLength", `wrong element count: expected ${expectedLength} ${kind} values, got ${n}`);
  }
  if (byteOffset % size === 0) return new Kind(buffer, byteOffset, n);
  const copy = new Uint8Array(byteLength);
  copy.set(new Uint8Array(buffer, byteOffset, byteLength));
  return new Kind(copy.buffer);
}
function firstNonFinite(x) {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) return i;
  }
  return -1;
}
function l2Norm(x) {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = x.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2];
    s3 += x[i + 3] * x[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * x[i];
  return Math.sqrt(s0 + s1 + (s2 + s3));
}
function describe(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return `an object (${Object.prototype.toString.call(v)})`;
  return typeof v;
}
var CodecError;
var init_codec = __esm({
  "shared/codec.ts"() {
    "use strict";
    CodecError = class extends Error {
      constructor(code, message) {
        super(message);
        this.code = code;
      }
      code;
      name = "CodecError";
    };
  }
});

// shared/updateCodec.ts
function f16BitsToF32(h) {
  const sign = (h & 32768) << 16;
  const exp = h >>> 10 & 31;
  const mant = h & 1023;
  if (exp === 0) {
    const v = mant * 5960464477539063e-23;
    return sign !== 0 ? -v : v;
  }
  u32[0] = sign | (exp === 31 ? 2139095040 : exp + 112 << 23) | mant << 13;
  return f32[0];
}
function decodeUpdateInto(codec, bin, out) {
  const bytes = asBytes(bin);
  const n = out.length;
  const got = elementCount(codec, bytes.byteLength);
  if (got !== n) {
    throw new CodecError("wrongLength", `wrong element count: expected ${n} ${codec} values, got ${got}`);
  }
  if (codec === "fp32") {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  } else if (codec === "fp16") {
    if (bytes.byteOffset % 2 === 0) {
      const h = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(h[i]);
    } else {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(dv.getUint16(2 * i, true));
    }
  } else {
    decodeInt8(bytes, out);
  }
  return out;
}
function decodeInt8(bytes, out) {
  const n = out.length;
  const nb = Math.ceil(n / INT8_BLOCK);
  const q = new Int8Array(bytes.buffer, bytes.byteOffset + 4 * nb, n);
  const aligned = bytes.byteOffset % 4 === 0;
  const scales = aligned ? new Float32Array(bytes.buffer, bytes.byteOffset, nb) : null;
  const dv = aligned ? null : new DataView(bytes.buffer, bytes.byteOffset, 4 * nb);
  for (let b = 0; b < nb; b++) {
    const scale = scales !== null ? scales[b] : dv.getFloat32(4 * b, true);
    const end = Math.min((b + 1) * INT8_BLOCK, n);
    for (let i = b * INT8_BLOCK; i < end; i++) out[i] = q[i] * scale;
  }
}
function elementCount(codec, byteLength) {
  if (codec === "int8") {
    const nb = Math.ceil(byteLength / (INT8_BLOCK + 4));
    const n = byteLength - 4 * nb;
    if (n >= 0 && Math.ceil(n / INT8_BLOCK) === nb) return n;
    throw new CodecError("badByteLength", `byte length ${byteLength} is not a valid int8 update size (n + 4*ceil(n/${INT8_BLOCK}))`);
  }
  const size = codec === "fp32" ? 4 : 2;
  if (byteLength % size !== 0) {
    throw new CodecError("badByteLength", `byte length ${byteLength} is not a multiple of ${size} (${codec})`);
  }
  return byteLength / size;
}
function asBytes(bin) {
  if (bin instanceof ArrayBuffer) return new Uint8Array(bin);
  if (ArrayBuffer.isView(bin)) return new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  const what = bin === null ? "null" : Array.isArray(bin) ? "an array" : typeof bin;
  throw new CodecError("notBinary", `expected binary data (ArrayBuffer or typed array view), got ${what}`);
}
var UPDATE_CODECS, INT8_BLOCK, f32, u32;
var init_updateCodec = __esm({
  "shared/updateCodec.ts"() {
    "use strict";
    init_codec();
    UPDATE_CODECS = ["fp32", "fp16", "int8"];
    INT8_BLOCK = 256;
    f32 = new Float32Array(1);
    u32 = new Uint32Array(f32.buffer);
  }
});

// shared/envDefaults.ts
var envDefaults;
var init_envDefaults = __esm({
  "shared/envDefaults.ts"() {
    "use strict";
    envDefaults = {
      "CartPole-v1": {
        // Zoo: n_envs 8, n_steps 32, batch 256, lr lin_0.001, clip lin_0.2, 1e5 steps. The budget is
        // larger here (the learning rate and the clip anneal over it). Local mode with 16 envs per tab
        // (two minibatches of the zoo's 256): one round trip per 512 env steps, so a tab 100 ms away
        // keeps most of its speed (docs/WAN.md). 10 epochs at twice the zoo's learning rate rather than
        // the zoo's 20: about the same env steps to solve (median 100k over 10 seeds) for half the
        // tabs' compute, 0.48x the training time on 2 tabs here (docs/perf/startup.md).
        numEnvs: 16,
        numSteps: 32,
        numMinibatches: 2,
        updateEpochs: 10,
        gamma: 0.98,
        gaeLambda: 0.8,
        entCoef: 0,
        learningRate: 2e-3,
        annealLr: true,
        annealClip: true,
        totalTimesteps: 5e5,
        updateMode: "local"
      },
      "Acrobot-v1": {
        // Zoo settings, in local mode: 2 tabs solved in 8.6 s median on loopback and 8.9 s 100 ms away,
        // where the per-minibatch protocol took 12.6 s on loopback and did not solve at 100 ms (docs/WAN.md).
        numEnvs: 16,
        numSteps: 256,
        numMinibatches: 64,
        updateEpochs: 4,
        gamma: 0.99,
        gaeLambda: 0.94,
        entCoef: 0,
        normObs: true,
        normReward: true,
        totalTimesteps: 1e6,
        updateMode: "local"
      },
      "MountainCar-v0": {
        numEnvs: 16,
        numSteps: 16,
        numMinibatches: 4,
        updateEpochs: 4,
        gamma: 0.99,
        gaeLambda: 0.98,
        entCoef: 0,
        normObs: true,
        normReward: true,
        totalTimesteps: 1e6
      },
      "MountainCarContinuous-v0": {
        // Beyond the zoo: maxPolicyLag 10. With 8-step rollouts and 10 epochs, a second tab's updates
        // drag the policy far from each rollout's; with the bound, 2 of 4 runs on 2 tabs ended above 90
        // in final eval, against 0 of 2 without (docs/LEARNING.md).
        // And 60k env steps, not 20k: a policy that stops reaching the goal early has time to find it
        // again, and enough episodes fit for the 100-episode training mean (docs/LEARNING-MountainCarContinuous.md).
        maxPolicyLag: 10,
        numEnvs: 1,
        numSteps: 8,
        numMinibatches: 1,
        updateEpochs: 10,
        gamma: 0.9999,
        gaeLambda: 0.9,
        learningRate: 777e-7,
        entCoef: 429e-5,
        clipCoef: 0.1,
        maxGradNorm: 5,
        vfCoef: 0.19,
        logStdInit: -3.29,
        gsde: true,
        sdeSampleFreq: 0,
        orthoInit: false,
        normObs: true,
        normReward: true,
        totalTimesteps: 6e4
      },
      "Pendulum-v1": {
        numEnvs: 4,
        numSteps: 1024,
        numMinibatches: 64,
        updateEpochs: 10,
        gamma: 0.9,
        gaeLambda: 0.95,
        learningRate: 1e-3,
        clipCoef: 0.2,
        entCoef: 0,
        gsde: true,
        sdeSampleFreq: 4,
        totalTimesteps: 1e5,
        solveThreshold: -200
      },
      "LunarLander-v3": {
        // Zoo: n_envs 16, n_steps 1024, batch 64, 4 epochs, 1e6 steps. Local mode instead: 256 steps a
        // rollout in 64 minibatches of 64, 8 epochs with the tab's own Adam, deltas stepped at outerLr 2
        // (averaged over the tabs, then doubled) and one on the wire at a time. 4 tabs 100 ms away
        // ended at final evaluations of 238, 227 and 206, 2 tabs on loopback solved at 426k env steps,
        // where the zoo's settings need 1,024 round trips a rollout (docs/WAN.md).
        numEnvs: 16,
        numSteps: 256,
        numMinibatches: 64,
        updateEpochs: 8,
        gamma: 0.999,
        gaeLambda: 0.98,
        entCoef: 0.01,
        totalTimesteps: 1e6,
        updateMode: "local",
        outerLr: 2,
        maxPushesInFlight: 1
      },
      "LunarLanderContinuous-v3": {
        numEnvs: 16,
        numSteps: 1024,
        numMinibatches: 256,
        updateEpochs: 4,
        gamma: 0.999,
        gaeLambda: 0.98,
        entCoef: 0.01,
        totalTimesteps: 1e6
      }
    };
  }
});

// shared/rng.ts
var TWO_POW_32, TWO_POW_53, Rng;
var init_rng = __esm({
  "shared/rng.ts"() {
    "use strict";
    TWO_POW_32 = 4294967296;
    TWO_POW_53 = 9007199254740992;
    Rng = class {
      a = 0;
      b = 0;
      c = 0;
      d = 0;
      /** `seed` must be a safe integer (negative allowed); all 53 bits take part in seeding. */
      constructor(seed) {
        if (!Number.isSafeInteger(seed)) {
          throw new Error(`Rng seed must be a safe integer, got ${String(seed)}`);
        }
        const lo = seed >>> 0;
        const hi = Math.floor(seed / TWO_POW_32) >>> 0;
        let s = lo;
        const splitmix32 = () => {
          s = s + 2654435769 | 0;
          let z7 = s;
          z7 = Math.imul(z7 ^ z7 >>> 16, 2246822507);
          z7 = Math.imul(z7 ^ z7 >>> 13, 3266489909);
          return (z7 ^ z7 >>> 16) >>> 0;
        };
        this.a = splitmix32();
        this.b = splitmix32();
        s ^= hi;
        this.c = splitmix32();
        this.d = splitmix32();
        for (let i = 0; i < 12; i++) this.nextUint32();
      }
      /** Uniform unsigned 32-bit integer. */
      nextUint32() {
        const t = (this.a + this.b | 0) + this.d | 0;
        this.d = this.d + 1 | 0;
        this.a = this.b ^ this.b >>> 9;
        this.b = this.c + (this.c << 3) | 0;
        this.c = this.c << 21 | this.c >>> 11;
        this.c = this.c + t | 0;
        return t >>> 0;
      }
      /** Uniform float in [0, 1) with 53 random bits. */
      next() {
        const hi = this.nextUint32() >>> 11;
        const lo = this.nextUint32();
        return (hi * TWO_POW_32 + lo) / TWO_POW_53;
      }
      /** Uniform float in [lo, hi), computed as numpy does: lo + (hi - lo) * u. */
      uniform(lo, hi) {
        return lo + (hi - lo) * this.next();
      }
      /** Uniform integer in [0, n); `n` must be a positive safe integer. */
      int(n) {
        if (!Number.isSafeInteger(n) || n <= 0) {
          throw new Error(`Rng.int needs a positive integer n, got ${String(n)}`);
        }
        return Math.floor(this.next() * n);
      }
      /** Standard normal sample (Box-Muller; one of the pair is discarded to keep no hidden state). */
      normal() {
        const u1 = 1 - this.next();
        const u2 = this.next();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      }
    };
  }
});

// shared/envs/acrobot.ts
function wrap(x, lo, hi) {
  if (!(Math.abs(x) <= 1e6)) throw new RangeError(`Acrobot-v1: cannot wrap angle ${x}`);
  const diff = hi - lo;
  while (x > hi) x = x - diff;
  while (x < lo) x = x + diff;
  return x;
}
function bound(x, lo, hi) {
  return Math.min(Math.max(x, lo), hi);
}
function dsdt(s) {
  const m1 = linkMass1;
  const m2 = linkMass2;
  const l1 = linkLength1;
  const lc1 = linkComPos1;
  const lc2 = linkComPos2;
  const i1 = linkMoi;
  const i2 = linkMoi;
  const a = s[4];
  const theta1 = s[0];
  const theta2 = s[1];
  const dtheta1 = s[2];
  const dtheta2 = s[3];
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + i1 + i2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + i2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2);
  const phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * Math.sin(theta2) - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) + (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) + phi2;
  const ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + i2 - d2 * d2 / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0];
}
function rk4Step(y0, dt) {
  const dt2 = dt / 2;
  const k1 = dsdt(y0);
  const k2 = dsdt(y0.map((y, i) => y + dt2 * k1[i]));
  const k3 = dsdt(y0.map((y, i) => y + dt2 * k2[i]));
  const k4 = dsdt(y0.map((y, i) => y + dt * k3[i]));
  const h = dt / 6;
  return y0.slice(0, 4).map((y, i) => y + h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
}
var ACROBOT_V1, DT, linkLength1, linkMass1, linkMass2, linkComPos1, linkComPos2, linkMoi, g, MAX_VEL_1, MAX_VEL_2, AVAIL_TORQUE, Acrobot;
var init_acrobot = __esm({
  "shared/envs/acrobot.ts"() {
    "use strict";
    init_rng();
    ACROBOT_V1 = {
      id: "Acrobot-v1",
      obsDim: 6,
      actionSpace: { type: "discrete", n: 3 },
      maxEpisodeSteps: 500,
      rewardThreshold: -100,
      // -1 per step, 0 on the step that reaches the goal.
      rewardRange: [-1, 0]
    };
    DT = 0.2;
    linkLength1 = 1;
    linkMass1 = 1;
    linkMass2 = 1;
    linkComPos1 = 0.5;
    linkComPos2 = 0.5;
    linkMoi = 1;
    g = 9.8;
    MAX_VEL_1 = 4 * Math.PI;
    MAX_VEL_2 = 9 * Math.PI;
    AVAIL_TORQUE = [-1, 0, 1];
    Acrobot = class {
      spec = ACROBOT_V1;
      /** [theta1, theta2, dtheta1, dtheta2]; theta1 = 0 hangs down, theta2 is relative to link 1. */
      state = new Float64Array(4);
      rng;
      hasState = false;
      constructor(seed = 0) {
        this.rng = new Rng(seed);
      }
      /** Each component uniform in [-0.1, 0.1), rounded to float32 as Gymnasium's `.astype(np.float32)`. */
      reset(seed) {
        if (seed !== void 0) this.rng = new Rng(seed);
        for (let i = 0; i < 4; i++) this.state[i] = Math.fround(this.rng.uniform(-0.1, 0.1));
        this.hasState = true;
        return this.obs();
      }
      /** Action 0, 1, 2 applies torque -1, 0, +1 at the joint between the links. */
      step(action) {
        if (action !== 0 && action !== 1 && action !== 2) {
          throw new Error(`Acrobot-v1: invalid action ${String(action)}; expected 0, 1 or 2`);
        }
        if (!this.hasState) throw new Error("Acrobot-v1: call reset() (or setState) before step()");
        const ns = rk4Step([...this.state, AVAIL_TORQUE[action]], DT);
        this.state[0] = wrap(ns[0], -Math.PI, Math.PI);
        this.state[1] = wrap(ns[1], -Math.PI, Math.PI);
        this.state[2] = bound(ns[2], -MAX_VEL_1, MAX_VEL_1);
        this.state[3] = bound(ns[3], -MAX_VEL_2, MAX_VEL_2);
        const s = this.state;
        const terminated = -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1;
        return { obs: this.obs(), reward: terminated ? 0 : -1, terminated, truncated: false };
      }
      /** [cos theta1, sin theta1, cos theta2, sin theta2, dtheta1, dtheta2] as float32. */
      obs() {
        const s = this.state;
        return Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]);
      }
      /** A copy of [theta1, theta2, dtheta1, dtheta2]. */
      getState() {
        return Float64Array.from(this.state);
      }
      /** Replaces the physical state (4 finite numbers); `TimeLimit`'s step count is left alone. */
      setState(state) {
        if (state.length !== 4) throw new Error(`Acrobot-v1: state must have length 4, got ${state.length}`);
        for (let i = 0; i < 4; i++) {
          if (typeof state[i] !== "number" || !Number.isFinite(state[i])) {
            throw new Error(`Acrobot-v1: state[${i}] must be a finite number, got ${String(state[i])}`);
          }
        }
        for (let i = 0; i < 4; i++) this.state[i] = state[i];
        this.hasState = true;
      }
    };
  }
});

// shared/envs/cartpole.ts
var CARTPOLE_V1, gravity, massCart, massPole, totalMass, length, poleMassLength, forceMag, tau, THETA_THRESHOLD_RADIANS, X_THRESHOLD, CartPole;
var init_cartpole = __esm({
  "shared/envs/cartpole.ts"() {
    "use strict";
    init_rng();
    CARTPOLE_V1 = {
      id: "CartPole-v1",
      obsDim: 4,
      actionSpace: { type: "discrete", n: 2 },
      maxEpisodeSteps: 500,
      rewardThreshold: 475,
      // +1 for every step, the one where the pole falls included.
      rewardRange: [1, 1]
    };
    gravity = 9.8;
    massCart = 1;
    massPole = 0.1;
    totalMass = massPole + massCart;
    length = 0.5;
    poleMassLength = massPole * length;
    forceMag = 10;
    tau = 0.02;
    THETA_THRESHOLD_RADIANS = 12 * 2 * Math.PI / 360;
    X_THRESHOLD = 2.4;
    CartPole = class {
      spec = CARTPOLE_V1;
      /** [x, xDot, theta, thetaDot] */
      state = new Float64Array(4);
      rng;
      hasState = false;
      /** Gymnasium's `steps_beyond_terminated`: null until the pole falls. */
      stepsBeyondTerminated = null;
      constructor(seed = 0) {
        this.rng = new Rng(seed);
      }
      /** Draws each state component uniform in [-0.05, 0.05); a seed reseeds the env's RNG first. */
      reset(seed) {
        if (seed !== void 0) this.rng = new Rng(seed);
        for (let i = 0; i < 4; i++) this.state[i] = this.rng.uniform(-0.05, 0.05);
        this.hasState = true;
        this.stepsBeyondTerminated = null;
        return Float32Array.from(this.state);
      }
      /** Action 0 pushes the cart left, 1 pushes it right. */
      step(action) {
        if (action !== 0 && action !== 1) {
          throw new Error(`CartPole-v1: invalid action ${String(action)}; expected 0 or 1`);
        }
        if (!this.hasState) throw new Error("CartPole-v1: call reset() (or setState) before step()");
        let x = this.state[0];
        let xDot = this.state[1];
        let theta = this.state[2];
        let thetaDot = this.state[3];
        const force2 = action === 1 ? forceMag : -forceMag;
        const cosTheta = Math.cos(theta);
        const sinTheta = Math.sin(theta);
        const temp = (force2 + poleMassLength * (thetaDot * thetaDot) * sinTheta) / totalMass;
        const thetaAcc = (gravity * sinTheta - cosTheta * temp) / (length * (4 / 3 - massPole * (cosTheta * cosTheta) / totalMass));
        const xAcc = temp - poleMassLength * thetaAcc * cosTheta / totalMass;
        x = x + tau * xDot;
        xDot = xDot + tau * xAcc;
        theta = theta + tau * thetaDot;
        thetaDot = thetaDot + tau * thetaAcc;
        this.state[0] = x;
        this.state[1] = xDot;
        this.state[2] = theta;
        this.state[3] = thetaDot;
        const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD_RADIANS || theta > THETA_THRESHOLD_RADIANS;
        let reward;
        if (!terminated) {
          reward = 1;
        } else if (this.stepsBeyondTerminated === null) {
          this.stepsBeyondTerminated = 0;
          reward = 1;
        } else {
          this.stepsBeyondTerminated += 1;
          reward = 0;
        }
        return { obs: Float32Array.from(this.state), reward, terminated, truncated: false };
      }
      /** A copy of [x, xDot, theta, thetaDot]. */
      getState() {
        return Float64Array.from(this.state);
      }
      /**
       * Replaces the physical state (4 finite numbers). The episode counters (steps beyond termination
       * here, elapsed steps in `TimeLimit`) are left alone, as assigning `env.unwrapped.state` does in
       * Gymnasium.
       */
      setState(state) {
        if (state.length !== 4) {
          throw new Error(`CartPole-v1: state must have length 4, got ${state.length}`);
        }
        for (let i = 0; i < 4; i++) {
          if (typeof state[i] !== "number" || !Number.isFinite(state[i])) {
            throw new Error(`CartPole-v1: state[${i}] must be a finite number, got ${String(state[i])}`);
          }
        }
        for (let i = 0; i < 4; i++) this.state[i] = state[i];
        this.hasState = true;
      }
    };
  }
});

// shared/envs/mountainCar.ts
var MOUNTAIN_CAR_V0, MOUNTAIN_CAR_CONTINUOUS_V0, MIN_POSITION, MAX_POSITION, MAX_SPEED, GOAL_POSITION, GOAL_POSITION_CONTINUOUS, goalVelocity, force, gravity2, power, f322, MountainCarBase, MountainCar, MountainCarContinuous;
var init_mountainCar = __esm({
  "shared/envs/mountainCar.ts"() {
    "use strict";
    init_rng();
    MOUNTAIN_CAR_V0 = {
      id: "MountainCar-v0",
      obsDim: 2,
      actionSpace: { type: "discrete", n: 3 },
      maxEpisodeSteps: 200,
      rewardThreshold: -110,
      // -1 for every step.
      rewardRange: [-1, -1]
    };
    MOUNTAIN_CAR_CONTINUOUS_V0 = {
      id: "MountainCarContinuous-v0",
      obsDim: 2,
      actionSpace: { type: "box", low: [-1], high: [1] },
      maxEpisodeSteps: 999,
      rewardThreshold: 90
    };
    MIN_POSITION = -1.2;
    MAX_POSITION = 0.6;
    MAX_SPEED = 0.07;
    GOAL_POSITION = 0.5;
    GOAL_POSITION_CONTINUOUS = 0.45;
    goalVelocity = 0;
    force = 1e-3;
    gravity2 = 25e-4;
    power = 15e-4;
    f322 = Math.fround;
    MountainCarBase = class {
      /** [position, velocity] */
      state = new Float64Array(2);
      rng;
      hasState = false;
      constructor(seed) {
        this.rng = new Rng(seed);
      }
      /** Position uniform in [-0.6, -0.4), velocity 0; a seed reseeds the env's RNG first. */
      reset(seed) {
        if (seed !== void 0) this.rng = new Rng(seed);
        this.state[0] = this.rng.uniform(-0.6, -0.4);
        this.state[1] = 0;
        this.hasState = true;
        this.onStateSet(false);
        return Float32Array.from(this.state);
      }
      step(action) {
        const a = this.checkAction(action);
        if (!this.hasState) throw new Error(`${this.spec.id}: call reset() (or setState) before step()`);
        const { reward, terminated } = this.advance(a);
        return { obs: Float32Array.from(this.state), reward, terminated, truncated: false };
      }
      onStateSet(_fromSetState) {
      }
      /** A copy of [position, velocity]. */
      getState() {
        return Float64Array.from(this.state);
      }
      /** Replaces [position, velocity] (2 finite numbers); `TimeLimit`'s step count is left alone. */
      setState(state) {
        const id = this.spec.id;
        if (state.length !== 2) throw new Error(`${id}: state must have length 2, got ${state.length}`);
        for (let i = 0; i < 2; i++) {
          if (typeof state[i] !== "number" || !Number.isFinite(state[i])) {
            throw new Error(`${id}: state[${i}] must be a finite number, got ${String(state[i])}`);
          }
        }
        this.state[0] = state[0];
        this.state[1] = state[1];
        this.hasState = true;
        this.onStateSet(true);
      }
    };
    MountainCar = class extends MountainCarBase {
      spec = MOUNTAIN_CAR_V0;
      constructor(seed = 0) {
        super(seed);
      }
      /** 0 accelerates left, 1 does nothing, 2 accelerates right. */
      checkAction(action) {
        if (action !== 0 && action !== 1 && action !== 2) {
          throw new Error(`MountainCar-v0: invalid action ${String(action)}; expected 0, 1 or 2`);
        }
        return action;
      }
      advance(action) {
        let position = this.state[0];
        let velocity = this.state[1];
        velocity += (action - 1) * force + Math.cos(3 * position) * -gravity2;
        velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
        position += velocity;
        position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
        if (position === MIN_POSITION && velocity < 0) velocity = 0;
        const terminated = position >= GOAL_POSITION && velocity >= goalVelocity;
        this.state[0] = position;
        this.state[1] = velocity;
        return { reward: -1, terminated };
      }
    };
    MountainCarContinuous = class extends MountainCarBase {
      spec = MOUNTAIN_CAR_CONTINUOUS_V0;
      /** Whether Gymnasium's state is a float32 array now (after a step) rather than float64 (after reset). */
      stateIsF32 = false;
      constructor(seed = 0) {
        super(seed);
      }
      /** A length-1 array: the push, clipped to [-1, 1] inside the step; taken as float32. */
      checkAction(action) {
        if (typeof action === "number" || action.length !== 1) {
          throw new Error(`MountainCarContinuous-v0: action must be an array of length 1, got ${String(action)}`);
        }
        const a = f322(action[0]);
        if (typeof action[0] !== "number" || !Number.isFinite(a)) {
          throw new Error(`MountainCarContinuous-v0: action[0] must be a finite float32, got ${String(action[0])}`);
        }
        return a;
      }
      /** A state set from outside counts as float32 when both values are float32 (as after a step). */
      onStateSet(fromSetState) {
        this.stateIsF32 = fromSetState && f322(this.state[0]) === this.state[0] && f322(this.state[1]) === this.state[1];
      }
      advance(a) {
        const s32 = this.stateIsF32;
        let pushed = a;
        let pushedIsF32 = true;
        if (-1 > pushed) [pushed, pushedIsF32] = [-1, false];
        if (1 < pushed) [pushed, pushedIsF32] = [1, false];
        const p0 = this.state[0];
        const v0 = this.state[1];
        const slope = 25e-4 * Math.cos(s32 ? f322(3 * p0) : 3 * p0);
        const accel = pushedIsF32 ? f322(f322(pushed * f322(power)) - f322(slope)) : pushed * power - slope;
        let velocity = s32 ? f322(v0 + f322(accel)) : v0 + accel;
        let velocityIsF32 = s32;
        const c = (isF32, k) => isF32 ? f322(k) : k;
        if (velocity > c(velocityIsF32, MAX_SPEED)) [velocity, velocityIsF32] = [MAX_SPEED, false];
        if (velocity < c(velocityIsF32, -MAX_SPEED)) [velocity, velocityIsF32] = [-MAX_SPEED, false];
        let position = s32 ? f322(p0 + f322(velocity)) : p0 + velocity;
        let positionIsF32 = s32;
        if (position > c(positionIsF32, MAX_POSITION)) [position, positionIsF32] = [MAX_POSITION, false];
        if (position < c(positionIsF32, MIN_POSITION)) [position, positionIsF32] = [MIN_POSITION, false];
        if (position === c(positionIsF32, MIN_POSITION) && velocity < 0) velocity = 0;
        const terminated = position >= c(positionIsF32, GOAL_POSITION_CONTINUOUS) && velocity >= goalVelocity;
        const reward = (terminated ? 100 : 0) - a * a * 0.1;
        this.state[0] = f322(position);
        this.state[1] = f322(velocity);
        this.stateIsF32 = true;
        return { reward, terminated };
      }
    };
  }
});

// shared/envs/pendulum.ts
function angleNormalize(x) {
  const period = 2 * Math.PI;
  let r = (x + Math.PI) % period;
  if (r < 0) r += period;
  else if (r === 0) r = 0;
  return r - Math.PI;
}
var PENDULUM_V1, MAX_SPEED2, MAX_TORQUE, DT2, g2, m, l, f323, Pendulum;
var init_pendulum = __esm({
  "shared/envs/pendulum.ts"() {
    "use strict";
    init_rng();
    PENDULUM_V1 = {
      id: "Pendulum-v1",
      obsDim: 3,
      actionSpace: { type: "box", low: [-2], high: [2] },
      maxEpisodeSteps: 200,
      rewardThreshold: null,
      // -(angle^2 + 0.1 speed^2 + 0.001 torque^2) with |angle| <= pi, |speed| <= 8, |torque| <= 2: [-16.2736044, 0].
      rewardRange: [-(Math.PI ** 2 + 0.1 * 8 ** 2 + 1e-3 * 2 ** 2), 0]
    };
    MAX_SPEED2 = 8;
    MAX_TORQUE = 2;
    DT2 = 0.05;
    g2 = 10;
    m = 1;
    l = 1;
    f323 = Math.fround;
    Pendulum = class {
      spec = PENDULUM_V1;
      /** [theta, thetaDot]; theta = 0 is upright. */
      state = new Float64Array(2);
      rng;
      hasState = false;
      constructor(seed = 0) {
        this.rng = new Rng(seed);
      }
      /** theta uniform in [-pi, pi), thetaDot uniform in [-1, 1); a seed reseeds the env's RNG first. */
      reset(seed) {
        if (seed !== void 0) this.rng = new Rng(seed);
        this.state[0] = this.rng.uniform(-Math.PI, Math.PI);
        this.state[1] = this.rng.uniform(-1, 1);
        this.hasState = true;
        return this.obs();
      }
      /** A length-1 array: the torque, clipped to [-2, 2] inside the step; taken as float32. */
      step(action) {
        if (typeof action === "number" || action.length !== 1) {
          throw new Error(`Pendulum-v1: action must be an array of length 1, got ${String(action)}`);
        }
        const a = f323(action[0]);
        if (typeof action[0] !== "number" || !Number.isFinite(a)) {
          throw new Error(`Pendulum-v1: action[0] must be a finite float32, got ${String(action[0])}`);
        }
        if (!this.hasState) throw new Error("Pendulum-v1: call reset() (or setState) before step()");
        const th = this.state[0];
        const thDot = this.state[1];
        const u = Math.min(Math.max(a, -MAX_TORQUE), MAX_TORQUE);
        const an = angleNormalize(th);
        const torqueCost = f323(f323(1e-3) * f323(u * u));
        const costs = an * an + 0.1 * (thDot * thDot) + torqueCost;
        const torqueAcc = f323(3 / (m * l ** 2) * u);
        let newThDot = thDot + (3 * g2 / (2 * l) * Math.sin(th) + torqueAcc) * DT2;
        newThDot = Math.min(Math.max(newThDot, -MAX_SPEED2), MAX_SPEED2);
        const newTh = th + newThDot * DT2;
        this.state[0] = newTh;
        this.state[1] = newThDot;
        return { obs: this.obs(), reward: -costs, terminated: false, truncated: false };
      }
      /** [cos theta, sin theta, thetaDot] as float32. */
      obs() {
        return Float32Array.of(Math.cos(this.state[0]), Math.sin(this.state[0]), this.state[1]);
      }
      /** A copy of [theta, thetaDot]. */
      getState() {
        return Float64Array.from(this.state);
      }
      /** Replaces [theta, thetaDot] (2 finite numbers); `TimeLimit`'s step count is left alone. */
      setState(state) {
        if (state.length !== 2) throw new Error(`Pendulum-v1: state must have length 2, got ${state.length}`);
        for (let i = 0; i < 2; i++) {
          if (typeof state[i] !== "number" || !Number.isFinite(state[i])) {
            throw new Error(`Pendulum-v1: state[${i}] must be a finite number, got ${String(state[i])}`);
          }
        }
        this.state[0] = state[0];
        this.state[1] = state[1];
        this.hasState = true;
      }
    };
  }
});

// shared/envs/lunarLanderWorld.ts
import { BoxShape, EdgeShape, PolygonShape, RevoluteJoint, World } from "planck";
function generateTerrain(rng) {
  const height = [];
  for (let i = 0; i < CHUNKS + 1; i++) height.push(rng.uniform(0, H / 2));
  const chunkX = [];
  for (let i = 0; i < CHUNKS; i++) chunkX.push(W / (CHUNKS - 1) * i);
  const half = Math.floor(CHUNKS / 2);
  for (let k = -2; k <= 2; k++) height[half + k] = HELIPAD_Y;
  const smoothY = [];
  for (let i = 0; i < CHUNKS; i++) {
    const prev = height[i === 0 ? CHUNKS : i - 1];
    smoothY.push(0.33 * (prev + height[i] + height[i + 1]));
  }
  return { chunkX, smoothY, helipadX1: chunkX[half - 1], helipadX2: chunkX[half + 1], helipadY: HELIPAD_Y };
}
function createLanderWorld(terrain, contacts) {
  const world = new World({ gravity: { x: 0, y: GRAVITY } });
  const moon = world.createBody({ type: "static" });
  moon.createFixture({ shape: new EdgeShape({ x: 0, y: 0 }, { x: W, y: 0 }) });
  for (let i = 0; i < CHUNKS - 1; i++) {
    const p1 = { x: terrain.chunkX[i], y: terrain.smoothY[i] };
    const p2 = { x: terrain.chunkX[i + 1], y: terrain.smoothY[i + 1] };
    moon.createFixture({ shape: new EdgeShape(p1, p2), density: 0, friction: 0.1 });
  }
  const lander = world.createBody({ type: "dynamic", position: { x: INITIAL_X, y: INITIAL_Y }, angle: 0 });
  lander.createFixture({
    shape: new PolygonShape(LANDER_POLY.map(([x, y]) => ({ x: x / SCALE, y: y / SCALE }))),
    density: 5,
    friction: 0.1,
    filterCategoryBits: 16,
    filterMaskBits: 1,
    // collide only with ground
    restitution: 0
  });
  const legs = [];
  const joints = [];
  for (const i of [-1, 1]) {
    const leg = world.createBody({
      type: "dynamic",
      position: { x: INITIAL_X - i * LEG_AWAY / SCALE, y: INITIAL_Y },
      angle: i * 0.05
    });
    leg.createFixture({
      shape: new BoxShape(LEG_W / SCALE, LEG_H / SCALE),
      density: 1,
      restitution: 0,
      filterCategoryBits: 32,
      filterMaskBits: 1
    });
    const joint = new RevoluteJoint({
      bodyA: lander,
      bodyB: leg,
      localAnchorA: { x: 0, y: 0 },
      localAnchorB: { x: i * LEG_AWAY / SCALE, y: LEG_DOWN / SCALE },
      referenceAngle: 0,
      // b2RevoluteJointDef's default; planck would otherwise take the current angle
      enableMotor: true,
      enableLimit: true,
      maxMotorTorque: LEG_SPRING_TORQUE,
      motorSpeed: 0.3 * i,
      // low enough not to jump back into the sky
      lowerAngle: i === -1 ? 0.9 - 0.5 : -0.9,
      upperAngle: i === -1 ? 0.9 : -0.9 + 0.5
    });
    world.createJoint(joint);
    legs.push(leg);
    joints.push(joint);
  }
  const touches = (contact, body) => contact.getFixtureA().getBody() === body || contact.getFixtureB().getBody() === body;
  world.on("begin-contact", (contact) => {
    if (touches(contact, lander)) contacts.gameOver = true;
    for (let k = 0; k < 2; k++) if (touches(contact, legs[k])) contacts.legContact[k] = true;
  });
  world.on("end-contact", (contact) => {
    for (let k = 0; k < 2; k++) if (touches(contact, legs[k])) contacts.legContact[k] = false;
  });
  return { world, moon, lander, legs: [legs[0], legs[1]], joints: [joints[0], joints[1]] };
}
var FPS, SCALE, MAIN_ENGINE_POWER, SIDE_ENGINE_POWER, INITIAL_RANDOM, LANDER_POLY, LEG_AWAY, LEG_DOWN, LEG_W, LEG_H, LEG_SPRING_TORQUE, SIDE_ENGINE_HEIGHT, SIDE_ENGINE_AWAY, MAIN_ENGINE_Y_LOCATION, VIEWPORT_W, VIEWPORT_H, CHUNKS, GRAVITY, W, H, HELIPAD_Y, INITIAL_X, INITIAL_Y;
var init_lunarLanderWorld = __esm({
  "shared/envs/lunarLanderWorld.ts"() {
    "use strict";
    FPS = 50;
    SCALE = 30;
    MAIN_ENGINE_POWER = 13;
    SIDE_ENGINE_POWER = 0.6;
    INITIAL_RANDOM = 1e3;
    LANDER_POLY = [
      [-14, 17],
      [-17, 0],
      [-17, -10],
      [17, -10],
      [17, 0],
      [14, 17]
    ];
    LEG_AWAY = 20;
    LEG_DOWN = 18;
    LEG_W = 2;
    LEG_H = 8;
    LEG_SPRING_TORQUE = 40;
    SIDE_ENGINE_HEIGHT = 14;
    SIDE_ENGINE_AWAY = 12;
    MAIN_ENGINE_Y_LOCATION = 4;
    VIEWPORT_W = 600;
    VIEWPORT_H = 400;
    CHUNKS = 11;
    GRAVITY = -10;
    W = VIEWPORT_W / SCALE;
    H = VIEWPORT_H / SCALE;
    HELIPAD_Y = H / 4;
    INITIAL_X = VIEWPORT_W / SCALE / 2;
    INITIAL_Y = VIEWPORT_H / SCALE;
  }
});

// shared/envs/lunarLander.ts
function enginePowers(action) {
  if (typeof action === "number") {
    return {
      mPower: action === 2 ? 1 : 0,
      sPower: action === 1 || action === 3 ? 1 : 0,
      direction: action === 1 || action === 3 ? action - 2 : 0
    };
  }
  const mPower = action[0] > 0 ? (clip(action[0], 0, 1) + 1) * 0.5 : 0;
  const sideOn = Math.abs(action[1]) > 0.5;
  return {
    mPower,
    sPower: sideOn ? clip(Math.abs(action[1]), 0.5, 1) : 0,
    direction: sideOn ? Math.sign(action[1]) : 0
  };
}
function landerObservation(lander, helipadY, legContact) {
  const pos = lander.getPosition();
  const vel = lander.getLinearVelocity();
  return [
    (pos.x - VIEWPORT_W / SCALE / 2) / (VIEWPORT_W / SCALE / 2),
    (pos.y - (helipadY + LEG_DOWN / SCALE)) / (VIEWPORT_H / SCALE / 2),
    vel.x * (VIEWPORT_W / SCALE / 2) / FPS,
    vel.y * (VIEWPORT_H / SCALE / 2) / FPS,
    lander.getAngle(),
    20 * lander.getAngularVelocity() / FPS,
    legContact[0] ? 1 : 0,
    legContact[1] ? 1 : 0
  ];
}
function landerShaping(s) {
  return -100 * Math.sqrt(s[0] * s[0] + s[1] * s[1]) - 100 * Math.sqrt(s[2] * s[2] + s[3] * s[3]) - 100 * Math.abs(s[4]) + 10 * s[6] + 10 * s[7];
}
var LUNAR_LANDER_V3, LUNAR_LANDER_CONTINUOUS_V3, LUNAR_LANDER_STATE_DIM, clip, LunarLander;
var init_lunarLander = __esm({
  "shared/envs/lunarLander.ts"() {
    "use strict";
    init_rng();
    init_lunarLanderWorld();
    LUNAR_LANDER_V3 = {
      id: "LunarLander-v3",
      obsDim: 8,
      actionSpace: { type: "discrete", n: 4 },
      maxEpisodeSteps: 1e3,
      rewardThreshold: 200
    };
    LUNAR_LANDER_CONTINUOUS_V3 = {
      id: "LunarLanderContinuous-v3",
      obsDim: 8,
      actionSpace: { type: "box", low: [-1, -1], high: [1, 1] },
      maxEpisodeSteps: 1e3,
      rewardThreshold: 200
    };
    LUNAR_LANDER_STATE_DIM = 20;
    clip = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
    LunarLander = class {
      spec;
      continuous;
      rng;
      sim = null;
      terrainNow = null;
      contacts = { gameOver: false, legContact: [false, false] };
      /** Gymnasium's `prev_shaping`: null until the first simulated step of an episode. */
      prevShaping = null;
      constructor(seed = 0, options = {}) {
        this.continuous = options.continuous ?? false;
        this.spec = this.continuous ? LUNAR_LANDER_CONTINUOUS_V3 : LUNAR_LANDER_V3;
        this.rng = new Rng(seed);
      }
      /**
       * New world and terrain (12 RNG draws), random initial force on the lander (2 draws), then one
       * noop step as Gymnasium's reset does (2 dispersion draws); returns that step's observation.
       */
      reset(seed) {
        if (seed !== void 0) this.rng = new Rng(seed);
        this.terrainNow = generateTerrain(this.rng);
        this.contacts.gameOver = false;
        this.contacts.legContact[0] = false;
        this.contacts.legContact[1] = false;
        this.sim = createLanderWorld(this.terrainNow, this.contacts);
        const fx = this.rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
        const fy = this.rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
        this.sim.lander.applyForceToCenter({ x: fx, y: fy }, true);
        this.prevShaping = null;
        return this.simulate(this.continuous ? [0, 0] : 0).obs;
      }
      step(action) {
        const checked = this.checkAction(action);
        if (!this.sim) throw new Error(`${this.spec.id}: call reset() before step()`);
        return this.simulate(checked);
      }
      /** The Box2D bodies (for tests and drawing); throws before the first reset. */
      get bodies() {
        if (!this.sim) throw new Error(`${this.spec.id}: call reset() first`);
        return this.sim;
      }
      /** The current episode's terrain; throws before the first reset. */
      get terrain() {
        if (!this.terrainNow) throw new Error(`${this.spec.id}: call reset() first`);
        return this.terrainNow;
      }
      /** See `LUNAR_LANDER_STATE_DIM` for the layout. */
      getState() {
        const { lander, legs } = this.bodies;
        const out = new Float64Array(LUNAR_LANDER_STATE_DIM);
        [lander, legs[0], legs[1]].forEach((b, k) => {
          const p = b.getPosition();
          const v = b.getLinearVelocity();
          out.set([p.x, p.y, b.getAngle(), v.x, v.y, b.getAngularVelocity()], 6 * k);
        });
        out[18] = this.prevShaping ?? 0;
        out[19] = this.contacts.gameOver ? 1 : 0;
        return out;
      }
      /**
       * Moves the bodies of the current world (terrain, joints, contact caches and leg-contact flags
       * are kept; the flags follow contact events from the next step on) and wakes them.
       * `TimeLimit`'s step count is left alone, as assigning Gymnasium's internals would.
       */
      setState(state) {
        const { lander, legs } = this.bodies;
        if (state.length !== LUNAR_LANDER_STATE_DIM) {
          throw new Error(`${this.spec.id}: state must have length ${LUNAR_LANDER_STATE_DIM}, got ${state.length}`);
        }
        for (let i = 0; i < state.length; i++) {
          if (typeof state[i] !== "number" || !Number.isFinite(state[i])) {
            throw new Error(`${this.spec.id}: state[${i}] must be a finite number, got ${String(state[i])}`);
          }
        }
        if (state[19] !== 0 && state[19] !== 1) throw new Error(`${this.spec.id}: state[19] (gameOver) must be 0 or 1`);
        [lander, legs[0], legs[1]].forEach((b, k) => {
          const o = 6 * k;
          b.setTransform({ x: state[o], y: state[o + 1] }, state[o + 2]);
          b.setLinearVelocity({ x: state[o + 3], y: state[o + 4] });
          b.setAngularVelocity(state[o + 5]);
          b.setAwake(true);
        });
        this.prevShaping = state[18];
        this.contacts.gameOver = state[19] === 1;
      }
      /** Validates and returns the action, clipped to [-1, 1] for the continuous env. */
      checkAction(action) {
        if (!this.continuous) {
          if (typeof action !== "number" || !Number.isInteger(action) || action < 0 || action > 3) {
            throw new Error(`${this.spec.id}: invalid action ${String(action)}; expected an integer in 0..3`);
          }
          return action;
        }
        if (typeof action === "number" || action.length !== 2) {
          throw new Error(`${this.spec.id}: invalid action ${String(action)}; expected 2 numbers in [-1, 1]`);
        }
        const a = [action[0], action[1]];
        if (!a.every((v) => typeof v === "number" && Number.isFinite(v))) {
          throw new Error(`${this.spec.id}: invalid action [${a.join(", ")}]; components must be finite numbers`);
        }
        return a.map((v) => clip(v, -1, 1));
      }
      /** Gymnasium's `step` body without the time limit: engines, world step, observation, reward. */
      simulate(action) {
        const { world, lander } = this.bodies;
        const angle = lander.getAngle();
        const tip = [Math.sin(angle), Math.cos(angle)];
        const side = [-tip[1], tip[0]];
        const dispersion = [this.rng.uniform(-1, 1) / SCALE, this.rng.uniform(-1, 1) / SCALE];
        const { mPower, sPower, direction } = enginePowers(action);
        if (mPower > 0) {
          const along = MAIN_ENGINE_Y_LOCATION / SCALE + 2 * dispersion[0];
          const ox = tip[0] * along + side[0] * dispersion[1];
          const oy = -tip[1] * along - side[1] * dispersion[1];
          const pos = lander.getPosition();
          const impulsePos = { x: pos.x + ox, y: pos.y + oy };
          const impulse = { x: -ox * MAIN_ENGINE_POWER * mPower, y: -oy * MAIN_ENGINE_POWER * mPower };
          lander.applyLinearImpulse(impulse, impulsePos, true);
        }
        if (sPower > 0) {
          const across = 3 * dispersion[1] + direction * SIDE_ENGINE_AWAY / SCALE;
          const ox = tip[0] * dispersion[0] + side[0] * across;
          const oy = -tip[1] * dispersion[0] - side[1] * across;
          const pos = lander.getPosition();
          const impulsePos = {
            x: pos.x + ox - tip[0] * 17 / SCALE,
            y: pos.y + oy + tip[1] * SIDE_ENGINE_HEIGHT / SCALE
          };
          const impulse = { x: -ox * SIDE_ENGINE_POWER * sPower, y: -oy * SIDE_ENGINE_POWER * sPower };
          lander.applyLinearImpulse(impulse, impulsePos, true);
        }
        world.step(1 / FPS, 6 * 30, 2 * 30);
        const state = landerObservation(lander, this.terrain.helipadY, this.contacts.legContact);
        const shaping = landerShaping(state);
        let reward = this.prevShaping === null ? 0 : shaping - this.prevShaping;
        this.prevShaping = shaping;
        reward -= mPower * 0.3;
        reward -= sPower * 0.03;
        let terminated = false;
        if (this.contacts.gameOver || Math.abs(state[0]) >= 1) {
          terminated = true;
          reward = -100;
        }
        if (!lander.isAwake()) {
          terminated = true;
          reward = 100;
        }
        return { obs: Float32Array.from(state), reward, terminated, truncated: false };
      }
    };
  }
});

// shared/envs/timeLimit.ts
var TimeLimit;
var init_timeLimit = __esm({
  "shared/envs/timeLimit.ts"() {
    "use strict";
    TimeLimit = class {
      /** The wrapped env (Gymnasium's `env.env`), for members `Env` does not have. */
      env;
      /** The limit, read from `env.spec` when wrapping. */
      maxEpisodeSteps;
      /** Gymnasium's `_elapsed_steps`: steps since the last reset. */
      elapsed = 0;
      constructor(env) {
        const max = env.spec.maxEpisodeSteps;
        if (!Number.isSafeInteger(max) || max < 1) {
          throw new Error(`${env.spec.id}: spec.maxEpisodeSteps must be a positive integer, got ${String(max)}`);
        }
        this.env = env;
        this.maxEpisodeSteps = max;
      }
      get spec() {
        return this.env.spec;
      }
      /** Steps since the last reset. */
      get elapsedSteps() {
        return this.elapsed;
      }
      reset(seed) {
        this.elapsed = 0;
        return this.env.reset(seed);
      }
      step(action) {
        const result = this.env.step(action);
        this.elapsed += 1;
        return this.elapsed >= this.maxEpisodeSteps ? { ...result, truncated: true } : result;
      }
      getState() {
        return this.env.getState();
      }
      setState(state) {
        this.env.setState(state);
      }
    };
  }
});

// shared/envs/registry.ts
function registerEnv(spec, make) {
  if (entries.has(spec.id)) throw new Error(`env ${spec.id} is already registered`);
  entries.set(spec.id, { spec, make });
}
function entry(id) {
  const found = entries.get(id);
  if (!found) throw new Error(`unknown env ID "${id}"; known IDs: ${envIds().join(", ")}`);
  return found;
}
function envSpec(id) {
  return entry(id).spec;
}
function makeEnv(id, seed) {
  const { spec, make } = entry(id);
  const env = make(seed);
  if (env.spec.id !== spec.id || env.spec.maxEpisodeSteps !== spec.maxEpisodeSteps) {
    throw new Error(
      `env ${id}: make returned an env whose spec (${env.spec.id}, maxEpisodeSteps ${env.spec.maxEpisodeSteps}) is not the registered one (maxEpisodeSteps ${spec.maxEpisodeSteps})`
    );
  }
  return new TimeLimit(env);
}
function envIds() {
  return [...entries.keys()];
}
var entries;
var init_registry = __esm({
  "shared/envs/registry.ts"() {
    "use strict";
    init_acrobot();
    init_cartpole();
    init_mountainCar();
    init_pendulum();
    init_lunarLander();
    init_timeLimit();
    entries = /* @__PURE__ */ new Map();
    registerEnv(CARTPOLE_V1, (seed) => new CartPole(seed));
    registerEnv(ACROBOT_V1, (seed) => new Acrobot(seed));
    registerEnv(MOUNTAIN_CAR_V0, (seed) => new MountainCar(seed));
    registerEnv(MOUNTAIN_CAR_CONTINUOUS_V0, (seed) => new MountainCarContinuous(seed));
    registerEnv(PENDULUM_V1, (seed) => new Pendulum(seed));
    registerEnv(LUNAR_LANDER_V3, (seed) => new LunarLander(seed));
    registerEnv(LUNAR_LANDER_CONTINUOUS_V3, (seed) => new LunarLander(seed, { continuous: true }));
  }
});

// shared/config.ts
import { z as z2 } from "zod";
function configFor(envId, overrides = {}) {
  if (!envIds().includes(envId)) throw new ConfigError(`unknown environment ${envId}: known are ${envIds().join(", ")}`);
  const threshold = overrides.solveThreshold ?? envDefaults[envId]?.solveThreshold ?? envSpec(envId).rewardThreshold;
  if (threshold === null) throw new ConfigError(`${envId} has no registered reward threshold: set solveThreshold`);
  return { ...baseConfig, ...envDefaults[envId], ...overrides, envId, solveThreshold: threshold };
}
function minNumSteps(c) {
  return c.workSizing ? Math.max(1, Math.ceil(c.numSteps / 8)) : c.numSteps;
}
function validateConfig(c) {
  const r = trainConfigSchema.safeParse(c);
  if (!r.success) throw new ConfigError(describeIssues(r.error.issues, c));
  return r.data;
}
function parseConfigFile(text, source) {
  let file;
  try {
    file = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof file !== "object" || file === null || Array.isArray(file)) throw new ConfigError(`${source}: must hold a JSON object, got ${show(file)}`);
  const r = configFileSchema.safeParse(file);
  if (!r.success) throw new ConfigError(`${source}: ${describeIssues(r.error.issues, file)}`);
  const { $schema: _schema, ...config } = r.data;
  return config;
}
function describeIssues(issues, input) {
  const issue = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
  if (issue.code === "unrecognized_keys") return `unknown config field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}`;
  if (issue.path.length === 0) return `config must be an object, got ${show(input)}`;
  const field = String(issue.path[0]);
  if (issue.code === "custom") return `${field}: ${issue.message}`;
  const fields = input;
  if (!Object.hasOwn(fields, field)) return `${field}: missing (${issue.message})`;
  return `${field}: ${issue.message}, got ${show(fields[field])}`;
}
function show(v) {
  if (typeof v === "number" || typeof v === "bigint" || v === void 0) return String(v);
  let text;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
var positiveInt, nonNegInt, unitInterval, nonNegNumber, finiteNumber, flag, oneOf, hiddenSizesError, trainConfigFields, trainConfigSchema, configFileSchema, baseConfig, defaultConfig, ConfigError;
var init_config = __esm({
  "shared/config.ts"() {
    "use strict";
    init_protocol();
    init_updateCodec();
    init_envDefaults();
    init_registry();
    positiveInt = (error = "must be a positive integer") => z2.number({ error }).int({ error }).positive({ error });
    nonNegInt = (error = "must be an integer >= 0") => z2.number({ error }).int({ error }).nonnegative({ error });
    unitInterval = (error = "must be in [0, 1]") => z2.number({ error }).min(0, { error }).max(1, { error });
    nonNegNumber = (error = "must be a finite number >= 0") => z2.number({ error }).nonnegative({ error });
    finiteNumber = (error = "must be a finite number") => z2.number({ error });
    flag = (error = "must be true or false") => z2.boolean({ error });
    oneOf = (values) => z2.enum(values, { error: `must be one of ${values.join(", ")}` });
    hiddenSizesError = "must be a non-empty list of positive integers";
    trainConfigFields = z2.strictObject({
      /** Gymnasium environment ID. */
      envId: z2.string({ error: "must be a non-empty string" }).min(1, { error: "must be a non-empty string" }),
      /** Base seed; worker k seeds its envs from seed + k * 1000 + envIndex. */
      seed: z2.number({ error: "must be an integer" }).int({ error: "must be an integer" }),
      /** Training stops when this many env steps have been collected (the step budget). */
      totalTimesteps: positiveInt(),
      /** Mean return over the last `solveWindow` episodes at which the run counts as solved (once the coordinator's own check agrees: solveCheckEpisodes). */
      solveThreshold: finiteNumber(),
      /** Episodes in the moving window for the solve criterion. */
      solveWindow: positiveInt(),
      /**
       * Solved is confirmed by the coordinator, not taken from the tabs' reported returns: when the
       * window's mean reaches solveThreshold, the coordinator plays the current params itself
       * (deterministic actions, the merged observation statistics, seeds it picks) for this many
       * episodes, and the run is solved only if their mean reaches solveThreshold too.
       */
      solveCheckEpisodes: positiveInt(),
      /** After a solve check that fell short, the next one waits until at least this many more env steps are counted. */
      solveCheckEverySteps: nonNegInt(),
      /** Environments stepped together in each tab (batched inference serves them all). */
      numEnvs: positiveInt(),
      /** Steps per environment in one rollout. */
      numSteps: positiveInt(),
      /** Minibatches a rollout is split into; one gradient push per minibatch. */
      numMinibatches: positiveInt(),
      /** Passes over each rollout. */
      updateEpochs: positiveInt(),
      gamma: unitInterval(),
      gaeLambda: unitInterval(),
      /** PPO ratio clip. */
      clipCoef: nonNegNumber(),
      entCoef: nonNegNumber(),
      vfCoef: nonNegNumber(),
      /** Normalize advantages per minibatch. */
      normAdv: flag(),
      /** Clip the value loss around the rollout's values by clipCoef (CleanRL's clip_vloss). */
      clipVloss: flag(),
      /** Stop a rollout's update epochs once an epoch's mean approximate KL exceeds this; null = never. */
      targetKl: z2.number({ error: "must be null or a finite number > 0" }).positive({ error: "must be null or a finite number > 0" }).nullable(),
      /** Normalize observations by running mean and variance merged across all workers by the coordinator. */
      normObs: flag(),
      /** Scale rewards by the running std of the discounted return, merged like the observation stats. */
      normReward: flag(),
      /** Normalized observations are clipped to [-clipObs, clipObs]. */
      clipObs: nonNegNumber(),
      /** Scaled rewards are clipped to [-clipReward, clipReward]. */
      clipReward: nonNegNumber(),
      /** Initial log standard deviation of a Gaussian policy (continuous actions). */
      logStdInit: finiteNumber(),
      /**
       * Explore with gSDE (generalized state-dependent exploration; continuous actions only): the
       * noise is the actor's last hidden layer times a random matrix per env, see shared/ppo/gaussian.ts.
       */
      gsde: flag(),
      /** With gSDE, redraw the exploration matrices every this many env steps (0: once per rollout). */
      sdeSampleFreq: nonNegInt(),
      /** Global gradient-norm clip applied by the coordinator before the Adam step. */
      maxGradNorm: nonNegNumber(),
      learningRate: nonNegNumber(),
      /** Anneal the learning rate linearly to 0 over totalTimesteps. */
      annealLr: flag(),
      /**
       * Anneal clipCoef linearly to 0 over totalTimesteps, as the PPO paper's Atari runs and the zoo's
       * `lin_` clip ranges do (the value clip, when on, follows it). Each rollout gets the value of the
       * moment its report is taken.
       */
      annealClip: flag(),
      adamBeta1: unitInterval(),
      adamBeta2: unitInterval(),
      adamEps: nonNegNumber(),
      /**
       * Overlap each push's round trip with the next gradient: one push in flight per tab, so a
       * gradient can be one own update staler, for up to one round trip less idle time per minibatch.
       */
      pipelinePushes: flag(),
      /** Hidden layer widths of the actor and of the critic (separate tanh MLPs). */
      hiddenSizes: z2.array(positiveInt(hiddenSizesError), { error: hiddenSizesError }).min(1, { error: hiddenSizesError }),
      /** Orthogonal weight init (CleanRL, SB3's default); false: PyTorch's uniform default (shared/ppo/params.ts). */
      orthoInit: flag(),
      /**
       * Staleness gate: an update computed at version v' is applied iff current - v' <= maxStaleness.
       * The default, 16, is chosen in docs/STALENESS.md.
       */
      maxStaleness: nonNegInt(),
      /**
       * Policy-lag bound: an update from a rollout collected at version r is applied only while
       * current - r <= maxPolicyLag (else rejected as `policyLag` and the worker collects afresh); null = no bound.
       */
      maxPolicyLag: nonNegInt("must be null or an integer >= 0").nullable(),
      /** Staleness-aware step: scale an accepted update's learning rate by 1 / (1 + staleness). */
      stalenessScaling: flag(),
      /**
       * 'async': every accepted gradient is one optimizer step. 'sync' (the baseline): the coordinator
       * averages the gradients computed at the current version, one per worker, and steps once per round.
       * 'local': each tab runs its rollout's PPO epochs with its own Adam and pushes one delta (its
       * params after minus before) per rollout, with the rollout's report; the coordinator steps the
       * global params along each accepted delta (the outer optimizer, outerLr and outerMomentum).
       * One round trip per rollout instead of one per minibatch: see docs/WAN.md.
       */
      updateMode: oneOf(["async", "sync", "local"]),
      /**
       * Local mode: the outer step along an accepted delta is params += (outerLr / connected workers) *
       * (delta + outerMomentum * velocity): 1 averages the tabs' deltas; Nesterov momentum as in DiLoCo's outer optimizer.
       */
      outerLr: nonNegNumber(),
      /** Local mode: Nesterov momentum of the outer step over accepted deltas; 0 = plain steps along each delta. */
      outerMomentum: unitInterval(),
      /** Local mode: deltas a tab may have on the wire before it waits for the oldest reply (it keeps training from its own params meanwhile). */
      maxPushesInFlight: positiveInt(),
      /**
       * Local mode, link sizing: a tab whose smoothed share of time spent waiting on replies passes
       * a fifth (a slow link) gets longer rollouts, up to this many times numSteps, so its round trips
       * hide behind more work; one that hardly waits any more steps back. Minibatches keep their number
       * and grow with the rollout (keeping their size instead, so more local steps per delta, cost
       * twice the env steps on the mobile link), and every delta weighs the same. 1 = every tab keeps
       * numSteps. docs/wan/LINK-SIZING.md measures it.
       */
      maxRolloutScale: positiveInt(),
      /** Sync mode: gradients averaged per step; null = one from every connected worker. */
      syncGradients: positiveInt("must be null or a positive integer").nullable(),
      /** Sync mode straggler cutoff: a round steps this long after its first gradient with what has arrived. */
      syncTimeoutMs: positiveInt(),
      /**
       * Async mode with maxStaleness >= 1: shrink a worker's rollout length (so its minibatches and
       * gradient time) while its updates arrive more than maxStaleness versions old on average; grow
       * it back up to numSteps when they arrive at under half that. Rollouts never go below
       * numSteps / 8. An update from a shortened rollout steps with the learning rate scaled by the
       * same fraction, so each sample weighs the same whatever the tab's size. Off by default
       * (docs/STALENESS.md says why).
       */
      workSizing: flag(),
      /** Socket.IO heartbeat: the coordinator pings every heartbeatMs and drops a socket that misses heartbeatTimeoutMs. */
      heartbeatMs: positiveInt(),
      heartbeatTimeoutMs: positiveInt(),
      /** A joined worker that sends no push or rollout report for this long is dropped (it may resume). */
      workerTimeoutMs: positiveInt(),
      /** A worker disconnected for longer than this is forgotten: it can no longer resume, and leaves the dashboard's list. */
      workerRecordTtlMs: positiveInt(),
      /** Updates whose L2 norm exceeds this are rejected as `normTooLarge` (not clipped: they are garbage). */
      maxUpdateNorm: nonNegNumber(),
      /** Most pushes a worker may make per second; beyond it updates are rejected as `rateLimited`. */
      maxPushesPerSecond: positiveInt(),
      /**
       * Robust acceptance of updates (server/updates/robustAcceptance.ts): async and local modes refuse
       * as `outlier` an update whose norm is far above the median of recent accepted ones, or a
       * worker's updates that point against the other workers', and hold each worker to a fair share
       * of accepted updates (`overShare`); sync mode steps with a coordinate-wise trimmed mean of the
       * round instead of the plain mean. docs/TRUST.md measures it.
       */
      robustUpdates: flag(),
      /**
       * Quarantine workers that lose the coordinator's trust (server/workers/trust.ts): their updates
       * are refused as `quarantined` and their reports no longer count.
       */
      quarantine: flag(),
      /**
       * Share of counted rollout reports (those with finished episodes) whose tab is asked for the
       * trace of one episode, picked at random after the report counted, which the coordinator replays
       * on its own env and compares (server/workers/spotCheck.ts; docs/TRUST.md gives the cost). 0
       * turns spot checks off, as a run of an env that is not deterministic given its reset seed needs.
       */
      spotCheckRate: unitInterval(),
      /** A spot check not answered within this many ms fails as unanswered. */
      spotCheckTimeoutMs: positiveInt(),
      /**
       * Half-life in ms of the marks a quarantine leaves on its worker's address (server/workers/addressMarks.ts):
       * fresh joins from a marked address start on probation, and after three quick quarantines are refused for a while.
       */
      quarantineHalfLifeMs: positiveInt(),
      /** A new worker's k-th accepted update is stepped with k / newcomerUpdates of the step size until that reaches 1 (server/workers/trust.ts); 1 gives full weight at once. */
      newcomerUpdates: positiveInt(),
      /** Most Socket.IO connections the coordinator holds at once (workers and dashboards); more are refused at the handshake. */
      maxConnections: positiveInt(),
      /** Most connections from one IP address at once. */
      maxConnectionsPerIp: positiveInt(),
      /** How gradients cross the wire: fp32, fp16, or int8 with error feedback (see updateCodec.ts). */
      updateCodec: oneOf(UPDATE_CODECS),
      /** Backend the workers must use; 'auto' lets each tab measure and pick the fastest. */
      backend: oneOf([...BACKENDS, "auto"]),
      /**
       * Seconds between the checkpoints `tabswarm start` saves into the run folder while training
       * (atomically, over checkpoint.ckpt), so a killed run can be resumed from its latest one; 0 saves
       * only at the end of the run.
       */
      checkpointEverySec: nonNegInt()
    });
    trainConfigSchema = trainConfigFields.superRefine((c, ctx) => {
      if (c.gsde && envIds().includes(c.envId) && envSpec(c.envId).actionSpace.type === "discrete") {
        ctx.addIssue({ code: "custom", path: ["gsde"], message: `needs continuous actions, and ${c.envId}'s are discrete` });
      }
      const shortest = minNumSteps(c);
      if (c.numEnvs * shortest < c.numMinibatches) {
        ctx.addIssue({
          code: "custom",
          path: ["numMinibatches"],
          message: `must be at most numEnvs * the shortest rollout (${c.numEnvs} * ${shortest}${c.workSizing ? ", numSteps / 8 with workSizing" : ""}), got ${c.numMinibatches}`
        });
      }
    });
    configFileSchema = trainConfigFields.partial().extend({ $schema: z2.string({ error: "must be a string" }).optional() }).describe("A tabswarm config file (tabswarm start --config FILE): any TrainConfig fields, see shared/config.ts.");
    baseConfig = {
      envId: "CartPole-v1",
      seed: 1,
      totalTimesteps: 5e5,
      solveThreshold: 475,
      solveWindow: 100,
      solveCheckEpisodes: 20,
      solveCheckEverySteps: 1e4,
      numEnvs: 8,
      numSteps: 256,
      numMinibatches: 32,
      updateEpochs: 10,
      gamma: 0.99,
      gaeLambda: 0.95,
      clipCoef: 0.2,
      entCoef: 0,
      vfCoef: 0.5,
      normAdv: true,
      clipVloss: false,
      targetKl: null,
      normObs: false,
      normReward: false,
      clipObs: 10,
      clipReward: 10,
      logStdInit: 0,
      gsde: false,
      sdeSampleFreq: 0,
      maxGradNorm: 0.5,
      learningRate: 3e-4,
      annealLr: false,
      annealClip: false,
      adamBeta1: 0.9,
      adamBeta2: 0.999,
      adamEps: 1e-5,
      pipelinePushes: false,
      hiddenSizes: [64, 64],
      orthoInit: true,
      maxStaleness: 16,
      maxPolicyLag: null,
      stalenessScaling: false,
      updateMode: "async",
      outerLr: 1,
      outerMomentum: 0,
      maxPushesInFlight: 2,
      maxRolloutScale: 4,
      syncGradients: null,
      syncTimeoutMs: 2e3,
      workSizing: false,
      heartbeatMs: 5e3,
      heartbeatTimeoutMs: 1e4,
      workerTimeoutMs: 6e4,
      workerRecordTtlMs: 6e5,
      maxUpdateNorm: 1e6,
      maxPushesPerSecond: 1e3,
      robustUpdates: true,
      quarantine: true,
      spotCheckRate: 0.1,
      spotCheckTimeoutMs: 15e3,
      quarantineHalfLifeMs: 3e5,
      newcomerUpdates: 8,
      maxConnections: 1e4,
      maxConnectionsPerIp: 256,
      updateCodec: "fp32",
      backend: "auto",
      checkpointEverySec: 30
    };
    defaultConfig = configFor("CartPole-v1");
    ConfigError = class extends Error {
      name = "ConfigError";
    };
  }
});

// shared/ppo/policyHead.ts
function policyHead(spec) {
  const space = spec.actionSpace;
  if (space.type === "discrete") return { type: "categorical", numActions: space.n };
  if (space.low.length !== space.high.length || space.low.length === 0) {
    throw new Error(`${spec.id}: Box bounds must be non-empty and of equal length, got ${space.low.length} and ${space.high.length}`);
  }
  return { type: "gaussian", actionDim: space.low.length, low: [...space.low], high: [...space.high] };
}
function actorWidth(head) {
  return head.type === "categorical" ? head.numActions : head.actionDim;
}
function actionWidth(head) {
  return head.type === "categorical" ? 1 : head.actionDim;
}
var init_policyHead = __esm({
  "shared/ppo/policyHead.ts"() {
    "use strict";
  }
});

// shared/ppo/params.ts
function actorCriticLayout(obsDim, head, hiddenSizes, gsde = false) {
  if (gsde && head.type !== "gaussian") throw new Error("gSDE needs continuous actions (a Gaussian head)");
  const layout = [];
  let offset = 0;
  const push = (name, shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    layout.push({ name, shape, offset, size });
    offset += size;
  };
  for (const [net2, outDim] of [["actor", actorWidth(head)], ["critic", 1]]) {
    const dims = [obsDim, ...hiddenSizes, outDim];
    for (let i = 0; i + 1 < dims.length; i++) {
      push(`${net2}.${i}.w`, [dims[i], dims[i + 1]]);
      push(`${net2}.${i}.b`, [dims[i + 1]]);
    }
  }
  if (head.type === "gaussian") push(LOG_STD, gsde ? [hiddenSizes[hiddenSizes.length - 1], head.actionDim] : [head.actionDim]);
  return layout;
}
function paramCount(layout) {
  const last = layout[layout.length - 1];
  return last ? last.offset + last.size : 0;
}
function layersPerHead(layout) {
  return Math.floor(layout.length / 4);
}
function logStdIndex(layout) {
  const i = layout.length - 1;
  return i >= 0 && layout[i].name === LOG_STD ? i : -1;
}
function logStdPlain(flat, layout) {
  const i = logStdIndex(layout);
  return i < 0 ? null : flat.subarray(layout[i].offset, layout[i].offset + layout[i].size);
}
function initParams(layout, seed, { logStdInit = 0, orthoInit = true } = {}) {
  const rng = new Rng(seed);
  const flat = new Float32Array(paramCount(layout));
  const ls = logStdIndex(layout);
  if (ls >= 0) flat.fill(logStdInit, layout[ls].offset, layout[ls].offset + layout[ls].size);
  const lastLayer = layersPerHead(layout) - 1;
  for (const spec of layout) {
    if (spec.name === LOG_STD) continue;
    const [head, index, kind] = spec.name.split(".");
    if (!orthoInit) {
      const bound2 = 1 / Math.sqrt(layout.find((p) => p.name === `${head}.${index}.w`).shape[0]);
      for (let i = 0; i < spec.size; i++) flat[spec.offset + i] = bound2 * (2 * rng.next() - 1);
      continue;
    }
    if (kind !== "w") continue;
    const isOutput = Number(index) === lastLayer;
    const gain = !isOutput ? Math.SQRT2 : head === "actor" ? 0.01 : 1;
    const w = orthogonal(spec.shape[0], spec.shape[1], () => rng.normal());
    for (let i = 0; i < spec.size; i++) flat[spec.offset + i] = gain * w[i];
  }
  return flat;
}
function orthogonal(rows, cols, normal) {
  const n = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  const q = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = normal();
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * u[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    q.push(v);
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = rows >= cols ? q[c][r] : q[r][c];
    }
  }
  return out;
}
function forwardPlain(flat, layout, obs, batch) {
  const nLayers = layersPerHead(layout);
  const mlp = (first) => {
    let h = obs;
    let hidden = obs;
    let inDim = layout[first].shape[0];
    for (let i = 0; i < nLayers; i++) {
      const w = layout[first + 2 * i];
      const b = layout[first + 2 * i + 1];
      const outDim = w.shape[1];
      const z7 = new Float64Array(batch * outDim);
      for (let r = 0; r < batch; r++) {
        for (let o = 0; o < outDim; o++) {
          let acc = flat[b.offset + o];
          for (let k = 0; k < inDim; k++) acc += h[r * inDim + k] * flat[w.offset + k * outDim + o];
          z7[r * outDim + o] = i + 1 < nLayers ? Math.tanh(acc) : acc;
        }
      }
      hidden = h;
      h = z7;
      inDim = outDim;
    }
    return [Float32Array.from(h), Float32Array.from(hidden)];
  };
  const [actorOut, actorHidden] = mlp(0);
  return { actorOut, value: mlp(2 * nLayers)[0], actorHidden };
}
var LOG_STD;
var init_params = __esm({
  "shared/ppo/params.ts"() {
    "use strict";
    init_rng();
    init_policyHead();
    LOG_STD = "actor.logStd";
  }
});

// shared/ppo/modelSpec.ts
function modelFor(config) {
  const spec = envSpec(config.envId);
  const head = policyHead(spec);
  const layout = actorCriticLayout(spec.obsDim, head, config.hiddenSizes, config.gsde);
  return { spec, head, layout, numParams: paramCount(layout) };
}
var init_modelSpec = __esm({
  "shared/ppo/modelSpec.ts"() {
    "use strict";
    init_registry();
    init_policyHead();
    init_params();
  }
});

// fleet/wanRelay.ts
import net from "node:net";
import { performance as performance2 } from "node:perf_hooks";
function linkProfile(name) {
  if (!Object.hasOwn(LINK_PROFILES, name)) {
    throw new Error(`unknown link profile "${name}": expected one of ${LINK_NAMES.join(", ")}`);
  }
  return { ...LINK_PROFILES[name] };
}
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = a + 1831565813 >>> 0;
    let t = a;
    t = Math.imul(t ^ t >>> 15, t | 1);
    t ^= t + Math.imul(t ^ t >>> 7, t | 61);
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  };
}
function split(chunk) {
  if (chunk.length <= SEGMENT) return [chunk];
  const out = [];
  for (let i = 0; i < chunk.length; i += SEGMENT) out.push(chunk.subarray(i, i + SEGMENT));
  return out;
}
function endAfter(dst, src) {
  if (dst.destroyed) return;
  const srcClosed = src.destroyed;
  dst.end(() => {
    if (srcClosed || src.destroyed) dst.destroy();
  });
  if (!srcClosed) src.once("close", () => {
    if (dst.writableFinished) dst.destroy();
  });
}
var LINK_PROFILES, LINK_NAMES, SEGMENT, MIN_QUEUE, UNCAPPED_QUEUE, Direction, WanRelay;
var init_wanRelay = __esm({
  "fleet/wanRelay.ts"() {
    "use strict";
    LINK_PROFILES = {
      loopback: { name: "loopback", rttMs: 0, jitterMs: 0, downMbps: null, upMbps: null },
      lan: { name: "lan", rttMs: 2, jitterMs: 0, downMbps: 100, upMbps: 100 },
      metro: { name: "metro", rttMs: 20, jitterMs: 0, downMbps: 50, upMbps: 10 },
      national: { name: "national", rttMs: 50, jitterMs: 5, downMbps: 50, upMbps: 10 },
      continental: { name: "continental", rttMs: 100, jitterMs: 0, downMbps: 20, upMbps: 5 },
      intercontinental: { name: "intercontinental", rttMs: 200, jitterMs: 20, downMbps: 20, upMbps: 5 },
      mobile: { name: "mobile", rttMs: 300, jitterMs: 50, downMbps: 10, upMbps: 2 }
    };
    LINK_NAMES = Object.keys(LINK_PROFILES);
    SEGMENT = 16 * 1024;
    MIN_QUEUE = 256 * 1024;
    UNCAPPED_QUEUE = 4 * 1024 * 1024;
    Direction = class {
      constructor(src, dst, model, random, notBefore, open2, onBytes, onDone) {
        this.src = src;
        this.dst = dst;
        this.model = model;
        this.random = random;
        this.onBytes = onBytes;
        this.onDone = onDone;
        this.linkFreeAt = notBefore;
        this.open = open2;
        this.highWater = model.bps === null ? UNCAPPED_QUEUE : Math.max(MIN_QUEUE, model.bps / 8);
        this.lowWater = this.highWater / 2;
        src.on("data", (chunk) => this.push(chunk));
        src.on("end", () => this.sourceDone());
        src.on("close", () => this.sourceDone());
        dst.on("drain", () => {
          if (!this.waitingDrain) return;
          this.waitingDrain = false;
          this.flush();
        });
      }
      src;
      dst;
      model;
      random;
      onBytes;
      onDone;
      queue = [];
      head = 0;
      queued = 0;
      linkFreeAt = 0;
      lastDelivery = 0;
      timer = null;
      paused = false;
      waitingDrain = false;
      srcEnded = false;
      /** The destination is gone: data for it is dropped. */
      dstGone = false;
      finished = false;
      /** False until the destination can be written to (the relay's connect to the coordinator waits out the SYN's trip). */
      open;
      highWater;
      lowWater;
      push(chunk) {
        if (this.dstGone) return;
        const now = performance2.now();
        const { bps, oneWayMs, jitterMs } = this.model;
        const segments = bps === null ? [chunk] : split(chunk);
        for (const data of segments) {
          let departure = now;
          if (bps !== null) {
            this.linkFreeAt = Math.max(now, this.linkFreeAt) + data.length * 8 * 1e3 / bps;
            departure = this.linkFreeAt;
          } else {
            departure = Math.max(now, this.linkFreeAt);
          }
          const jitter = jitterMs > 0 ? (this.random() - 0.5) * jitterMs : 0;
          const at = Math.max(this.lastDelivery, departure + Math.max(0, oneWayMs + jitter));
          this.lastDelivery = at;
          this.queue.push({ data, at });
          this.queued += data.length;
        }
        if (this.queued > this.highWater && !this.paused) {
          this.paused = true;
          this.src.pause();
        }
        this.flush();
      }
      /** Writes every chunk that is due, then arms the timer for the next one. */
      flush() {
        if (this.timer) {
          clearTimeout(this.timer);
          this.timer = null;
        }
        if (!this.open) return;
        const now = performance2.now();
        while (this.head < this.queue.length && !this.waitingDrain) {
          const item = this.queue[this.head];
          if (item.at > now + 0.5) break;
          this.head++;
          this.queued -= item.data.length;
          this.onBytes(item.data.length);
          if (!this.dst.write(item.data)) this.waitingDrain = true;
        }
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
        if (this.paused && this.queued <= this.lowWater) {
          this.paused = false;
          this.src.resume();
        }
        if (this.head < this.queue.length) {
          if (!this.waitingDrain) {
            const wait = Math.max(1, Math.ceil(this.queue[this.head].at - now));
            this.timer = setTimeout(() => {
              this.timer = null;
              this.flush();
            }, wait);
          }
        } else {
          this.queue.length = 0;
          this.head = 0;
          if (this.srcEnded) this.finish();
        }
      }
      sourceDone() {
        if (this.srcEnded) return;
        this.srcEnded = true;
        if (this.open && this.head >= this.queue.length) this.finish();
      }
      /** The destination can now be written to: deliver what is due. */
      release() {
        this.open = true;
        this.flush();
      }
      finish() {
        if (this.finished) return;
        this.finished = true;
        this.onDone();
      }
      /** The destination closed: nothing more can be delivered, so drop the queue. */
      dropAll() {
        this.dstGone = true;
        this.clear();
        if (this.paused) {
          this.paused = false;
          this.src.resume();
        }
      }
      clear() {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.queue.length = 0;
        this.head = 0;
        this.queued = 0;
      }
    };
    WanRelay = class {
      constructor(opts) {
        this.opts = opts;
        const { rttMs, jitterMs, downMbps, upMbps } = opts.link;
        for (const [k, v] of Object.entries({ rttMs, jitterMs })) {
          if (!(v >= 0)) throw new Error(`link ${opts.link.name}: ${k} must be >= 0, got ${v}`);
        }
        for (const [k, v] of Object.entries({ downMbps, upMbps })) {
          if (v !== null && !(v > 0)) throw new Error(`link ${opts.link.name}: ${k} must be > 0 or null, got ${v}`);
        }
      }
      opts;
      /** Payload bytes delivered so far: up = to the target, down = to the tabs. */
      bytes = { up: 0, down: 0 };
      server = null;
      listeningPort = 0;
      sockets = /* @__PURE__ */ new Set();
      directions = /* @__PURE__ */ new Set();
      connectTimers = /* @__PURE__ */ new Set();
      connections = 0;
      /** The link this relay emulates. */
      get link() {
        return this.opts.link;
      }
      /** The listening port on 127.0.0.1 (0 until started). */
      get port() {
        return this.listeningPort;
      }
      /** Listens on 127.0.0.1 at a free port and resolves with it. */
      async start() {
        if (this.server) throw new Error("relay already started");
        const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s));
        this.server = server;
        await new Promise((resolve3, reject) => {
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => {
            server.off("error", reject);
            resolve3();
          });
        });
        this.listeningPort = server.address().port;
        return this.listeningPort;
      }
      /** Stops listening and closes every relayed connection at once (queued data is dropped). */
      async stop() {
        const server = this.server;
        if (!server) return;
        this.server = null;
        for (const t of this.connectTimers) clearTimeout(t);
        this.connectTimers.clear();
        for (const d of this.directions) d.clear();
        this.directions.clear();
        for (const s of this.sockets) s.destroy();
        this.sockets.clear();
        await new Promise((resolve3) => server.close(() => resolve3()));
      }
      track(s) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {
        });
      }
      accept(tab) {
        const acceptedAt = performance2.now();
        const index = this.connections++;
        this.track(tab);
        const { link, target } = this.opts;
        const seed = this.opts.seed ?? 1;
        const oneWayMs = link.rttMs / 2;
        const coordinator = new net.Socket({ allowHalfOpen: true });
        coordinator.setNoDelay(true);
        tab.setNoDelay(true);
        this.track(coordinator);
        const model = (mbps) => ({ oneWayMs, jitterMs: link.jitterMs, bps: mbps === null ? null : mbps * 1e6 });
        const rng = (dir) => mulberry32(Math.imul(seed, 2654435761) ^ Math.imul(index * 2 + dir + 1, 2246822507));
        const up = new Direction(tab, coordinator, model(link.upMbps), rng(0), acceptedAt + link.rttMs, false, (n) => this.bytes.up += n, () => endAfter(coordinator, tab));
        const down = new Direction(coordinator, tab, model(link.downMbps), rng(1), acceptedAt + oneWayMs, true, (n) => this.bytes.down += n, () => endAfter(tab, coordinator));
        this.directions.add(up);
        this.directions.add(down);
        tab.on("close", () => {
          down.dropAll();
          this.directions.delete(down);
        });
        coordinator.on("close", () => {
          up.dropAll();
          this.directions.delete(up);
        });
        const connect = () => {
          if (tab.destroyed) return coordinator.destroy();
          coordinator.connect({ host: target.host, port: target.port, noDelay: true });
          up.release();
        };
        if (oneWayMs > 0) {
          const t = setTimeout(() => {
            this.connectTimers.delete(t);
            connect();
          }, oneWayMs);
          this.connectTimers.add(t);
        } else {
          connect();
        }
      }
    };
  }
});

// client/worker/remembered.ts
import { z as z6 } from "zod";
function parseRemembered(text) {
  if (text === null) return null;
  try {
    const parsed = rememberedSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.timings.some((t) => t.backend === parsed.data.backend) ? parsed.data : null;
  } catch {
    return null;
  }
}
var CHOICE_KEY_PREFIX, CHOICE_LOG, rememberedSchema;
var init_remembered = __esm({
  "client/worker/remembered.ts"() {
    "use strict";
    init_config();
    init_modelSpec();
    init_protocol();
    CHOICE_KEY_PREFIX = "tabswarm.backend.v1 ";
    CHOICE_LOG = "tabswarm: backend choice remembered";
    rememberedSchema = z6.object({
      backend: z6.enum(BACKENDS),
      timings: z6.array(backendTimingSchema).min(1).max(BACKENDS.length)
    });
  }
});

// fleet/choiceCache.ts
import { mkdir as mkdir2, readFile as readFile4, rename as rename3, writeFile as writeFile3 } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname as dirname2, join as join2 } from "node:path";
function defaultChoiceFile() {
  return join2(process.env.XDG_CACHE_HOME || join2(homedir(), ".cache"), "tabswarm", "backend-choices.json");
}
var ChoiceCache;
var init_choiceCache = __esm({
  "fleet/choiceCache.ts"() {
    "use strict";
    init_remembered();
    ChoiceCache = class {
      constructor(file) {
        this.file = file;
      }
      file;
      entries = {};
      saving = Promise.resolve();
      /** Reads the file; a missing or unreadable file, or an entry that is not a choice, is skipped. */
      async load() {
        let parsed;
        try {
          parsed = JSON.parse(await readFile4(this.file, "utf8"));
        } catch {
          return;
        }
        if (typeof parsed !== "object" || parsed === null) return;
        for (const [key, value] of Object.entries(parsed)) {
          if (key.startsWith(CHOICE_KEY_PREFIX) && typeof value === "string" && parseRemembered(value)) this.entries[key] = value;
        }
      }
      /**
       * JavaScript for a new tab's document start: stores the known choices in its localStorage
       * (leaving any it already has).
       */
      seedScript() {
        return `(() => { try { const e = ${JSON.stringify(this.entries)}; for (const k in e) if (localStorage.getItem(k) === null) localStorage.setItem(k, e[k]); } catch {} })();`;
      }
      /**
       * Takes one console line of a tab (its arguments' values): when it announces a choice, keeps it
       * and rewrites the file. True when it was one.
       */
      take(args, onError) {
        const [text, key, value] = args;
        if (text !== CHOICE_LOG || typeof key !== "string" || !key.startsWith(CHOICE_KEY_PREFIX) || typeof value !== "string" || !parseRemembered(value)) return false;
        if (this.entries[key] === value) return true;
        this.entries[key] = value;
        const body = JSON.stringify(this.entries, null, 1);
        this.saving = this.saving.then(async () => {
          await mkdir2(dirname2(this.file), { recursive: true });
          await writeFile3(`${this.file}.tmp`, body);
          await rename3(`${this.file}.tmp`, this.file);
        }).catch(onError);
        return true;
      }
      /** Resolves when what was taken is on disk. */
      flushed() {
        return this.saving;
      }
    };
  }
});

// fleet/fleet.ts
var fleet_exports = {};
__export(fleet_exports, {
  CHROMIUM_ARGS: () => CHROMIUM_ARGS,
  Fleet: () => Fleet,
  ensureChromium: () => ensureChromium,
  findChromium: () => findChromium
});
import { spawn } from "node:child_process";
import { existsSync as existsSync3 } from "node:fs";
import { createRequire } from "node:module";
import { dirname as dirname3, join as join4 } from "node:path";
import { chromium } from "playwright-core";
function findChromium() {
  const explicit = process.env.TABSWARM_CHROMIUM;
  if (explicit) {
    if (!existsSync3(explicit)) throw new Error(`TABSWARM_CHROMIUM=${explicit} does not exist`);
    return explicit;
  }
  const candidates = [chromium.executablePath(), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];
  const found = candidates.find((p) => p && existsSync3(p));
  if (!found) {
    throw new Error("no Chromium found: install one (`apt-get install chromium` or `npx playwright install chromium`) or set TABSWARM_CHROMIUM to its path");
  }
  return found;
}
async function ensureChromium(say) {
  try {
    return findChromium();
  } catch (e) {
    if (process.env.TABSWARM_CHROMIUM) throw e;
  }
  say("tabswarm: no Chromium found: downloading Playwright's (playwright-core install chromium)");
  const cli = join4(dirname3(createRequire(import.meta.url).resolve("playwright-core")), "cli.js");
  const code = await new Promise((resolve3) => {
    spawn(process.execPath, [cli, "install", "chromium"], { stdio: ["ignore", "inherit", "inherit"] }).on("close", resolve3).on("error", () => resolve3(null));
  });
  if (code === 0) return findChromium();
  throw new Error("no Chromium found, and downloading Playwright's failed: install one (`apt-get install chromium` or `npx playwright install chromium`) or set TABSWARM_CHROMIUM to its path");
}
var FIRST_CHOICE_WAIT_MS, CHROMIUM_ARGS, READ_STATUS, Fleet;
var init_fleet = __esm({
  "fleet/fleet.ts"() {
    "use strict";
    init_wanRelay();
    init_choiceCache();
    FIRST_CHOICE_WAIT_MS = 6e4;
    CHROMIUM_ARGS = [
      "--no-sandbox",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--enable-unsafe-webgpu",
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows"
    ];
    READ_STATUS = `JSON.stringify(Object.fromEntries(Array.from(document.querySelectorAll('[data-testid]'), (e) => [e.dataset.testid, (e.textContent || '').trim()])))`;
    Fleet = class {
      constructor(opts) {
        this.opts = opts;
        this.choices = opts.rememberChoices ? new ChoiceCache(opts.rememberChoices) : null;
      }
      opts;
      pages = [];
      browser = null;
      /** The browser-level DevTools session that opens and watches plain tabs. */
      cdp = null;
      /** The plain tabs by index, and by their DevTools session id. */
      plainTabs = [];
      plainBySession = /* @__PURE__ */ new Map();
      stopping = false;
      /** Per tab, its WAN relay (null = direct to the coordinator). */
      tabRelays = [];
      choices;
      /** Ends start()'s wait for tab 0's backend choice (see start()). */
      firstChosen = null;
      async start() {
        this.stopping = false;
        await this.choices?.load();
        this.browser = await chromium.launch({
          executablePath: await ensureChromium((line2) => console.error(line2)),
          headless: this.opts.headless ?? true,
          args: [...CHROMIUM_ARGS, ...this.opts.chromiumArgs ?? []],
          ...this.opts.ownSignals ? { handleSIGINT: false, handleSIGTERM: false } : {}
        });
        this.browser.on("disconnected", () => {
          if (!this.stopping) this.opts.onBrowserClosed?.();
        });
        for (let i = 0; i < this.opts.workers; i++) {
          const chosen = i === 0 && this.choices && this.opts.workers > 1 ? this.firstChoice() : null;
          await this.open(i);
          await chosen;
        }
        return this.pages;
      }
      /** Resolves when tab 0 says which backend it uses or fails, or after FIRST_CHOICE_WAIT_MS. */
      firstChoice() {
        return new Promise((resolve3) => {
          const done = () => {
            clearTimeout(timer);
            this.firstChosen = null;
            resolve3();
          };
          const timer = setTimeout(done, FIRST_CHOICE_WAIT_MS);
          this.firstChosen = done;
        });
      }
      /** Opens worker tab `i`. */
      async open(i) {
        const b = Array.isArray(this.opts.backend) ? this.opts.backend[i] : this.opts.backend;
        const query = new URLSearchParams();
        if (b) query.set("backend", b);
        const delay = this.opts.delays?.[i] ?? 0;
        if (delay > 0) query.set("delay", String(delay));
        if (this.opts.token) query.set("token", this.opts.token);
        const path = `/worker.html${query.size ? `?${query}` : ""}`;
        const onLog = (line2) => {
          if (i === 0 && /^(tabswarm: backend |page error|page crashed|console error)/.test(line2)) this.firstChosen?.();
          this.opts.onLog?.(i, line2);
        };
        const origin = await this.relayOrigin(i);
        if (this.opts.plain) await this.plainTab(i, origin + path, onLog);
        else this.pages.push(await this.page(path, onLog, origin));
      }
      /** Starts tab `i`'s relay when it has a link, and returns the origin the tab should open. */
      async relayOrigin(i) {
        const link = Array.isArray(this.opts.link) ? this.opts.link[i] : this.opts.link;
        if (!link) {
          this.tabRelays[i] = null;
          return this.opts.url;
        }
        const url = new URL(this.opts.url);
        if (url.protocol !== "http:") throw new Error(`fleet: a tab link needs an http:// coordinator url, got ${this.opts.url}`);
        const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
        const relay = new WanRelay({ target: { host, port: Number(url.port || 80) }, link, seed: i + 1 });
        this.tabRelays[i] = relay;
        return `http://127.0.0.1:${await relay.start()}`;
      }
      /** Per tab, its WAN relay (null where the tab has no link), e.g. to read the bytes it carried. */
      relays() {
        return [...this.tabRelays];
      }
      /**
       * Opens a page in a browser context made through DevTools, which Playwright leaves alone, and
       * watches it through its own session with only the Runtime and Inspector domains on (no network events), and
       * the Page domain where it seeds remembered backend choices (a few events while the page loads).
       */
      async plainTab(index, url, onLog, restarts = 0) {
        const cdp = this.cdp ??= await this.watchPlainTabs();
        const { browserContextId } = await cdp.send("Target.createBrowserContext");
        const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank", browserContextId });
        const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: false });
        const tab = { index, url, targetId, browserContextId, sessionId, nextId: 0, replies: /* @__PURE__ */ new Map(), onLog, restarts, shown: {} };
        this.plainTabs[index] = tab;
        this.plainBySession.set(sessionId, tab);
        await this.send(tab, "Runtime.enable");
        await this.send(tab, "Inspector.enable");
        if (this.choices) {
          await this.send(tab, "Page.enable");
          await this.send(tab, "Page.addScriptToEvaluateOnNewDocument", { source: this.choices.seedScript() });
        }
        await this.send(tab, "Page.navigate", { url });
      }
      /** Sends a DevTools command to a plain tab and waits for its reply. */
      async send(tab, method, params = {}) {
        const id = ++tab.nextId;
        const reply = new Promise((resolve3, reject) => tab.replies.set(id, { resolve: resolve3, reject }));
        await this.cdp.send("Target.sendMessageToTarget", { sessionId: tab.sessionId, message: JSON.stringify({ id, method, params }) });
        return reply;
      }
      /**
       * Each tab's status as its worker page shows it (the page's [data-testid] fields, see TabStatus),
       * with how often the fleet reopened it; null for a tab being reopened. Plain tabs only.
       */
      async tabStatus() {
        return Promise.all(this.plainTabs.map(async (tab) => {
          if (!tab || this.plainBySession.get(tab.sessionId) !== tab) return null;
          const answer = this.send(tab, "Runtime.evaluate", { expression: READ_STATUS, returnByValue: true }).then((r) => {
            tab.shown = JSON.parse(String(r?.result?.value ?? "{}"));
          }, () => void 0);
          await Promise.race([answer, new Promise((r) => setTimeout(r, 2e3).unref())]);
          return { fields: tab.shown, restarts: tab.restarts };
        }));
      }
      /** Opens plain tab `i`'s worker page again (e.g. after the coordinator could not be reached). */
      async reload(i) {
        const tab = this.plainTabs[i];
        if (tab && this.plainBySession.get(tab.sessionId) === tab) await this.send(tab, "Page.navigate", { url: tab.url });
      }
      /** A plain tab crashed or was closed: forgets it and, with restartTabs, reopens it after a pause. */
      lost(tab, what) {
        if (this.stopping || this.plainBySession.get(tab.sessionId) !== tab) return;
        this.plainBySession.delete(tab.sessionId);
        for (const r of tab.replies.values()) r.reject(new Error(`tab ${what}`));
        tab.replies.clear();
        tab.onLog(what === "crashed" ? "page crashed" : "page closed");
        void this.cdp?.send("Target.closeTarget", { targetId: tab.targetId }).catch(() => void 0).then(() => this.cdp?.send("Target.disposeBrowserContext", { browserContextId: tab.browserContextId }).catch(() => void 0));
        if (!this.opts.restartTabs) return;
        setTimeout(() => {
          if (this.stopping) return;
          tab.onLog(`reopening the tab (restart ${tab.restarts + 1})`);
          this.plainTab(tab.index, tab.url, tab.onLog, tab.restarts + 1).catch((e) => {
            if (!this.stopping) tab.onLog(`cannot reopen the tab: ${e instanceof Error ? e.message : String(e)}`);
          });
        }, this.opts.restartDelayMs ?? 1e3).unref();
      }
      async watchPlainTabs() {
        const cdp = await this.browser.newBrowserCDPSession();
        cdp.on("Target.detachedFromTarget", ({ sessionId }) => {
          const tab = this.plainBySession.get(sessionId);
          if (tab) this.lost(tab, "closed");
        });
        cdp.on("Target.receivedMessageFromTarget", ({ sessionId, message }) => {
          const tab = this.plainBySession.get(sessionId);
          if (!tab) return;
          const { id, result, error, method, params } = JSON.parse(message);
          if (id !== void 0) {
            const waiting = tab.replies.get(id);
            tab.replies.delete(id);
            if (error) waiting?.reject(new Error(error.message));
            else waiting?.resolve(result);
          } else if (method === "Runtime.consoleAPICalled" && params?.type === "info") {
            this.info((params.args ?? []).map((a) => a.value), tab.onLog);
          } else if (method === "Runtime.consoleAPICalled" && params?.type === "error") {
            tab.onLog(`console error: ${(params.args ?? []).map((a) => a.description ?? String(a.value)).join(" ")}`);
          } else if (method === "Runtime.exceptionThrown" && params?.exceptionDetails) {
            tab.onLog(`page error: ${params.exceptionDetails.exception?.description ?? params.exceptionDetails.text}`);
          } else if (method === "Inspector.targetCrashed") {
            this.lost(tab, "crashed");
          }
        });
        return cdp;
      }
      /**
       * A tab's console.info line: a backend choice to remember, or a line of the worker page's own
       * ("tabswarm: ..." alone, e.g. that it times backends) for the log.
       */
      info(args, onLog) {
        if (this.choices?.take(args, (e) => onLog(`cannot save backend choices: ${String(e)}`))) return;
        if (args.length === 1 && typeof args[0] === "string" && args[0].startsWith("tabswarm: ")) onLog(args[0]);
      }
      /**
       * Opens any page of the coordinator in a fresh browser context (its own renderer process);
       * `origin` is the coordinator's url or a relay's in front of it.
       */
      async page(path, onLog, origin = this.opts.url) {
        if (!this.browser) throw new Error("fleet not started");
        const context = await this.browser.newContext();
        if (this.choices) await context.addInitScript(this.choices.seedScript());
        const page = await context.newPage();
        page.on("console", (m2) => {
          if (m2.type() === "error") onLog?.(`console error: ${m2.text()}`);
          if (m2.type() === "info") void Promise.all(m2.args().map((a) => a.jsonValue())).then((args) => this.info(args, (line2) => onLog?.(line2)), () => {
          });
        });
        page.on("pageerror", (e) => onLog?.(`page error: ${e.message}`));
        page.on("crash", () => onLog?.("page crashed"));
        await page.goto(origin + path);
        return page;
      }
      async stop() {
        this.stopping = true;
        await this.choices?.flushed();
        await this.browser?.close();
        this.browser = null;
        this.cdp = null;
        this.plainBySession.clear();
        this.plainTabs.length = 0;
        await Promise.all(this.tabRelays.map((r) => r?.stop()));
        this.tabRelays.length = 0;
      }
    };
  }
});

// cli/main.ts
import { readFileSync } from "node:fs";
import { Command as Command5, CommanderError } from "commander";

// cli/start.ts
init_config();
init_protocol();
init_registry();
init_updateCodec();
import { Command, Option } from "commander";
import { existsSync as existsSync4, statSync } from "node:fs";
import { mkdir as mkdir3, readFile as readFile5, rm as rm2, writeFile as writeFile4 } from "node:fs/promises";
import { dirname as dirname4, join as join5, resolve as resolve2 } from "node:path";
import cliProgress from "cli-progress";

// server/coordinator.ts
init_config();
init_protocol();
init_metrics();
init_registry();
init_params();
init_modelSpec();
import { EventEmitter } from "node:events";
import { Server } from "socket.io";

// server/checkpoint/runState.ts
init_protocol();
import { z as z4 } from "zod";

// server/checkpoint/checkpoint.ts
init_config();
init_codec();
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { crc32 } from "node:zlib";
import { z as z3 } from "zod";
function show2(x) {
  if (x === void 0) return "nothing (missing)";
  let s;
  try {
    s = JSON.stringify(x) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
var count = () => {
  const error = (iss) => `must be an integer >= 0, got ${show2(iss.input)}`;
  return z3.int({ error }).min(0, { error });
};
var jsonObject = (what) => z3.record(z3.string(), z3.unknown(), { error: (iss) => `must be ${what}, got ${show2(iss.input)}` });
var headerSchema = z3.object({
  format: z3.literal(1, { error: (iss) => `unsupported checkpoint format ${show2(iss.input)}, expected 1` }),
  envId: z3.string({ error: (iss) => `must be a non-empty string, got ${show2(iss.input)}` }).min(1, { error: 'must be a non-empty string, got ""' }),
  config: jsonObject("an object"),
  version: count(),
  envSteps: count(),
  paramCount: count(),
  adamT: count(),
  savedAt: z3.iso.datetime({ error: (iss) => `must be an ISO date-time string, got ${show2(iss.input)}` }),
  // The coordinator's run state (normalization statistics and the like): any JSON object, or absent.
  extra: jsonObject("a JSON object when present").optional()
}, {
  error: (iss) => iss.code === "unrecognized_keys" ? `unknown field${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}` : `must be a JSON object, got ${show2(iss.input)}`
}).strict();
function parseHeader(x, prefix = "") {
  const r = headerSchema.safeParse(x);
  if (r.success) return r.data;
  const issue = r.error.issues.find((i) => i.path[0] === "format") ?? r.error.issues[0];
  const where = ["header", ...issue.path.map(String)].join(".");
  throw new CheckpointError(`${prefix}${where}: ${issue.message}`);
}
var CheckpointError = class extends Error {
  name = "CheckpointError";
};
var MAGIC = "TSWCKPT1";
var PREFIX = MAGIC.length + 4;
var align4 = (n) => n + 3 & ~3;
function encodeCheckpoint(ck, savedAt = (/* @__PURE__ */ new Date()).toISOString()) {
  const n = ck.params.length;
  if (ck.adam.m.length !== n || ck.adam.v.length !== n) {
    throw new CheckpointError(`cannot save: params (${n}), adam m (${ck.adam.m.length}) and v (${ck.adam.v.length}) differ in length`);
  }
  for (const [name, a] of [["params", ck.params], ["adam m", ck.adam.m], ["adam v", ck.adam.v]]) {
    const i = firstNonFinite(a);
    if (i >= 0) throw new CheckpointError(`cannot save: ${name} has a non-finite value at index ${i}`);
  }
  const header = {
    format: 1,
    envId: ck.envId,
    config: ck.config,
    version: ck.version,
    envSteps: ck.envSteps,
    paramCount: n,
    adamT: ck.adam.t,
    savedAt,
    extra: ck.extra
  };
  parseHeader(header, "cannot save: ");
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(PREFIX + json.length);
  const out = new Uint8Array(dataStart + 3 * n * 4 + 4);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  dv.setUint32(MAGIC.length, json.length, true);
  out.set(json, PREFIX);
  [ck.params, ck.adam.m, ck.adam.v].forEach((a, k) => {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataStart + k * n * 4);
  });
  dv.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}
function decodeCheckpoint(bytes) {
  if (bytes.length < PREFIX + 4) throw new CheckpointError(`file too short (${bytes.length} bytes) to be a checkpoint`);
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new CheckpointError(`bad magic ${JSON.stringify(magic)}, expected "${MAGIC}": not a tabswarm checkpoint`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = dv.getUint32(MAGIC.length, true);
  if (PREFIX + headerLength + 4 > bytes.length) {
    throw new CheckpointError(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  }
  let header;
  let jsonError = null;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch (e) {
    jsonError = e.message;
  }
  const dataStart = align4(PREFIX + headerLength);
  const paramCount2 = header?.paramCount;
  if (Number.isInteger(paramCount2) && paramCount2 >= 0) {
    const expected = dataStart + 3 * paramCount2 * 4 + 4;
    if (bytes.length !== expected) {
      throw new CheckpointError(`file is ${bytes.length} bytes but its header (paramCount ${paramCount2}) implies ${expected}: ${bytes.length < expected ? "truncated" : "trailing data"}`);
    }
  }
  const stored = dv.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) {
    throw new CheckpointError(`CRC mismatch: stored ${hex(stored)}, computed ${hex(actual)} (file corrupted)`);
  }
  if (jsonError !== null) throw new CheckpointError(`header is not valid UTF-8 JSON: ${jsonError}`);
  const h = checkHeader(header);
  const n = h.paramCount;
  if (bytes.length !== dataStart + 3 * n * 4 + 4) throw new CheckpointError(`paramCount ${n} does not match the file length ${bytes.length}`);
  const arrays = [0, 1, 2].map((k) => {
    const a = new Float32Array(n);
    new Uint8Array(a.buffer).set(bytes.subarray(dataStart + k * n * 4, dataStart + (k + 1) * n * 4));
    return a;
  });
  const [params, m2, v] = arrays;
  for (const [name, a] of [["params", params], ["adam m", m2], ["adam v", v]]) {
    const i = firstNonFinite(a);
    if (i >= 0) throw new CheckpointError(`${name} has a non-finite value (${a[i]}) at index ${i}`);
  }
  const negV = v.findIndex((x) => x < 0);
  if (negV >= 0) throw new CheckpointError(`adam v is negative (${v[negV]}) at index ${negV}`);
  return {
    envId: h.envId,
    config: h.config,
    version: h.version,
    envSteps: h.envSteps,
    params,
    adam: { m: m2, v, t: h.adamT },
    ...h.extra !== void 0 ? { extra: h.extra } : {},
    savedAt: h.savedAt
  };
}
function checkHeader(x) {
  const h = parseHeader(x);
  const config = { ...baseConfig, ...h.config };
  try {
    validateConfig(config);
  } catch (e) {
    if (e instanceof ConfigError) throw new CheckpointError(`header.config is invalid: ${e.message}`);
    throw e;
  }
  if (config.envId !== h.envId) throw new CheckpointError(`header.envId ${h.envId} differs from config.envId ${config.envId}`);
  return { ...h, config };
}
var hex = (n) => `0x${n.toString(16).padStart(8, "0")}`;
async function saveCheckpoint(path, ck) {
  const bytes = encodeCheckpoint(ck);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
async function loadCheckpoint(path) {
  let bytes;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new CheckpointError(`${path}: cannot read checkpoint: ${e.message}`, { cause: e });
  }
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    if (e instanceof CheckpointError) e.message = `${path}: ${e.message}`;
    throw e;
  }
}

// server/checkpoint/runState.ts
var count2 = z4.number().int().nonnegative();
var stats = z4.array(z4.number().finite()).nullable().optional();
var runStateSchema = z4.object({
  norm: z4.object({ obs: stats, ret: stats }).optional(),
  counts: z4.object({
    accepted: count2,
    rejected: z4.partialRecord(z4.enum(REJECT_REASONS), count2)
  }).optional(),
  stalenessHistogram: z4.array(count2).optional(),
  tracker: z4.object({ envSteps: count2, episodes: count2, recentReturns: z4.array(z4.number().finite()), wallS: z4.number().finite().nonnegative().optional() }).optional(),
  outerVelocity: z4.array(z4.number().finite()).optional(),
  workers: z4.array(z4.object({
    workerId: z4.string().min(1).max(64),
    workerIndex: count2,
    resumeToken: z4.string().min(1).max(128),
    backend: z4.enum(BACKENDS),
    adapter: z4.string().max(1e3),
    joinedAt: z4.number().finite(),
    accepted: count2,
    rejected: count2,
    envSteps: count2,
    offences: count2,
    clean: count2.default(0),
    quarantined: z4.boolean(),
    probation: z4.boolean().default(false),
    address: z4.string().max(100).default("unknown")
  })).optional()
});
function runStateExtra(s) {
  return {
    norm: { obs: s.norm.obs ? Array.from(s.norm.obs) : null, ret: s.norm.ret ? Array.from(s.norm.ret) : null },
    counts: s.counts,
    stalenessHistogram: s.stalenessHistogram,
    tracker: s.tracker,
    outerVelocity: s.outerVelocity && Array.from(s.outerVelocity),
    workers: s.workers
  };
}
function checkpointRunState(ck) {
  const parsed = runStateSchema.safeParse(ck.extra ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new CheckpointError(`checkpoint run state: extra.${i.path.join(".")}: ${i.message}`);
  }
  const { norm, counts, stalenessHistogram, tracker, outerVelocity, workers: workers2 } = parsed.data;
  const arr = (x) => x ? Float64Array.from(x) : void 0;
  return {
    norm: { obs: arr(norm?.obs), ret: arr(norm?.ret) },
    counts: counts && { accepted: counts.accepted, rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, counts.rejected[r] ?? 0])) },
    stalenessHistogram,
    tracker,
    outerVelocity: outerVelocity && Float32Array.from(outerVelocity),
    workers: workers2
  };
}

// server/net/httpServer.ts
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { existsSync } from "node:fs";
import sirv from "sirv";
var TextReply = class {
  constructor(contentType, body, headers = {}) {
    this.contentType = contentType;
    this.body = body;
    this.headers = headers;
  }
  contentType;
  body;
  headers;
};
function send(res, body) {
  if (body instanceof TextReply) {
    res.writeHead(200, { ...body.headers, "content-type": body.contentType });
    res.end(body.body);
  } else {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }
}
function fail(res, err) {
  if (res.headersSent) return void res.destroy();
  res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
  res.end(`route failed: ${err instanceof Error ? err.message : String(err)}`);
}
function createHttpServer(opts) {
  const serveStatic = opts.staticDir && existsSync(opts.staticDir) ? sirv(opts.staticDir, { dev: false, etag: true }) : null;
  const handle = (req, res) => {
    if (opts.crossOriginIsolation) {
      res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = opts.routes[url.pathname];
    if (route) {
      let body;
      try {
        body = route(url.searchParams);
      } catch (err) {
        return fail(res, err);
      }
      if (body instanceof Promise) body.then((b) => send(res, b), (err) => fail(res, err));
      else send(res, body);
      return;
    }
    if (url.pathname === "/worker") {
      res.writeHead(302, { location: `/worker.html${url.search}` });
      res.end();
      return;
    }
    if (serveStatic) return serveStatic(req, res, () => {
      res.writeHead(404);
      res.end("not found");
    });
    res.writeHead(404);
    res.end("client not built: run `npm run build`");
  };
  return opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handle) : createServer(handle);
}

// server/net/tls.ts
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { readFile as readFile2, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generate } from "selfsigned";

// server/net/addresses.ts
import { networkInterfaces } from "node:os";
var ANY_HOST = /* @__PURE__ */ new Set(["0.0.0.0", "::", ""]);
var LOOPBACK = /* @__PURE__ */ new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
function externalAddresses(ipv6 = true) {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => !a.internal && (a.family === "IPv4" || ipv6 && !a.address.toLowerCase().startsWith("fe80:"))).map((a) => a.address));
}
var urlHost = (host) => host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
function reachableHosts(host, names = []) {
  let hosts;
  if (ANY_HOST.has(host)) {
    hosts = externalAddresses(host !== "0.0.0.0");
    if (hosts.length === 0) hosts = ["localhost"];
  } else {
    hosts = [LOOPBACK.has(host) ? "localhost" : host];
  }
  return [.../* @__PURE__ */ new Set([...names, ...hosts])];
}
function reachableOrigins(host, port, tls, names = []) {
  return reachableHosts(host, names).map((h) => `${tls ? "https" : "http"}://${urlHost(h)}:${port}`);
}

// server/net/tls.ts
init_config();
var SELF_SIGNED_CERT = "tls-cert.pem";
var SELF_SIGNED_KEY = "tls-key.pem";
var VALID_DAYS = 365;
var RENEW_BEFORE_MS = 24 * 3600 * 1e3;
async function readTlsFiles(certFile, keyFile) {
  const read = async (file, flag2) => {
    const text = await readFile2(file, "utf8").catch((e) => {
      throw new ConfigError(`${flag2} ${file}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!text.includes("-----BEGIN ")) throw new ConfigError(`${flag2} ${file}: not a PEM file`);
    return text;
  };
  const files = { cert: await read(certFile, "--tls-cert"), key: await read(keyFile, "--tls-key") };
  try {
    new X509Certificate(files.cert);
  } catch (e) {
    throw new ConfigError(`--tls-cert ${certFile}: not a certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  return files;
}
function selfSignedNames(host, extra = []) {
  const names = ["localhost", "127.0.0.1", "::1", ...extra];
  if (ANY_HOST.has(host)) names.push(hostname(), ...externalAddresses());
  else names.push(host.replace(/^\[(.*)\]$/, "$1"));
  return [...new Set(names)];
}
function covers(cert, name) {
  return isIP(name) ? cert.checkIP(name) !== void 0 : cert.checkHost(name, { wildcards: false }) !== void 0;
}
async function selfSignedTls(dir, names) {
  const certPath = join(dir, SELF_SIGNED_CERT);
  const keyPath = join(dir, SELF_SIGNED_KEY);
  const kept = await Promise.all([readFile2(certPath, "utf8"), readFile2(keyPath, "utf8")]).catch(() => null);
  if (kept) {
    try {
      const cert = new X509Certificate(kept[0]);
      if (Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS && names.every((n) => covers(cert, n))) return { cert: kept[0], key: kept[1], made: false };
    } catch {
    }
  }
  const now = /* @__PURE__ */ new Date();
  const pems = await generate([{ name: "commonName", value: "tabswarm coordinator (self-signed)" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 24 * 3600 * 1e3),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: names.map((n) => isIP(n) ? { type: 7, ip: n } : { type: 2, value: n }) }
    ]
  });
  await writeFile(keyPath, pems.private, { mode: 384 });
  await writeFile(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private, made: true };
}
function certificateDnsNames(certPem) {
  const cert = new X509Certificate(certPem);
  const sans = (cert.subjectAltName ?? "").split(", ").filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4));
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1];
  const names = sans.length ? sans : cn && !cn.includes(" ") ? [cn] : [];
  return names.filter((n) => !n.includes("*"));
}

// server/net/paramsSnapshots.ts
import { WebSocket, WebSocketServer } from "ws";
var Snapshot = class {
  constructor(bytes, owner) {
    this.bytes = bytes;
    this.owner = owner;
  }
  bytes;
  owner;
  version = -1;
  /** Replies handed this copy whose socket write has not completed. */
  pending = 0;
  /** One reply carrying this copy has been written (or its write failed: the bytes are no longer read). */
  written() {
    this.pending--;
    this.owner.release(this);
  }
};
var owners = /* @__PURE__ */ new WeakMap();
var MAX_IDLE = 8;
var ParamsSnapshots = class {
  /** `params`: the live parameters, which change in place with each version. */
  constructor(params) {
    this.params = params;
  }
  params;
  /** Copies allocated so far (the rest of the versions sent reused one). */
  made = 0;
  latest = null;
  idle = [];
  /**
   * The bytes of `params` at `version`, for one reply: call once per reply that carries them.
   * They stay unchanged until that reply has been written.
   */
  current(version3) {
    if (this.latest?.version !== version3) {
      const old = this.latest;
      const s = this.idle.pop() ?? this.fresh();
      s.bytes.set(new Uint8Array(this.params.buffer, this.params.byteOffset, this.params.byteLength));
      s.version = version3;
      this.latest = s;
      if (old) this.release(old);
    }
    this.latest.pending++;
    return this.latest.bytes;
  }
  /** Returns a copy to the pool once it is neither the latest nor waiting on a write. */
  release(s) {
    if (s !== this.latest && s.pending === 0 && this.idle.length < MAX_IDLE) this.idle.push(s);
  }
  fresh() {
    const s = new Snapshot(Buffer.allocUnsafeSlow(this.params.byteLength), this);
    this.made++;
    owners.set(s.bytes.buffer, s);
    return s;
  }
};
var TrackingWebSocket = class extends WebSocket {
  send(data, options, cb) {
    const done = typeof options === "function" ? options : cb;
    const opts = typeof options === "function" ? {} : options ?? {};
    const s = ArrayBuffer.isView(data) ? owners.get(data.buffer) : void 0;
    if (!s) return super.send(data, opts, done);
    super.send(data, opts, (err) => {
      s.written();
      done?.(err);
    });
  }
};
var TrackingWebSocketServer = class extends WebSocketServer {
  constructor(options, callback) {
    super({ ...options, WebSocket: TrackingWebSocket }, callback);
  }
};

// server/updates/parameterServer.ts
init_codec();
init_updateCodec();

// shared/ppo/adam.ts
var wasm = globalThis.WebAssembly;
var Adam = class {
  constructor(size, opts) {
    this.size = size;
    this.opts = opts;
    if (!Number.isInteger(size) || size < 0 || size > 2 ** 28) throw new RangeError(`Adam: size must be an integer in [0, 2^28], got ${size}`);
    this.stride = Math.ceil(size / 4) * 16;
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(4 * this.stride / 65536)) });
    const exports = new wasm.Instance(adamModule(), { env: { memory } }).exports;
    this.run = exports.step;
    this.sumSquares = exports.sumSquares;
    const view = (k) => new Float32Array(memory.buffer, k * this.stride, size);
    [this.params, this.grad, this.m, this.v] = [view(0), view(1), view(2), view(3)];
  }
  size;
  opts;
  /** The parameters the steps update, in place. */
  params;
  /** Where `step` reads the gradient; a caller may decode straight into it. */
  grad;
  /** First moment estimate. */
  m;
  /** Second moment estimate. */
  v;
  /** Steps taken so far. */
  t = 0;
  run;
  sumSquares;
  /** Bytes per array, a multiple of 16 (one SIMD vector); the padding stays zero and never moves. */
  stride;
  /**
   * One step on `params` in place with `grad` (copied into `this.grad` unless it is that array)
   * multiplied by `gradScale` first (global-norm clipping); `grad` is not modified.
   */
  step(grad, lr, gradScale = 1) {
    if (grad.length !== this.size) throw new Error(`Adam.step: expected ${this.size} grads, got ${grad.length}`);
    if (grad !== this.grad) this.grad.set(grad);
    const { beta1, beta2, eps } = this.opts;
    this.t += 1;
    const stepSize2 = lr / (1 - beta1 ** this.t);
    const invSqrtBc2 = 1 / Math.sqrt(1 - beta2 ** this.t);
    const s = this.stride;
    this.run(s, 0, s, 2 * s, 3 * s, beta1, beta2, 1 - beta1, 1 - beta2, stepSize2, invSqrtBc2, eps, gradScale);
  }
  /**
   * The L2 norm of `this.grad`, summed in float64 (NaN or Infinity when an element is), in a
   * fraction of the time a JavaScript loop takes (`l2Norm` in ../codec.ts).
   */
  gradNorm() {
    return Math.sqrt(this.sumSquares(this.stride, this.stride));
  }
  /** Copies of the optimizer state, for checkpoints. */
  state() {
    return { m: this.m.slice(), v: this.v.slice(), t: this.t };
  }
  /** Restores state saved by `state()`; throws if lengths or the step count do not fit. */
  loadState(s) {
    if (s.m.length !== this.size || s.v.length !== this.size) {
      throw new Error(`Adam.loadState: expected m and v of length ${this.size}, got ${s.m.length} and ${s.v.length}`);
    }
    if (!Number.isInteger(s.t) || s.t < 0) throw new Error(`Adam.loadState: t must be an integer >= 0, got ${s.t}`);
    this.m.set(s.m);
    this.v.set(s.v);
    this.t = s.t;
  }
};
var compiled = null;
function adamModule() {
  compiled ??= new wasm.Module(assembleAdam());
  return compiled;
}
function assembleAdam() {
  const leb = (n) => {
    const out = [];
    do {
      const b = n & 127;
      n >>>= 7;
      out.push(n ? b | 128 : b);
    } while (n);
    return out;
  };
  const name = (s) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  const vec = (items) => [...leb(items.length), ...items.flat()];
  const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
  const [I32, F64, F32, V128] = [127, 124, 125, 123];
  const [BYTES, P, G, M2, V, BETA1, BETA2, A1, A2, STEP, INV_SQRT_BC2, EPS, SCALE2, I, GS, MI, VI] = Array.from({ length: 17 }, (_, k) => k);
  const get = (l2) => [32, l2];
  const set = (l2) => [33, l2];
  const simd = (op) => [253, ...leb(op)];
  const ALIGN16 = [4, 0];
  const at = (base) => [...get(base), ...get(I), 106];
  const load = (base) => [...at(base), ...simd(0), ...ALIGN16];
  const store = (base, value) => [...at(base), ...value, ...simd(11), ...ALIGN16];
  const splat = (l2) => [...get(l2), ...simd(19)];
  const [SQRT, ADD, SUB, MUL, DIV] = [simd(227), simd(228), simd(229), simd(230), simd(231)];
  const body = [
    ...vec([[1, I32], [3, V128]]),
    2,
    64,
    3,
    64,
    // block, loop
    ...get(I),
    ...get(BYTES),
    79,
    13,
    1,
    // if i >= bytes (i32.ge_u): leave the block (br_if 1)
    ...load(G),
    ...splat(SCALE2),
    ...MUL,
    ...set(GS),
    ...splat(BETA1),
    ...load(M2),
    ...MUL,
    ...splat(A1),
    ...get(GS),
    ...MUL,
    ...ADD,
    ...set(MI),
    ...splat(BETA2),
    ...load(V),
    ...MUL,
    ...splat(A2),
    ...get(GS),
    ...get(GS),
    ...MUL,
    ...MUL,
    ...ADD,
    ...set(VI),
    ...store(M2, get(MI)),
    ...store(V, get(VI)),
    ...store(P, [...load(P), ...splat(STEP), ...get(MI), ...MUL, ...get(VI), ...SQRT, ...splat(INV_SQRT_BC2), ...MUL, ...splat(EPS), ...ADD, ...DIV, ...SUB]),
    ...get(I),
    65,
    16,
    106,
    ...set(I),
    // i += 16 (i32.const, i32.add)
    12,
    0,
    // br to the loop
    11,
    11,
    11
    // end loop, end block, end function
  ];
  const [AT, SQ_BYTES, J, SUM0, SUM1, X, W2] = Array.from({ length: 7 }, (_, k) => k);
  const [PROMOTE_LOW, F64X2_ADD, F64X2_MUL] = [simd(95), simd(240), simd(242)];
  const HIGH_TO_LOW = [...simd(13), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const addSquares = (sum, widen) => [...get(sum), ...widen, 34, W2, ...get(W2), ...F64X2_MUL, ...F64X2_ADD, ...set(sum)];
  const sumSquaresBody = [
    ...vec([[1, I32], [4, V128]]),
    2,
    64,
    3,
    64,
    // block, loop
    ...get(J),
    ...get(SQ_BYTES),
    79,
    13,
    1,
    // if j >= bytes: leave the block
    ...get(AT),
    ...get(J),
    106,
    ...simd(0),
    ...ALIGN16,
    ...set(X),
    // x = v128.load(at + j)
    ...addSquares(SUM0, [...get(X), ...PROMOTE_LOW]),
    ...addSquares(SUM1, [...get(X), ...get(X), ...HIGH_TO_LOW, ...PROMOTE_LOW]),
    ...get(J),
    65,
    16,
    106,
    ...set(J),
    // j += 16
    12,
    0,
    // br to the loop
    11,
    11,
    // end loop, end block
    ...get(SUM0),
    ...get(SUM1),
    ...F64X2_ADD,
    34,
    W2,
    ...simd(33),
    0,
    ...get(W2),
    ...simd(33),
    1,
    160,
    // lane 0 + lane 1 (f64x2.extract_lane, f64.add)
    11
    // end function
  ];
  return new Uint8Array([
    0,
    97,
    115,
    109,
    1,
    0,
    0,
    0,
    // "\0asm", version 1
    ...section(1, vec([
      [96, ...vec([[I32], [I32], [I32], [I32], [I32], ...Array.from({ length: 8 }, () => [F32])]), 0],
      // type 0: step
      [96, ...vec([[I32], [I32]]), ...vec([[F64]])]
      // type 1: sumSquares
    ])),
    ...section(2, vec([[...name("env"), ...name("memory"), 2, 0, 1]])),
    // import env.memory, at least 1 page
    ...section(3, vec([[0], [1]])),
    // function k has type k
    ...section(7, vec([[...name("step"), 0, 0], [...name("sumSquares"), 0, 1]])),
    // exports
    ...section(10, vec([[...leb(body.length), ...body], [...leb(sumSquaresBody.length), ...sumSquaresBody]]))
    // code
  ]);
}

// server/updates/gate.ts
function stalenessDecision(current, gradVersion, maxStaleness, rolloutVersion = gradVersion, maxPolicyLag = null) {
  const staleness = current - gradVersion;
  if (!Number.isInteger(gradVersion) || gradVersion < 0 || gradVersion > current) {
    return { accept: false, reason: "malformed", staleness };
  }
  if (!Number.isInteger(rolloutVersion) || rolloutVersion < 0 || rolloutVersion > gradVersion) {
    return { accept: false, reason: "malformed", staleness };
  }
  if (staleness > maxStaleness) return { accept: false, reason: "stale", staleness };
  if (maxPolicyLag !== null && current - rolloutVersion > maxPolicyLag) return { accept: false, reason: "policyLag", staleness };
  return { accept: true, staleness };
}

// server/updates/outerSgd.ts
var OuterSgd = class {
  constructor(size, momentum) {
    this.momentum = momentum;
    this.velocity = new Float32Array(size);
  }
  momentum;
  /** Momentum buffer; all zeros while momentum is 0. */
  velocity;
  step(params, delta, lr) {
    const mu = this.momentum;
    const vel = this.velocity;
    if (mu === 0) {
      for (let i = 0; i < params.length; i++) params[i] += lr * delta[i];
      return;
    }
    for (let i = 0; i < params.length; i++) {
      const v = mu * vel[i] + delta[i];
      vel[i] = v;
      params[i] += lr * (delta[i] + mu * v);
    }
  }
};

// server/updates/parameterServer.ts
var refuse = (reason, error) => ({ accepted: false, reason, error });
var ParameterServer = class {
  constructor(initialParams, cfg) {
    this.cfg = cfg;
    this.adam = new Adam(initialParams.length, { beta1: cfg.adamBeta1, beta2: cfg.adamBeta2, eps: cfg.adamEps });
    this.params = this.adam.params;
    this.params.set(initialParams);
    this.outer = new OuterSgd(initialParams.length, cfg.outerMomentum);
  }
  cfg;
  /** Number of optimizer steps taken; the version every update names. */
  version = 0;
  adam;
  outer;
  /** The live parameters, updated in place (the optimizer's own array). */
  params;
  /**
   * Rules 1-4 for an update computed at `gradVersion` from a rollout collected at
   * `rolloutVersion`: the decoded gradient (valid until the next check) or the refusal.
   * `maxStaleness` is the config's unless given (sync rounds pass 0).
   */
  check(gradBin, gradVersion, rolloutVersion = gradVersion, maxStaleness = this.cfg.maxStaleness) {
    let grad;
    try {
      grad = decodeUpdateInto(this.cfg.updateCodec, gradBin, this.adam.grad);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      return refuse(e.code === "notBinary" ? "malformed" : "wrongSize", e.message);
    }
    const gate = stalenessDecision(this.version, gradVersion, maxStaleness, rolloutVersion, this.cfg.maxPolicyLag);
    if (!gate.accept) {
      if (gate.reason === "stale") {
        return refuse("stale", `update computed at version ${gradVersion} is ${gate.staleness} versions old (current ${this.version}, maxStaleness ${maxStaleness})`);
      }
      if (gate.reason === "policyLag") {
        return refuse("policyLag", `rollout collected at version ${rolloutVersion} is ${this.version - rolloutVersion} versions old (maxPolicyLag ${this.cfg.maxPolicyLag}): collect a new one`);
      }
      return refuse("malformed", `versions must be integers with 0 <= rolloutVersion <= version <= ${this.version}, got ${String(rolloutVersion)} and ${String(gradVersion)}`);
    }
    const gradNorm = this.adam.gradNorm();
    if (!Number.isFinite(gradNorm)) {
      const bad = firstNonFinite(grad);
      if (bad >= 0) return refuse("nonFinite", `gradient has a non-finite value (${grad[bad]}) at index ${bad}`);
    }
    if (gradNorm > this.cfg.maxUpdateNorm) {
      return refuse("normTooLarge", `gradient L2 norm ${gradNorm} exceeds maxUpdateNorm ${this.cfg.maxUpdateNorm}`);
    }
    return { accepted: true, grad, gradNorm, staleness: gate.staleness };
  }
  /** One optimizer step with a checked gradient: clip to maxGradNorm, Adam at `lr`, version += 1. */
  step(grad, gradNorm, lr) {
    const clipScale = Math.min(1, this.cfg.maxGradNorm / (gradNorm + 1e-6));
    this.adam.step(grad, lr, clipScale);
    this.version += 1;
  }
  /** One outer step along a checked local-mode delta at `lr`, version += 1. */
  stepDelta(delta, lr) {
    this.outer.step(this.params, delta, lr);
    this.version += 1;
  }
};

// server/updates/updatePipeline.ts
init_codec();
init_protocol();

// server/workers/workerRegistry.ts
import { randomUUID } from "node:crypto";

// shared/median.ts
function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m2 = s.length >> 1;
  return s.length % 2 ? s[m2] : (s[m2 - 1] + s[m2]) / 2;
}

// server/updates/robustAcceptance.ts
var MIN_FLEET = 3;
var NORM_WINDOW = 16;
var NORM_FACTOR = 4;
var WARMUP = 8;
var MEAN_WEIGHT = 0.2;
var COSINE_WEIGHT = 1 / 8;
var VOUCHED_UPDATES = 16;
var newcomerMinCosine = (size) => 2 / Math.sqrt(size);
var MAX_AWAY = 1e3;
var MIN_MEAN_COSINE = -0.2;
var RobustAcceptance = class _RobustAcceptance {
  constructor(size) {
    this.size = size;
    this.ref = new Float64Array(size);
    this.minNewcomerCosine = newcomerMinCosine(size);
  }
  size;
  workers = /* @__PURE__ */ new Map();
  /** Departed workers' standing (all but the average), oldest departure first. */
  away = /* @__PURE__ */ new Map();
  /** The newcomer's cosine threshold for this size (newcomerMinCosine). */
  minNewcomerCosine;
  /** Scratch: the reference a worker is judged against. */
  ref;
  /** Accepted updates seen. */
  count = 0;
  /** The fleet's norm: the median over workers of each one's median recent accepted norm (0 before any). */
  medianNorm() {
    const medians = [...this.workers.values()].filter((w) => w.norms.length > 0).map((w) => median(w.norms));
    return medians.length === 0 ? 0 : median(medians);
  }
  /** How much a worker's average counts in the reference others are judged against: its earned trust. */
  static weight(vouched) {
    return Math.min(1, vouched / VOUCHED_UPDATES);
  }
  /**
   * Cosine between `u` (of L2 norm `norm`) and the reference for `workerId` (see above); null
   * while there is no reference, 0 for a zero `u`.
   */
  cosineWithOthers(workerId, u, norm) {
    const ref = this.ref;
    ref.fill(0);
    const others = [...this.workers].filter(([id, w]) => id !== workerId && w.hasMean).map(([, w]) => w);
    if (others.some((w) => w.vouched > 0)) {
      for (const w of others) {
        const k = _RobustAcceptance.weight(w.vouched);
        for (let i = 0; i < ref.length; i++) ref[i] += k * w.mean[i];
      }
    } else if (others.length >= MIN_FLEET - 1) {
      for (const w of others) {
        let m2 = 0;
        for (let i = 0; i < ref.length; i++) m2 += w.mean[i] * w.mean[i];
        const k = m2 > 0 ? 1 / Math.sqrt(m2) : 0;
        for (let i = 0; i < ref.length; i++) ref[i] += k * w.mean[i];
      }
    }
    let dot = 0;
    let ref2 = 0;
    for (let i = 0; i < u.length; i++) {
      dot += u[i] * ref[i];
      ref2 += ref[i] * ref[i];
    }
    return ref2 === 0 ? null : norm === 0 ? 0 : dot / (norm * Math.sqrt(ref2));
  }
  /** Why `u` (of L2 norm `norm`) from `workerId` is an outlier, or null when it is not. */
  check(workerId, u, norm) {
    if (this.count >= WARMUP) {
      const median2 = this.medianNorm();
      if (norm > NORM_FACTOR * median2) {
        return `update L2 norm ${norm.toPrecision(3)} is more than ${NORM_FACTOR}x the fleet's median norm ${median2.toPrecision(3)}`;
      }
    }
    const cos = this.cosineWithOthers(workerId, u, norm);
    const w = this.worker(workerId);
    w.judgedLast = cos !== null;
    if (cos === null) return null;
    w.judged++;
    w.cosine += Math.max(1 / w.judged, COSINE_WEIGHT) * (cos - w.cosine);
    const newcomer = w.vouched < VOUCHED_UPDATES;
    const min = newcomer ? this.minNewcomerCosine : MIN_MEAN_COSINE;
    if (w.cosine < min) {
      return `this worker's updates do not point with the other workers' (average cosine ${w.cosine.toFixed(3)}, below ${min.toFixed(3)}${newcomer ? ` while a newcomer, its first ${VOUCHED_UPDATES} judged and accepted updates` : ""})`;
    }
    return null;
  }
  /** Folds an accepted update of `workerId` into its norms and its moving average. */
  accepted(workerId, u, norm) {
    const w = this.worker(workerId);
    w.norms[w.accepted % NORM_WINDOW] = norm;
    for (let i = 0; i < this.size; i++) w.mean[i] += MEAN_WEIGHT * (u[i] - w.mean[i]);
    w.hasMean = true;
    w.accepted++;
    if (w.judgedLast) w.vouched++;
    this.count++;
  }
  /** A worker was quarantined (or forgotten): nothing of it counts any more. */
  forget(workerId) {
    this.workers.delete(workerId);
    this.away.delete(workerId);
  }
  /**
   * A worker left: its average and norms no longer count (work from a departed worker is never
   * counted), but its standing (cosine average, vouched updates, so whether it is a newcomer) is kept for a
   * resume, for the last MAX_AWAY departures.
   */
  left(workerId) {
    const w = this.workers.get(workerId);
    if (!w) return;
    this.workers.delete(workerId);
    const { mean: _mean, hasMean: _hasMean, ...standing } = w;
    this.away.delete(workerId);
    this.away.set(workerId, { ...standing, norms: [] });
    if (this.away.size > MAX_AWAY) this.away.delete(this.away.keys().next().value);
  }
  worker(workerId) {
    let w = this.workers.get(workerId);
    if (!w) {
      const standing = this.away.get(workerId) ?? { cosine: 0, judged: 0, accepted: 0, vouched: 0, judgedLast: false, norms: [] };
      this.away.delete(workerId);
      this.workers.set(workerId, w = { ...standing, mean: new Float64Array(this.size), hasMean: false });
    }
    return w;
  }
};

// server/workers/workerRegistry.ts
init_protocol();

// server/workers/tickets.ts
var TICKETS_KEPT = 8;
function usesPerTicket(config) {
  if (config.updateMode === "local") return config.maxPushesInFlight;
  if (config.updateMode === "async" && config.pipelinePushes) return 2;
  return 1;
}
var TicketBook = class {
  constructor(maxUses) {
    this.maxUses = maxUses;
  }
  maxUses;
  next = 1;
  kept = [];
  /** A fresh ticket for params at `version`, to send with them. */
  issue(version3) {
    const t = { ticket: this.next++, version: version3, uses: 0 };
    this.kept.unshift(t);
    if (this.kept.length > TICKETS_KEPT) this.kept.pop();
    return t.ticket;
  }
  /** Forgets every ticket (the worker resumed: what it computed before does not count). */
  clear() {
    this.kept.length = 0;
  }
  /**
   * Whether `ticket` may carry an update computed at `version`: the ticket's record, or why not
   * ('badTicket' or 'replayed' with the error). Nothing is spent until `spend`.
   */
  check(ticket, version3) {
    const t = this.kept.find((k) => k.ticket === ticket);
    if (!t) return { reason: "badTicket", error: `ticket ${ticket} was not issued to this worker, or is too old (the last ${TICKETS_KEPT} are kept)` };
    if (t.version !== version3) return { reason: "badTicket", error: `ticket ${ticket} came with params at version ${t.version}, not ${version3}` };
    if (t.uses >= this.maxUses) return { reason: "replayed", error: `ticket ${ticket} has already carried ${t.uses} accepted update(s), the most one set of params can give` };
    return t;
  }
  /** Counts one accepted update against a ticket `check` returned. */
  spend(t) {
    t.uses++;
  }
};

// server/workers/addressMarks.ts
var REFUSE_ABOVE = 2;
var PROBATION_FROM = 0.25;
var FORGET_BELOW = 0.05;
var MAX_ADDRESSES = 1e4;
var AddressMarks = class {
  constructor(halfLifeMs, maxAddresses = MAX_ADDRESSES) {
    this.halfLifeMs = halfLifeMs;
    this.maxAddresses = maxAddresses;
  }
  halfLifeMs;
  maxAddresses;
  /** Marks as of `at`, by address; in order of the last mark, oldest first. */
  book = /* @__PURE__ */ new Map();
  get size() {
    return this.book.size;
  }
  /** The marks `address` holds at `now`. */
  marks(address2, now) {
    const m2 = this.book.get(address2);
    return m2 ? m2.marks * 2 ** (-Math.max(0, now - m2.at) / this.halfLifeMs) : 0;
  }
  /** Adds `amount` marks to `address` at `now`. */
  mark(address2, amount, now) {
    const marks = this.marks(address2, now) + amount;
    this.book.delete(address2);
    this.book.set(address2, { marks, at: now });
    for (const oldest of this.book.keys()) {
      if (this.book.size <= this.maxAddresses) break;
      this.book.delete(oldest);
    }
  }
  standing(address2, now) {
    const marks = this.marks(address2, now);
    const refusedForMs = marks > REFUSE_ABOVE ? this.halfLifeMs * Math.log2(marks / REFUSE_ABOVE) : 0;
    return { marks, refusedForMs, probation: marks >= PROBATION_FROM };
  }
  /** Forgets the addresses whose marks have decayed under FORGET_BELOW. */
  prune(now) {
    for (const address2 of [...this.book.keys()]) if (this.marks(address2, now) < FORGET_BELOW) this.book.delete(address2);
  }
};

// server/workers/trust.ts
var OFFENCES = /* @__PURE__ */ new Set([
  "badTicket",
  "replayed",
  "overQuota",
  "outlier",
  "nonFinite",
  "normTooLarge",
  "wrongSize",
  "failedCheck"
]);
var OFFENCE_WEIGHT = 4;
var QUARANTINE_BELOW = 0.5;
var MIN_OFFENCES = 5;
var PROBATION_UPDATES = 32;
var PROBATION_MIN_OFFENCES = 2;
function trustScore(accepted, offences) {
  return (accepted + 1) / (accepted + 1 + OFFENCE_WEIGHT * offences);
}
function offend(w, quarantine, atOnce = false) {
  w.offences++;
  w.trust = trustScore(w.accepted, w.offences);
  w.clean /= 2;
  if (!quarantine || w.quarantined) return false;
  if (!atOnce && (w.probation ? w.offences < PROBATION_MIN_OFFENCES : w.offences < MIN_OFFENCES || w.trust >= QUARANTINE_BELOW)) return false;
  w.quarantined = true;
  return true;
}
function earn(w, n = 1) {
  w.accepted += n;
  w.clean += n;
  w.trust = trustScore(w.accepted, w.offences);
  if (w.probation && w.accepted >= PROBATION_UPDATES) w.probation = false;
}
function earnedWeight(w, newcomerUpdates) {
  return Math.min(1, (w.accepted + 1) / (w.probation ? Math.max(PROBATION_UPDATES, newcomerUpdates) : newcomerUpdates));
}
function leftInDisgrace(w) {
  return !w.quarantined && w.offences > 0 && w.trust < QUARANTINE_BELOW;
}

// server/workers/workerRegistry.ts
var WORKER_INFO_KEYS = [
  "workerId",
  "workerIndex",
  "backend",
  "adapter",
  "timings",
  "joinedAt",
  "connected",
  "accepted",
  "rejected",
  "envSteps",
  "rolloutSps",
  "stageSeconds",
  "numSteps",
  "meanStaleness",
  "updatesPerS",
  "envStepsPerS",
  "trust",
  "quarantined",
  "probation"
];
var STALENESS_EWMA = 0.1;
var SHARE_EWMA = 0.3;
var SHARE_FACTOR = 2;
var MAX_SHARE_FACTOR = 8;
var SHARE_EARN_UPDATES = 16;
var SHARE_SLACK = 1;
function shareFactor(w) {
  return Math.min(MAX_SHARE_FACTOR, SHARE_FACTOR + w.clean / SHARE_EARN_UPDATES);
}
var MAX_DISCONNECTED_RECORDS = 1e3;
var WorkerRegistry = class {
  constructor(config, onDrop, maxDisconnected = MAX_DISCONNECTED_RECORDS) {
    this.config = config;
    this.onDrop = onDrop;
    this.maxDisconnected = maxDisconnected;
    this.marks = new AddressMarks(config.quarantineHalfLifeMs);
  }
  config;
  onDrop;
  maxDisconnected;
  workers = /* @__PURE__ */ new Map();
  /** Median of the contributing workers' `rate` at the last tick (0 with fewer than 3 contributing). */
  fairRate = 0;
  /** The dropped workers, by workerId, oldest drop first. */
  dropped = /* @__PURE__ */ new Map();
  nextWorkerIndex = 0;
  /** Quarantine marks by address (addressMarks.ts). */
  marks;
  /**
   * A new worker, or the one `req.resume` names when its token matches (a connection it left
   * behind is dropped first). Updates it computed before `version` will count as 'dropped'. A new
   * worker from `address` is refused, or starts on probation, by the address's quarantine marks.
   */
  join(req, socket, version3, now = performance.now(), address2 = "unknown") {
    let w;
    if (req.resume) {
      const known = this.workers.get(req.resume.workerId);
      if (!known || known.resumeToken !== req.resume.resumeToken) return "cannot resume: unknown worker or wrong resume token";
      w = known;
      if (w.socket) this.drop(w);
      this.dropped.delete(w.workerId);
      w.minVersion = version3;
      w.tickets.clear();
    } else {
      const standing = this.marks.standing(address2, now);
      if (standing.refusedForMs > 0) {
        return `workers from this address were quarantined ${Math.ceil(standing.marks)} times lately: new workers from it are refused for ${Math.ceil(standing.refusedForMs / 1e3)} s more`;
      }
      w = this.newRecord(randomUUID().slice(0, 8), this.nextWorkerIndex++, req.backend, req.adapter, randomUUID(), address2, now);
      w.timings = req.timings;
      w.probation = standing.probation;
      this.workers.set(w.workerId, w);
    }
    w.connected = true;
    w.socket = socket;
    w.lastSeenAt = now;
    w.mayReport = true;
    w.pushAllowance = this.rolloutPushes();
    w.contributedAt = now;
    w.droppedAt = null;
    return w;
  }
  /** Marks a worker gone; `onDrop` closes its socket and takes back what it had waiting. It may resume until its record expires. */
  drop(w, now = performance.now()) {
    if (w.socket && leftInDisgrace(w)) this.marks.mark(w.address, Math.min(1, w.offences / MIN_OFFENCES), now);
    const socket = w.socket;
    w.connected = false;
    w.socket = null;
    w.droppedAt = now;
    this.dropped.set(w.workerId, w);
    this.capDropped();
    this.onDrop(w, socket);
  }
  /** Over maxDisconnected dropped records, the oldest drops are forgotten now rather than at their expiry. */
  capDropped() {
    for (const old of this.dropped.values()) {
      if (this.dropped.size <= this.maxDisconnected) break;
      this.forget(old);
    }
  }
  /** `w` was quarantined now: its address is marked (addressMarks.ts). */
  markQuarantined(w, now = performance.now()) {
    this.marks.mark(w.address, 1, now);
  }
  forget(w) {
    this.dropped.delete(w.workerId);
    this.workers.delete(w.workerId);
  }
  /** A record with nothing done yet, not connected. */
  newRecord(workerId, workerIndex, backend2, adapter, resumeToken, address2, now) {
    return {
      workerId,
      workerIndex,
      backend: backend2,
      adapter,
      timings: [],
      joinedAt: Date.now(),
      connected: false,
      accepted: 0,
      rejected: 0,
      envSteps: 0,
      rolloutSps: 0,
      stageSeconds: noStageSeconds(),
      numSteps: this.config.numSteps,
      updateSteps: this.config.numSteps,
      assignedSteps: [this.config.numSteps],
      idle: null,
      meanStaleness: 0,
      updatesPerS: 0,
      envStepsPerS: 0,
      tokens: this.config.maxPushesPerSecond,
      refilledAt: now,
      resumeToken,
      socket: null,
      lastSeenAt: now,
      minVersion: 0,
      atTick: { accepted: 0, envSteps: 0 },
      mayReport: true,
      droppedAt: null,
      tickets: new TicketBook(usesPerTicket(this.config)),
      pushAllowance: 0,
      offences: 0,
      clean: 0,
      address: address2,
      trust: 1,
      quarantined: false,
      probation: false,
      contributedAt: now,
      rate: 0,
      shareTokens: 1,
      shareRefilledAt: now
    };
  }
  /**
   * What a checkpoint keeps of each worker the registry remembers: who it is, what it did and how
   * far it is trusted, so that after a resume a tab resuming with its token carries on with its
   * record (a quarantined worker stays quarantined).
   */
  saved() {
    return [...this.workers.values()].map((w) => ({
      workerId: w.workerId,
      workerIndex: w.workerIndex,
      resumeToken: w.resumeToken,
      backend: w.backend,
      adapter: w.adapter,
      joinedAt: w.joinedAt,
      accepted: w.accepted,
      rejected: w.rejected,
      envSteps: w.envSteps,
      offences: w.offences,
      clean: w.clean,
      quarantined: w.quarantined,
      probation: w.probation,
      address: w.address
    }));
  }
  /**
   * The records of a checkpoint's workers, as workers dropped `now`: each may resume with its token
   * until workerRecordTtlMs from now, and is then forgotten like any dropped worker.
   */
  restore(saved, now = performance.now()) {
    for (const s of saved) {
      const w = this.newRecord(s.workerId, s.workerIndex, s.backend, s.adapter, s.resumeToken, s.address, now);
      const { joinedAt, accepted, rejected, envSteps, offences, clean, quarantined, probation } = s;
      Object.assign(w, { joinedAt, accepted, rejected, envSteps, offences, clean, quarantined, probation });
      w.atTick = { accepted: s.accepted, envSteps: s.envSteps };
      w.trust = trustScore(s.accepted, s.offences);
      this.workers.set(w.workerId, w);
      this.nextWorkerIndex = Math.max(this.nextWorkerIndex, s.workerIndex + 1);
      w.droppedAt = now;
      this.dropped.set(w.workerId, w);
    }
    this.capDropped();
  }
  /** One token of the push rate limit (maxPushesPerSecond, bursts up to one second's worth); false when none is left. */
  takeToken(w, now = performance.now()) {
    const rate = this.config.maxPushesPerSecond;
    w.tokens = Math.min(rate, w.tokens + (now - w.refilledAt) / 1e3 * rate);
    w.refilledAt = now;
    if (w.tokens < 1) return false;
    w.tokens -= 1;
    return true;
  }
  /** Pushes one rollout gives in async and sync modes (one per minibatch per epoch). */
  rolloutPushes() {
    return this.config.updateEpochs * this.config.numMinibatches;
  }
  /** Folds the staleness of one update the worker pushed into its moving average (work sizing reads it). */
  noteStaleness(w, staleness) {
    w.meanStaleness += STALENESS_EWMA * (staleness - w.meanStaleness);
  }
  connectedCount() {
    let n = 0;
    for (const w of this.workers.values()) if (w.connected) n++;
    return n;
  }
  /**
   * Connected workers whose updates count (not quarantined), and with `within` only those that
   * joined or had an update accepted in the last `within` ms.
   */
  contributingCount(within = Infinity, now = performance.now()) {
    let n = 0;
    for (const w of this.workers.values()) if (w.connected && !w.quarantined && now - w.contributedAt <= within) n++;
    return n;
  }
  /**
   * Per tick: forgets workers dropped more than workerRecordTtlMs ago, drops workers silent for
   * workerTimeoutMs and updates each one's rates over the last `dt` seconds.
   */
  tick(dt, now = performance.now()) {
    for (const w of this.dropped.values()) {
      if (now - w.droppedAt <= this.config.workerRecordTtlMs) break;
      this.forget(w);
    }
    this.marks.prune(now);
    for (const w of this.workers.values()) {
      if (w.connected && now - w.lastSeenAt > this.config.workerTimeoutMs) this.drop(w);
      w.updatesPerS = (w.accepted - w.atTick.accepted) / dt;
      w.envStepsPerS = (w.envSteps - w.atTick.envSteps) / dt;
      w.rate += SHARE_EWMA * (w.updatesPerS - w.rate);
      w.atTick.accepted = w.accepted;
      w.atTick.envSteps = w.envSteps;
    }
    const rates = [];
    for (const w of this.workers.values()) if (w.connected && !w.quarantined) rates.push(w.rate);
    rates.sort((a, b) => a - b);
    this.fairRate = rates.length >= MIN_FLEET ? rates[rates.length >> 1] : 0;
  }
  /** Whether `w` has used up its fair share of accepted updates for now (see SHARE_FACTOR). */
  overShare(w, now = performance.now()) {
    const rate = shareFactor(w) * this.fairRate + SHARE_SLACK;
    w.shareTokens = Math.min(rate, w.shareTokens + (now - w.shareRefilledAt) / 1e3 * rate);
    w.shareRefilledAt = now;
    return this.fairRate > 0 && w.shareTokens < 1;
  }
  /** One accepted update of `w` against its fair share (none while there is no share to hold to, so no debt builds up). */
  spendShare(w) {
    if (this.fairRate > 0) w.shareTokens = Math.max(0, w.shareTokens - 1);
  }
  /** The dashboard's view of every worker. */
  list() {
    const list = [];
    for (const w of this.workers.values()) {
      const info = {};
      for (const k of WORKER_INFO_KEYS) info[k] = w[k];
      list.push(info);
    }
    return list;
  }
};

// server/updates/syncRound.ts
function trimmedCount(k) {
  return k >= 3 ? Math.ceil(k / 4) : 0;
}
var SyncRound = class {
  constructor(size) {
    this.size = size;
  }
  size;
  /** When the first gradient of the round arrived (performance.now()), null while empty. */
  openedAt = null;
  buffers = /* @__PURE__ */ new Map();
  pending = /* @__PURE__ */ new Map();
  get count() {
    return this.pending.size;
  }
  has(workerId) {
    return this.pending.has(workerId);
  }
  /** Adds a worker's gradient (copied) with the reply to send when the round closes; false if it already has one here. */
  add(workerId, grad, reply, now = performance.now()) {
    if (grad.length !== this.size) throw new Error(`SyncRound: gradient of ${grad.length} values, expected ${this.size}`);
    if (this.pending.has(workerId)) return false;
    let buf = this.buffers.get(workerId);
    if (!buf) {
      buf = new Float32Array(this.size);
      this.buffers.set(workerId, buf);
    }
    buf.set(grad);
    this.pending.set(workerId, reply);
    this.openedAt ??= now;
    return true;
  }
  /** Takes a departed worker's gradient out of the round (and frees its buffer); true if it had one in. */
  remove(workerId) {
    this.buffers.delete(workerId);
    const had = this.pending.delete(workerId);
    if (this.pending.size === 0) this.openedAt = null;
    return had;
  }
  /**
   * Closes the round: writes the mean of its gradients into `out` (summed in float64) and returns
   * the replies owed. With `trim` > 0, the coordinate-wise trimmed mean: for each coordinate the
   * `trim` lowest and `trim` highest values are left out (so up to `trim` hostile gradients cannot
   * pull any coordinate outside the range of the others).
   */
  close(out, trim = 0) {
    const bufs = [...this.pending.keys()].map((id) => this.buffers.get(id));
    const k = bufs.length;
    const t = Math.max(0, Math.min(trim, Math.floor((k - 1) / 2)));
    const column = new Float64Array(k);
    for (let i = 0; i < this.size; i++) {
      let s = 0;
      if (t === 0) {
        for (let j = 0; j < k; j++) s += bufs[j][i];
      } else {
        for (let j = 0; j < k; j++) column[j] = bufs[j][i];
        column.sort();
        for (let j = t; j < k - t; j++) s += column[j];
      }
      out[i] = k > 0 ? s / (k - 2 * t) : 0;
    }
    return this.clear();
  }
  /** Empties the round without a mean (the run ended); returns the replies owed. */
  clear() {
    const replies = [...this.pending.values()];
    this.pending.clear();
    this.openedAt = null;
    return replies;
  }
};

// server/updates/schedules.ts
init_config();
function budgetLeft(c, envSteps) {
  return Math.max(0, 1 - envSteps / c.totalTimesteps);
}
function learningRate(c, envSteps) {
  return c.learningRate * (c.annealLr ? budgetLeft(c, envSteps) : 1);
}
function clipCoef(c, envSteps) {
  return c.clipCoef * (c.annealClip ? budgetLeft(c, envSteps) : 1);
}
function stepSize(c, envSteps, rolloutSteps, staleness, workers2 = 1) {
  const lr = c.updateMode === "local" ? c.outerLr / Math.max(1, workers2) : learningRate(c, envSteps) * rolloutSteps / c.numSteps;
  return c.stalenessScaling ? lr / (1 + staleness) : lr;
}
function idleShare(before, after) {
  const d = (k) => Math.max(0, after[k] - before[k]);
  const total = d("collect") + d("gradient") + d("push") + d("setParams");
  const started = before.collect + before.gradient + before.push + before.setParams > 0;
  return started && total > 0 ? d("push") / total : null;
}
var LINK_GROW = 0.2;
var LINK_SHRINK = 0.05;
var IDLE_EWMA = 0.3;
function sizeForLink(c, s, before, after) {
  const interval = idleShare(before, after);
  if (c.updateMode !== "local" || interval === null) return s;
  const idle = s.idle === null ? interval : s.idle + IDLE_EWMA * (interval - s.idle);
  const scale = s.numSteps / c.numSteps;
  let next = s.numSteps;
  if (idle > LINK_GROW) next = Math.min(c.maxRolloutScale, Math.max(scale, Math.ceil(scale / (1 - Math.min(idle, 0.9))))) * c.numSteps;
  else if (idle < LINK_SHRINK && scale > 1) next = s.numSteps - c.numSteps;
  return next === s.numSteps ? { numSteps: next, idle } : { numSteps: next, idle: null };
}
function sizeWork(c, numSteps, meanStaleness) {
  if (!c.workSizing || c.updateMode !== "async" || c.maxStaleness < 1) return numSteps;
  const target = c.maxStaleness;
  if (meanStaleness > target) return Math.max(minNumSteps(c), Math.floor(numSteps * target / meanStaleness));
  if (meanStaleness < target / 2) return Math.min(c.numSteps, Math.ceil(numSteps * 1.25));
  return numSteps;
}

// server/updates/updatePipeline.ts
var noDecisions = () => ({
  accepted: 0,
  rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0]))
});
var PAUSED = refuse("paused", "training is paused: wait until it resumes");
var UpdatePipeline = class {
  constructor(ps, config, registry, tracker, paramsBytes, takeReport) {
    this.ps = ps;
    this.config = config;
    this.registry = registry;
    this.tracker = tracker;
    this.paramsBytes = paramsBytes;
    this.takeReport = takeReport;
    this.round = new SyncRound(ps.params.length);
    this.syncMean = new Float32Array(ps.params.length);
    this.robust = config.robustUpdates && config.updateMode !== "sync" ? new RobustAcceptance(ps.params.length) : null;
  }
  ps;
  config;
  registry;
  tracker;
  paramsBytes;
  takeReport;
  counts = noDecisions();
  /** stalenessHistogram[s] = accepted updates that were s versions old. */
  stalenessHistogram = [0];
  /** While true (an admin paused training) every push is refused as 'paused' and nothing is stepped. */
  paused = false;
  /** Staleness and gradient norm of the updates accepted since the last metrics tick. */
  sinceTick = { staleness: 0, maxStaleness: 0, gradNorm: 0, n: 0 };
  round;
  roundTimer = null;
  syncMean;
  /** Async and local modes with robustUpdates: the outlier test (robustAcceptance.ts). */
  robust;
  /** Decides one push from worker `w` (undefined: the socket has not joined); `ack` gets the reply now or when its sync round closes. */
  push(w, req, ack) {
    const reply = this.decide(w, req, ack);
    if (reply) ack(reply);
  }
  decide(w, req, ack) {
    if (!w) return this.refused(w, refuse("notJoined", "join before pushing"));
    const parsed = pushSchema.safeParse(req);
    if (!parsed.success) return this.refused(w, refuse("malformed", `bad push: ${describeIssue(parsed.error)}`));
    if (this.tracker.finished) return this.refused(w, refuse("finished", `the run is over (${this.tracker.state})`));
    w.lastSeenAt = performance.now();
    if (w.quarantined) return this.refused(w, refuse("quarantined", `worker ${w.workerId} is quarantined: its updates failed too many checks`));
    if (!this.registry.takeToken(w)) return this.refused(w, refuse("rateLimited", `more than ${this.config.maxPushesPerSecond} pushes per second`));
    const { version: version3, ticket: ticketNo, rolloutVersion, grad, report } = parsed.data;
    if (version3 < w.minVersion) return this.refused(w, refuse("dropped", `update computed at version ${version3}, before this worker resumed at version ${w.minVersion}`));
    const ticket = w.tickets.check(ticketNo, version3);
    if ("reason" in ticket) return this.refused(w, refuse(ticket.reason, ticket.error), version3);
    const mode = this.config.updateMode;
    if (mode === "local" !== (report !== void 0)) {
      return this.refused(w, refuse("malformed", mode === "local" ? "bad push: local mode needs the rollout report with each delta" : `bad push: a report rides with a push only in local mode, this run is ${mode}`));
    }
    if (mode !== "local") {
      if (w.pushAllowance <= 0) {
        return this.refused(w, refuse("overQuota", `more pushes than its rollouts give (${this.registry.rolloutPushes()} per counted rollout report): report the next rollout first`));
      }
      w.pushAllowance--;
      w.mayReport = true;
    }
    if (mode !== "sync" && this.config.robustUpdates && this.registry.overShare(w)) {
      return this.refused(w, refuse("overShare", `more accepted updates per second than ${shareFactor(w).toFixed(1)}x the fleet's median of ${this.registry.fairRate.toFixed(1)}: wait`), version3);
    }
    const rollout = report && this.takeReport(w, report);
    if (rollout && !rollout.ok) return this.refused(w, refuse("malformed", `rollout report refused: ${rollout.error}`));
    if (version3 <= this.ps.version) this.registry.noteStaleness(w, this.ps.version - version3);
    if (this.paused) return { ...this.refused(w, PAUSED, version3), ...rollout && { rollout } };
    const c = this.ps.check(grad, version3, rolloutVersion, mode === "sync" ? 0 : this.config.maxStaleness);
    if (!c.accepted) return { ...this.refused(w, c, version3), ...rollout && { rollout } };
    if (mode === "sync") return this.joinRound(w, c.grad, version3, ticket, ack);
    const outlier = this.registry.contributingCount() >= MIN_FLEET ? this.robust?.check(w.workerId, c.grad, c.gradNorm) : void 0;
    if (outlier) return { ...this.refused(w, refuse("outlier", outlier), version3), ...rollout && { rollout } };
    this.robust?.accepted(w.workerId, c.grad, c.gradNorm);
    w.tickets.spend(ticket);
    const weight = earnedWeight(w, this.config.newcomerUpdates);
    const lr = stepSize(this.config, this.tracker.envSteps, w.updateSteps, c.staleness, this.registry.contributingCount()) * weight;
    if (mode === "local") this.ps.stepDelta(c.grad, lr);
    else this.ps.step(c.grad, c.gradNorm, lr);
    this.accept(c.staleness, c.gradNorm, 1);
    this.credit(w);
    this.registry.spendShare(w);
    return { ok: true, accepted: true, version: this.ps.version, ...this.params(w), done: this.tracker.finished, ...rollout && { rollout } };
  }
  /** The current params for a reply to `w`, with their ticket. */
  params(w) {
    return { params: this.paramsBytes(), ticket: w.tickets.issue(this.ps.version) };
  }
  /** One accepted update of `w`: it earns trust and counts toward the sync quorum. */
  credit(w) {
    earn(w);
    w.contributedAt = performance.now();
  }
  /**
   * Counts a refusal and makes its reply. Refused before the update was looked at (no `version`):
   * ok false and no params. Refused by the ParameterServer: the reason, and fresh params if the
   * worker's are behind.
   */
  refused(w, r, version3) {
    this.counts.rejected[r.reason]++;
    if (w) {
      w.rejected++;
      if (OFFENCES.has(r.reason)) this.offence(w);
    }
    const done = this.tracker.finished;
    if (version3 === void 0 || !w) return { ok: false, accepted: false, reason: r.reason, error: r.error, done };
    const fresh = version3 !== this.ps.version ? this.params(w) : void 0;
    return { ok: true, accepted: false, reason: r.reason, error: r.error, version: this.ps.version, ...fresh, done };
  }
  /** One failed check of `w` (workers/trust.ts; `atOnce`: a verified lie); if this quarantines it, its address is marked and a sync gradient it has waiting is taken out. */
  offence(w, atOnce = false) {
    if (!offend(w, this.config.quarantine, atOnce)) return;
    this.registry.markQuarantined(w);
    this.robust?.forget(w.workerId);
    if (this.round.remove(w.workerId)) this.counts.rejected.quarantined++;
  }
  /** Counts `n` accepted updates that were `staleness` versions old, stepped with one update of norm `gradNorm` (before clipping). */
  accept(staleness, gradNorm, n) {
    this.counts.accepted += n;
    while (this.stalenessHistogram.length <= staleness) this.stalenessHistogram.push(0);
    this.stalenessHistogram[staleness] += n;
    const t = this.sinceTick;
    t.staleness += staleness * n;
    t.maxStaleness = Math.max(t.maxStaleness, staleness);
    t.gradNorm += gradNorm * n;
    t.n += n;
  }
  /** Mean and max staleness and mean update norm of the updates accepted since the last call (null when none). */
  takeTick() {
    const t = this.sinceTick;
    this.sinceTick = { staleness: 0, maxStaleness: 0, gradNorm: 0, n: 0 };
    return t.n > 0 ? { meanStaleness: t.staleness / t.n, maxStaleness: t.maxStaleness, meanGradNorm: t.gradNorm / t.n } : null;
  }
  /** Sync mode: a gradient at the current version joins the round; the reply waits for the round's step. */
  joinRound(w, grad, version3, ticket, ack) {
    if (!this.round.add(w.workerId, grad, { worker: w, ack })) {
      return this.refused(w, refuse("malformed", "one gradient per worker per sync round: wait for the reply"), version3);
    }
    w.tickets.spend(ticket);
    if (this.round.count >= this.syncTarget()) this.closeRound();
    else if (this.round.count === 1) this.roundTimer = setTimeout(() => this.closeRound(), this.config.syncTimeoutMs);
    return null;
  }
  /**
   * Gradients a sync round waits for: syncGradients, or one per contributing worker, whichever is
   * fewer. Contributing: connected, not quarantined, and joined or had an update accepted within
   * the last 2 x syncTimeoutMs, so joined workers that never send a usable gradient stop holding
   * every round to its timeout.
   */
  syncTarget() {
    return Math.max(1, Math.min(this.config.syncGradients ?? Infinity, this.registry.contributingCount(2 * this.config.syncTimeoutMs)));
  }
  /** Steps with the mean of the round's gradients and answers every worker in it. */
  closeRound() {
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.roundTimer = null;
    const n = this.round.count;
    if (n === 0) return;
    const pending = this.round.close(this.syncMean, this.config.robustUpdates ? trimmedCount(n) : 0);
    const norm = l2Norm(this.syncMean);
    this.ps.step(this.syncMean, norm, stepSize(this.config, this.tracker.envSteps, this.config.numSteps, 0));
    this.accept(0, norm, n);
    for (const p of pending) {
      this.credit(p.worker);
      p.ack({ ok: true, accepted: true, version: this.ps.version, ...this.params(p.worker), done: this.tracker.finished });
    }
  }
  /** A worker left: a gradient it has waiting in the sync round is taken out (counted as 'dropped'), and the round may now be complete. */
  workerLeft(w) {
    this.robust?.left(w.workerId);
    if (this.round.remove(w.workerId)) this.refused(w, refuse("dropped", `worker ${w.workerId} left before its sync round closed`));
    if (this.config.updateMode === "sync" && this.round.count > 0 && this.round.count >= this.syncTarget()) this.closeRound();
  }
  /** The run is over: gradients waiting in the sync round are refused as 'finished'. */
  finish() {
    this.refuseRound(refuse("finished", `the run is over (${this.tracker.state})`));
  }
  /** Holds training: from now on pushes are refused as 'paused', gradients waiting in the sync round too. */
  pause() {
    this.paused = true;
    this.refuseRound(PAUSED);
  }
  refuseRound(r) {
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.roundTimer = null;
    for (const p of this.round.clear()) p.ack(this.refused(p.worker, r));
  }
};

// server/workers/spotCheck.ts
init_registry();
import { randomInt } from "node:crypto";

// shared/envs/trace.ts
init_codec();
init_registry();
function actionDim(spec) {
  return spec.actionSpace.type === "discrete" ? 1 : spec.actionSpace.low.length;
}
function bytesPerValue(spec) {
  return spec.actionSpace.type === "discrete" && spec.actionSpace.n <= 256 ? 1 : 4;
}
function decodeActions(spec, bin, length2) {
  const n = length2 * actionDim(spec);
  if (bytesPerValue(spec) === 4) return decodeF32(bin, n);
  if (!(bin instanceof ArrayBuffer) && !ArrayBuffer.isView(bin)) throw new Error("actions must be binary");
  const bytes = bin instanceof ArrayBuffer ? new Uint8Array(bin) : new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  if (bytes.length !== n) throw new Error(`a ${length2}-step episode has ${n} action bytes, got ${bytes.length}`);
  return Float32Array.from(bytes);
}
var REPLAY_CHUNK = 64;
function* replaySteps(envId, seed, actions) {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be a safe integer, got ${String(seed)}`);
  const env = makeEnv(envId, seed);
  const dim = actionDim(env.spec);
  const discrete = env.spec.actionSpace.type === "discrete";
  if (actions.length === 0 || actions.length % dim !== 0) throw new Error(`actions hold ${actions.length} values, not a whole number (>= 1) of ${dim}-value actions`);
  const length2 = actions.length / dim;
  if (length2 > env.spec.maxEpisodeSteps) throw new Error(`${envId} episodes last at most ${env.spec.maxEpisodeSteps} steps, got ${length2} actions`);
  env.reset(seed);
  let ret = 0;
  for (let t = 0; t < length2; t++) {
    const r = env.step(discrete ? actions[t] : actions.subarray(t * dim, (t + 1) * dim));
    ret += r.reward;
    const ended = r.terminated || r.truncated;
    if (ended && t < length2 - 1) throw new Error(`the episode ended at step ${t + 1}, before its ${length2} actions`);
    if (!ended && t === length2 - 1) throw new Error(`the episode had not ended after its ${length2} actions`);
    if ((t + 1) % REPLAY_CHUNK === 0) yield;
  }
  return { return: ret, length: length2 };
}

// server/workers/spotCheck.ts
init_protocol();
var SLICE_MS = 4;
var MAX_PENDING = 32;
var REPLAY_SHARE = 0.1;
var REPLAY_BURST_MS = 2e3;
var RETURN_TOLERANCE = 1e-6;
var UNANSWERED_ALLOWED = 1;
var SpotChecker = class {
  /**
   * `onFailure` hears of every check of `w` that did not pass (after the run ended, none);
   * `onPass` of every one that did.
   */
  constructor(config, onFailure, onPass = () => {
  }) {
    this.config = config;
    this.onFailure = onFailure;
    this.onPass = onPass;
  }
  config;
  onFailure;
  onPass;
  counts = { asked: 0, passed: 0, failed: 0, unanswered: 0, skipped: 0, replayMs: 0 };
  byWorker = /* @__PURE__ */ new WeakMap();
  pending = 0;
  /** Replays waiting for the event loop, oldest first; the first one runs. */
  replays = [];
  handle = null;
  stopped = false;
  /** Replay milliseconds available now (see REPLAY_SHARE), and when they were last refilled. */
  tokens = REPLAY_BURST_MS;
  refilledAt = performance.now();
  /**
   * After `r` of worker `w` has counted: with probability spotCheckRate, asks for one episode's
   * trace through `ask` (which rejects on a timeout or a lost connection) and checks it.
   */
  consider(w, r, ask) {
    const n = r.episodeReturns.length;
    if (this.stopped || n === 0 || this.config.spotCheckRate <= 0) return;
    if (randomInt(0, 2 ** 32) >= this.config.spotCheckRate * 2 ** 32) return;
    const mine = this.of(w);
    const now = performance.now();
    this.tokens = Math.min(REPLAY_BURST_MS, this.tokens + (now - this.refilledAt) * REPLAY_SHARE);
    this.refilledAt = now;
    if (mine.busy || this.pending >= MAX_PENDING || this.tokens <= 0) {
      this.counts.skipped++;
      return;
    }
    const episode = randomInt(0, n);
    const expected = { return: r.episodeReturns[episode], length: r.episodeLengths[episode] };
    this.counts.asked++;
    if (r.seq === void 0) return this.verdict(w, "unanswered", "the report has no seq to name it by");
    mine.busy = true;
    this.pending++;
    void this.check(r.seq, episode, expected, ask).then(
      ([verdict, reason]) => this.verdict(w, verdict, reason),
      (e) => this.verdict(w, "failed", `the check failed: ${e instanceof Error ? e.message : String(e)}`)
    ).finally(() => {
      mine.busy = false;
      this.pending--;
    });
  }
  /** Stops checking (the run is over): replays under way are dropped and no verdict is given any more. */
  stop() {
    this.stopped = true;
    if (this.handle) clearImmediate(this.handle);
    this.handle = null;
    for (const r of this.replays.splice(0)) r.done(new Error("the run is over"));
  }
  of(w) {
    let c = this.byWorker.get(w);
    if (!c) this.byWorker.set(w, c = { passed: 0, unanswered: 0, busy: false });
    return c;
  }
  async check(seq, episode, expected, ask) {
    let answer;
    try {
      answer = await ask({ seq, episode });
    } catch (e) {
      return ["unanswered", `no answer: ${e instanceof Error ? e.message : String(e)}`];
    }
    const parsed = spotCheckReplySchema.safeParse(answer);
    if (!parsed.success) return ["failed", `malformed trace: ${parsed.error.issues[0]?.message ?? "invalid"}`];
    if (!parsed.data.ok) return ["unanswered", `refused: ${parsed.data.error}`];
    let actions;
    try {
      actions = decodeActions(envSpec(this.config.envId), parsed.data.actions, expected.length);
    } catch (e) {
      return ["failed", `malformed trace: ${e instanceof Error ? e.message : String(e)}`];
    }
    const got = await this.replay(replaySteps(this.config.envId, parsed.data.seed, actions));
    if (got instanceof Error) return ["failed", `the trace is not an episode of ${this.config.envId}: ${got.message}`];
    if (got.length !== expected.length) return ["failed", `replayed length ${got.length}, reported ${expected.length}`];
    if (!(Math.abs(got.return - expected.return) <= RETURN_TOLERANCE * Math.max(1, Math.abs(expected.return)))) {
      return ["failed", `replayed return ${got.return}, reported ${expected.return}`];
    }
    return ["passed", "the replay agrees"];
  }
  verdict(w, verdict, reason) {
    if (this.stopped) return;
    const mine = this.of(w);
    this.counts[verdict]++;
    if (verdict === "passed") {
      mine.passed++;
      return this.onPass(w);
    }
    if (verdict === "unanswered") mine.unanswered++;
    const atOnce = verdict === "failed" || mine.unanswered > UNANSWERED_ALLOWED + mine.passed / 10;
    this.onFailure(w, { verdict, atOnce, reason });
  }
  /** Queues a replay; it resolves with the result, or the Error that shows the trace is no episode. */
  replay(steps) {
    if (this.stopped) return Promise.resolve(new Error("the run is over"));
    return new Promise((done) => {
      this.replays.push({ steps, done });
      this.handle ??= setImmediate(() => this.slice());
    });
  }
  /** Runs the queued replays for up to SLICE_MS, then yields the event loop if any is left. */
  slice() {
    this.handle = null;
    const t0 = performance.now();
    const until = t0 + SLICE_MS;
    while (this.replays.length > 0 && performance.now() < until) {
      const head = this.replays[0];
      let next;
      try {
        next = head.steps.next();
      } catch (e) {
        next = e instanceof Error ? e : new Error(String(e));
      }
      if (next instanceof Error || next.done) {
        this.replays.shift();
        head.done(next instanceof Error ? next : next.value);
      }
    }
    const spent = performance.now() - t0;
    this.counts.replayMs += spent;
    this.tokens -= spent;
    if (this.replays.length > 0) this.handle = setImmediate(() => this.slice());
  }
};

// server/stats/normStats.ts
init_codec();

// shared/ppo/runningStats.ts
var NORM_EPSILON = 1e-8;
var RunningMeanStd = class _RunningMeanStd {
  /** The global stats start like VecNormalize's (count 1e-4, mean 0, var 1); deltas start empty. */
  constructor(dim, initial = "prior") {
    this.dim = dim;
    this.count = initial === "prior" ? 1e-4 : 0;
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(initial === "prior" ? 1 : 0);
  }
  dim;
  count;
  mean;
  var;
  /** Adds rows [n, dim] of `x`. */
  update(x, n) {
    const d = this.dim;
    if (x.length < n * d) throw new RangeError(`RunningMeanStd.update: ${x.length} values for ${n} rows of ${d}`);
    if (n === 0) return;
    const mean = new Float64Array(d);
    const m2 = new Float64Array(d);
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += x[r * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) m2[j] += (x[r * d + j] - mean[j]) ** 2;
    for (let j = 0; j < d; j++) m2[j] /= n;
    this.mergeMoments(n, mean, m2);
  }
  /** Merges another set of stats of the same dimension into this one. */
  merge(other) {
    if (other.dim !== this.dim) throw new RangeError(`cannot merge stats of dim ${other.dim} into dim ${this.dim}`);
    this.mergeMoments(other.count, other.mean, other.var);
  }
  mergeMoments(n, mean, variance) {
    if (n === 0) return;
    const total = this.count + n;
    for (let j = 0; j < this.dim; j++) {
      const delta = mean[j] - this.mean[j];
      const m2 = this.var[j] * this.count + variance[j] * n + delta * delta * this.count * n / total;
      this.mean[j] += delta * n / total;
      this.var[j] = m2 / total;
    }
    this.count = total;
  }
  /** (x - mean) / sqrt(var + NORM_EPSILON), clipped to [-clip, clip], row by row into `out`. */
  normalize(x, n, clip2, out) {
    const d = this.dim;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) {
        const z7 = (x[r * d + j] - this.mean[j]) / Math.sqrt(this.var[j] + NORM_EPSILON);
        out[r * d + j] = Math.min(clip2, Math.max(-clip2, z7));
      }
    }
    return out;
  }
  toArray() {
    const a = new Float64Array(1 + 2 * this.dim);
    a[0] = this.count;
    a.set(this.mean, 1);
    a.set(this.var, 1 + this.dim);
    return a;
  }
  /** Rebuilds stats from `toArray`'s layout; throws on a wrong length or invalid numbers. */
  static fromArray(dim, a) {
    if (a.length !== 1 + 2 * dim) throw new RangeError(`stats of dim ${dim} need ${1 + 2 * dim} numbers, got ${a.length}`);
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) throw new RangeError(`stats hold a non-finite number at ${i}`);
    }
    if (a[0] < 0) throw new RangeError(`stats count must be >= 0, got ${a[0]}`);
    for (let j = 0; j < dim; j++) if (a[1 + dim + j] < 0) throw new RangeError(`stats variance must be >= 0, got ${a[1 + dim + j]}`);
    const s = new _RunningMeanStd(dim, "empty");
    s.count = a[0];
    for (let j = 0; j < dim; j++) {
      s.mean[j] = a[1 + j];
      s.var[j] = a[1 + dim + j];
    }
    return s;
  }
};

// server/stats/normStats.ts
var NORM_CLIP_STDS = 5;
var NORM_MAX_MEAN = 1e9;
var MergedNormStats = class {
  obs;
  ret;
  /** Reports some of whose statistics were clipped before merging. */
  clipped = 0;
  constructor(config, obsDim, saved) {
    const stats2 = (on, dim, arr) => !on ? null : arr ? RunningMeanStd.fromArray(dim, arr) : new RunningMeanStd(dim);
    this.obs = stats2(config.normObs, obsDim, saved?.obs);
    this.ret = stats2(config.normReward, 1, saved?.ret);
  }
  /**
   * A report's statistics of a rollout of `envSteps` env steps over `numEnvs` envs, checked; an
   * error when they are missing, unexpected, malformed, or count other than the rollout's samples.
   */
  check(wire, envSteps, numEnvs) {
    let obs;
    let ret;
    try {
      obs = decodeDelta(this.obs, wire.obs, "obs");
      ret = decodeDelta(this.ret, wire.ret, "ret");
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    if (obs && obs.count !== envSteps && obs.count !== envSteps + numEnvs) {
      return `norm.obs counts ${obs.count} observations; a rollout of ${envSteps} env steps has ${envSteps} (${envSteps + numEnvs} with its envs' first reset)`;
    }
    if (ret && ret.count !== envSteps) return `norm.ret counts ${ret.count} returns; a rollout of ${envSteps} env steps has ${envSteps}`;
    for (const [name, s] of [["obs", obs], ["ret", ret]]) {
      if (s && !withinLimits(s)) return `norm.${name}: means must lie within +-${NORM_MAX_MEAN} and variances within [0, ${NORM_MAX_MEAN ** 2}]`;
    }
    return { obs, ret };
  }
  /** Merges checked statistics, clipped to the merged ones when those hold enough samples. */
  merge(delta) {
    let clipped = false;
    if (delta.obs) clipped = mergeClipped(this.obs, delta.obs) || clipped;
    if (delta.ret) clipped = mergeClipped(this.ret, delta.ret) || clipped;
    if (clipped) this.clipped++;
  }
  /** The merged statistics as they go on the wire. */
  wire() {
    return {
      ...this.obs ? { obs: encodeF64(this.obs.toArray()) } : {},
      ...this.ret ? { ret: encodeF64(this.ret.toArray()) } : {}
    };
  }
  /** The RunningMeanStd arrays, for a checkpoint. */
  arrays() {
    return { obs: this.obs?.toArray(), ret: this.ret?.toArray() };
  }
};
function mergeClipped(global, d) {
  let clipped = false;
  if (global.count >= d.count) {
    for (let j = 0; j < global.dim; j++) {
      const v = global.var[j] + 1e-8;
      const reach = NORM_CLIP_STDS * Math.sqrt(v);
      const mean = Math.min(global.mean[j] + reach, Math.max(global.mean[j] - reach, d.mean[j]));
      const variance = Math.min(NORM_CLIP_STDS * NORM_CLIP_STDS * v, d.var[j]);
      if (mean !== d.mean[j] || variance !== d.var[j]) clipped = true;
      d.mean[j] = mean;
      d.var[j] = variance;
    }
  }
  global.merge(d);
  return clipped;
}
function withinLimits(s) {
  for (let j = 0; j < s.dim; j++) if (Math.abs(s.mean[j]) > NORM_MAX_MEAN || s.var[j] > NORM_MAX_MEAN ** 2) return false;
  return true;
}
function decodeDelta(global, bin, name) {
  if (!global) {
    if (bin !== void 0) throw new Error(`norm.${name} sent but this run does not normalize ${name}`);
    return null;
  }
  if (bin === void 0) throw new Error(`norm.${name} is required: this run normalizes ${name}`);
  try {
    return RunningMeanStd.fromArray(global.dim, decodeF64(bin, 1 + 2 * global.dim));
  } catch (e) {
    throw new Error(`norm.${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// server/metrics/latency.ts
var LatencyWindow = class {
  samples;
  filled = 0;
  next = 0;
  constructor(capacity) {
    this.samples = new Float64Array(capacity);
  }
  add(ms2) {
    this.samples[this.next] = ms2;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
  }
  reset() {
    this.filled = 0;
    this.next = 0;
  }
  /** Nearest-rank percentiles over the samples held. */
  summary() {
    if (this.filled === 0) return { n: 0, p50: null, p99: null, max: null };
    const s = this.samples.slice(0, this.filled).sort();
    const rank = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
    return { n: this.filled, p50: rank(0.5), p99: rank(0.99), max: s[s.length - 1] };
  }
};

// server/metrics/runTracker.ts
init_protocol();
init_metrics();
var RunTracker = class {
  constructor(solveWindow, solveThreshold, totalTimesteps, maxHistory = 2e4) {
    this.solveWindow = solveWindow;
    this.solveThreshold = solveThreshold;
    this.totalTimesteps = totalTimesteps;
    this.maxHistory = maxHistory;
    this.window = new Float64Array(solveWindow);
  }
  solveWindow;
  solveThreshold;
  totalTimesteps;
  maxHistory;
  envSteps = 0;
  episodes = 0;
  state = "waiting";
  startedAt = null;
  /** When the run ended (solved, out of budget or stopped); wall seconds stop here. */
  endedAt = null;
  solvedAtEnvSteps = null;
  solvedAtWallS = null;
  history = [];
  /** Latest value of each loss statistic, averaged over the reports of the current tick. */
  lossSums = /* @__PURE__ */ new Map();
  /** Returns and lengths of the episodes finished in the current tick. */
  tickEpisodes = { returns: 0, lengths: 0, n: 0, withLength: 0 };
  latestLosses = {};
  window;
  windowFill = 0;
  windowSum = 0;
  lastPointSteps = 0;
  lastPointAt = 0;
  /** Wall seconds trained before this process: a resumed run's (restore). */
  wallOffsetS = 0;
  /** Marks the start of training (the first join); wall seconds are measured from here. */
  start(now = performance.now()) {
    if (this.startedAt !== null) return;
    this.startedAt = now;
    this.lastPointAt = now;
    this.state = "training";
  }
  get finished() {
    return runIsOver(this.state);
  }
  /** Seconds of training: from the first join to now, or to the run's end once it is over. */
  wallS(now = performance.now()) {
    return this.startedAt === null ? null : this.wallOffsetS + (Math.min(now, this.endedAt ?? Infinity) - this.startedAt) / 1e3;
  }
  /** The run is over in `state`: the wall clock stops now. */
  end(state, now = performance.now()) {
    this.state = state;
    this.endedAt = now;
  }
  /** Mean return over the last solveWindow episodes (fewer while the window fills), null before any. */
  meanReturn() {
    const n = Math.min(this.windowFill, this.solveWindow);
    return n === 0 ? null : this.windowSum / n;
  }
  /**
   * Counts a rollout's env steps and episodes (`episodeLengths`, when given, in the order of the
   * returns); returns true if this spent the step budget (the run is over).
   */
  addRollout(envSteps, episodeReturns, losses, episodeLengths = []) {
    if (this.finished) return false;
    this.envSteps += envSteps;
    const e = this.tickEpisodes;
    for (const len of episodeLengths) e.lengths += len;
    e.withLength += episodeLengths.length;
    for (const r of episodeReturns) {
      e.returns += r;
      e.n++;
      const slot = this.windowFill % this.solveWindow;
      if (this.windowFill >= this.solveWindow) this.windowSum -= this.window[slot];
      this.window[slot] = r;
      this.windowSum += r;
      this.windowFill++;
      this.episodes++;
    }
    for (const [k, v] of Object.entries(losses)) {
      if (v === void 0 || !Number.isFinite(v)) continue;
      const s = this.lossSums.get(k) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      this.lossSums.set(k, s);
    }
    if (this.envSteps >= this.totalTimesteps) {
      this.end("budgetExhausted");
      return true;
    }
    return false;
  }
  /** Whether the reported returns say solved: the window is full and its mean reaches the threshold. */
  windowSolved() {
    const mean = this.meanReturn();
    return this.windowFill >= this.solveWindow && mean !== null && mean >= this.solveThreshold;
  }
  /** Ends the run as solved, at the env steps and time the confirmed params were taken. */
  markSolved(atEnvSteps, at = performance.now()) {
    if (this.finished) return;
    this.solvedAtEnvSteps = atEnvSteps;
    this.solvedAtWallS = this.wallS(at);
    this.end("solved");
  }
  stop(now = performance.now()) {
    if (!this.finished) this.end("stopped", now);
  }
  /** What a checkpoint keeps of the run's progress: env steps, episodes and the solve window's returns, oldest first. */
  saved(now = performance.now()) {
    const n = Math.min(this.windowFill, this.solveWindow);
    const recentReturns = Array.from({ length: n }, (_, i) => this.window[(this.windowFill - n + i) % this.solveWindow]);
    return { envSteps: this.envSteps, episodes: this.episodes, recentReturns, wallS: this.wallS(now) ?? this.wallOffsetS };
  }
  /** Continues from a checkpoint's progress (before training starts). */
  restore(s) {
    this.envSteps = s.envSteps;
    this.lastPointSteps = s.envSteps;
    this.wallOffsetS = s.wallS ?? 0;
    this.episodes = s.episodes - s.recentReturns.length;
    this.windowFill = 0;
    this.windowSum = 0;
    this.addRollout(0, s.recentReturns, {});
    this.tickEpisodes = { returns: 0, lengths: 0, n: 0, withLength: 0 };
  }
  /** Closes the current tick into a history point (extra holds coordinator-side metrics). */
  point(version3, extra, now = performance.now()) {
    for (const [k, s] of this.lossSums) this.latestLosses[k] = s.sum / s.n;
    this.lossSums.clear();
    const dt = (now - this.lastPointAt) / 1e3;
    const sps = dt > 0 ? (this.envSteps - this.lastPointSteps) / dt : 0;
    this.lastPointAt = now;
    this.lastPointSteps = this.envSteps;
    const metrics = { ...this.latestLosses, ...extra, [M.sps]: sps };
    const mean = this.meanReturn();
    if (mean !== null) metrics[M.meanReturn] = mean;
    const e = this.tickEpisodes;
    if (e.n > 0) metrics[M.episodicReturn] = e.returns / e.n;
    if (e.withLength > 0) metrics[M.episodicLength] = e.lengths / e.withLength;
    this.tickEpisodes = { returns: 0, lengths: 0, n: 0, withLength: 0 };
    const p = { wallS: this.wallS(now) ?? this.wallOffsetS, envSteps: this.envSteps, version: version3, metrics };
    this.history.push(p);
    if (this.history.length > this.maxHistory) {
      const half = this.history.length >> 1;
      const older = this.history.splice(0, half).filter((_, i) => i % 2 === 0);
      this.history.unshift(...older);
    }
    return p;
  }
};

// server/metrics/solveCheck.ts
import { randomInt as randomInt2 } from "node:crypto";

// shared/ppo/evaluate.ts
init_registry();
init_rng();

// shared/ppo/categorical.ts
function logSoftmaxRow(logits, row, numActions, out) {
  const base = row * numActions;
  let max = -Infinity;
  for (let a = 0; a < numActions; a++) max = Math.max(max, logits[base + a]);
  let sum = 0;
  for (let a = 0; a < numActions; a++) sum += Math.exp(logits[base + a] - max);
  const logZ = max + Math.log(sum);
  for (let a = 0; a < numActions; a++) out[a] = logits[base + a] - logZ;
}
function sampleCategorical(logits, batch, numActions, u, outActions, outLogp) {
  const logp = new Float64Array(numActions);
  for (let b = 0; b < batch; b++) {
    logSoftmaxRow(logits, b, numActions, logp);
    const x = u();
    let cdf = 0;
    let action = -1;
    let lastPositive = 0;
    for (let a = 0; a < numActions; a++) {
      const p = Math.exp(logp[a]);
      if (p > 0) lastPositive = a;
      cdf += p;
      if (x < cdf) {
        action = a;
        break;
      }
    }
    if (action < 0) action = lastPositive;
    outActions[b] = action;
    outLogp[b] = logp[action];
  }
}

// shared/ppo/gaussian.ts
var HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
function gaussianLogProb(actions, mean, logStd, batch, actionDim2, out) {
  const perRow = logStd.length !== actionDim2;
  for (let b = 0; b < batch; b++) {
    let lp = 0;
    for (let j = 0; j < actionDim2; j++) {
      const k = b * actionDim2 + j;
      const ls = logStd[perRow ? k : j];
      const z7 = (actions[k] - mean[k]) / Math.exp(ls);
      lp += -0.5 * z7 * z7 - ls - HALF_LOG_2PI;
    }
    out[b] = lp;
  }
}
function sampleGaussian(mean, logStd, batch, actionDim2, normal, outActions, outLogp) {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < actionDim2; j++) {
      const k = b * actionDim2 + j;
      outActions[k] = mean[k] + Math.exp(logStd[j]) * normal();
    }
  }
  gaussianLogProb(outActions, mean, logStd, batch, actionDim2, outLogp);
}
var GSDE_EPS = 1e-6;
function gsdeLogStd(features, logStd, batch, hidden, actionDim2, out) {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < actionDim2; j++) {
      let v = GSDE_EPS;
      for (let i = 0; i < hidden; i++) v += features[b * hidden + i] ** 2 * Math.exp(2 * logStd[i * actionDim2 + j]);
      out[b * actionDim2 + j] = 0.5 * Math.log(v);
    }
  }
}
function sampleExplorationMatrices(logStd, count3, normal, out) {
  if (out.length !== count3 * logStd.length) throw new RangeError(`sampleExplorationMatrices: out holds ${out.length}, expected ${count3 * logStd.length}`);
  for (let k = 0; k < out.length; k++) out[k] = Math.exp(logStd[k % logStd.length]) * normal();
}
function sampleGsde(mean, features, theta, rowLogStd, batch, hidden, actionDim2, outActions, outLogp) {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < actionDim2; j++) {
      let noise = 0;
      for (let i = 0; i < hidden; i++) noise += features[b * hidden + i] * theta[(b * hidden + i) * actionDim2 + j];
      outActions[b * actionDim2 + j] = mean[b * actionDim2 + j] + noise;
    }
  }
  gaussianLogProb(outActions, mean, rowLogStd, batch, actionDim2, outLogp);
}

// shared/ppo/actionSampler.ts
init_policyHead();
var ActionSampler = class {
  /**
   * `sdeSampleFreq`: a gSDE policy redraws its exploration matrices every `sdeSampleFreq` steps
   * and at step 0 (0: only at step 0).
   */
  constructor(head, numEnvs, rng, sdeSampleFreq) {
    this.head = head;
    this.numEnvs = numEnvs;
    this.sdeSampleFreq = sdeSampleFreq;
    this.width = actionWidth(head);
    this.actions = new Float32Array(numEnvs * this.width);
    this.envActions = head.type === "gaussian" ? new Float32Array(numEnvs * this.width) : this.actions;
    this.logp = new Float32Array(numEnvs);
    this.rowLogStd = new Float32Array(numEnvs * this.width);
    this.u = () => rng.next();
    this.normal = () => rng.normal();
  }
  head;
  numEnvs;
  sdeSampleFreq;
  /** The actions as drawn (Gaussian: unclipped), [E, actionWidth]: what PPO stores. */
  actions;
  /** The actions the envs get: `actions` clipped to the Box bounds (the same array for a categorical head). */
  envActions;
  /** Log-probabilities of `actions`, [E]. */
  logp;
  width;
  rowLogStd;
  // gSDE's per-env log-std [E, D]
  /** gSDE: each env's exploration matrix [E, H, D]. */
  theta = new Float32Array(0);
  u;
  normal;
  /**
   * Draws one action per env from `out` into `actions`, `envActions` and `logp`; `t` counts the
   * steps since the rollout (or episode) began, for gSDE's redraws. A non-empty `actorHidden`
   * means gSDE.
   */
  sample(out, t) {
    const { head, numEnvs: e, width: w } = this;
    const { actorOut, logStd, actorHidden } = out;
    if (head.type === "categorical") {
      sampleCategorical(actorOut, e, head.numActions, this.u, this.actions, this.logp);
      return;
    }
    if (actorHidden.length > 0) {
      const h = actorHidden.length / e;
      if (t === 0 || this.sdeSampleFreq > 0 && t % this.sdeSampleFreq === 0) {
        if (this.theta.length !== e * h * w) this.theta = new Float32Array(e * h * w);
        sampleExplorationMatrices(logStd, e, this.normal, this.theta);
      }
      gsdeLogStd(actorHidden, logStd, e, h, w, this.rowLogStd);
      sampleGsde(actorOut, actorHidden, this.theta, this.rowLogStd, e, h, w, this.actions, this.logp);
    } else {
      sampleGaussian(actorOut, logStd, e, w, this.normal, this.actions, this.logp);
    }
    for (let k = 0; k < e * w; k++) this.envActions[k] = Math.min(Math.max(this.actions[k], head.low[k % w]), head.high[k % w]);
  }
};

// shared/ppo/evaluate.ts
init_params();
init_modelSpec();
var EVAL_MODES = ["deterministic", "stochastic"];
function evaluatePolicy(config, params, obsStats, episodes, seed, mode = "deterministic") {
  const steps = evaluationSteps(config, params, obsStats, episodes, seed, mode);
  for (; ; ) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
function* evaluationSteps(config, params, obsStats, episodes, seed, mode = "deterministic") {
  const policy = evalPolicy(config, params, obsStats, mode, seed);
  const env = makeEnv(config.envId, seed);
  const returns = [];
  for (let k = 0; k < episodes; k++) returns.push(yield* playEpisode(env, policy, seed + k));
  return returns;
}
function* playEpisode(env, policy, seed) {
  let obs = env.reset(seed);
  yield;
  let ret = 0;
  for (let t = 0, done = false; !done; t++) {
    const step = env.step(policy.act(obs, t));
    ret += step.reward;
    obs = step.obs;
    done = step.terminated || step.truncated;
    yield;
  }
  return ret;
}
function evalPolicy(config, params, obsStats, mode, seed) {
  return mode === "deterministic" ? new GreedyPolicy(config, params, obsStats) : new SampledPolicy(config, params, obsStats, seed);
}
var PlainActor = class {
  constructor(config, params, obsStats) {
    this.config = config;
    this.params = params;
    this.model = modelFor(config);
    const { spec, numParams } = this.model;
    if (params.length !== numParams) throw new Error(`evaluatePolicy: ${config.envId}'s model has ${numParams} params, got ${params.length}`);
    if (config.normObs && !obsStats) throw new Error("evaluatePolicy: the run normalized observations; its statistics are needed");
    this.rms = config.normObs ? RunningMeanStd.fromArray(spec.obsDim, obsStats) : null;
    this.normalized = new Float32Array(spec.obsDim);
  }
  config;
  params;
  model;
  rms;
  normalized;
  forward(obs) {
    const input = this.rms ? this.rms.normalize(obs, 1, this.config.clipObs, this.normalized) : obs;
    return forwardPlain(this.params, this.model.layout, input, 1);
  }
};
var GreedyPolicy = class {
  actor;
  constructor(config, params, obsStats) {
    this.actor = new PlainActor(config, params, obsStats);
  }
  act(obs) {
    const { head } = this.actor.model;
    const { actorOut } = this.actor.forward(obs);
    return head.type === "categorical" ? actorOut.indexOf(Math.max(...actorOut)) : Array.from(actorOut, (m2, j) => Math.min(Math.max(m2, head.low[j]), head.high[j]));
  }
};
var SampledPolicy = class {
  constructor(config, params, obsStats, seed) {
    this.config = config;
    this.actor = new PlainActor(config, params, obsStats);
    const { head, layout } = this.actor.model;
    this.sampler = new ActionSampler(head, 1, new Rng(seed ^ 1540483477), config.sdeSampleFreq);
    this.logStd = logStdPlain(params, layout) ?? new Float32Array(0);
  }
  config;
  actor;
  sampler;
  logStd;
  act(obs, t) {
    const { actorOut, actorHidden } = this.actor.forward(obs);
    const { sampler } = this;
    sampler.sample({ actorOut, logStd: this.logStd, actorHidden: this.config.gsde ? actorHidden : new Float32Array(0) }, t);
    return sampler.head.type === "categorical" ? sampler.actions[0] : Array.from(sampler.envActions);
  }
};

// server/metrics/solveCheck.ts
var SOLVE_CHECK_SLICE_MS = 4;
var SolveCheck = class {
  constructor(config) {
    this.config = config;
  }
  config;
  count = 0;
  lastMean = null;
  lastAtEnvSteps = null;
  current = null;
  nextAtEnvSteps = 0;
  get running() {
    return this.current !== null;
  }
  /** Whether a check may start at `envSteps`: none is running and the last one started solveCheckEverySteps or more before. */
  due(envSteps) {
    return this.current === null && envSteps >= this.nextAtEnvSteps;
  }
  /**
   * Plays `params` (a copy the caller does not change) with observation statistics `obsStats`
   * (null when the run does not normalize) in slices; `onDone` gets the mean return, or null when
   * the evaluation failed (it then counts as falling short).
   */
  start(params, obsStats, envSteps, onDone) {
    const episodes = this.config.solveCheckEpisodes;
    const steps = evaluationSteps(this.config, params, obsStats, episodes, randomInt2(0, 2 ** 31 - episodes));
    const run = { handle: null };
    this.current = run;
    const finish = (mean) => {
      this.current = null;
      this.count++;
      this.lastMean = mean;
      this.lastAtEnvSteps = envSteps;
      this.nextAtEnvSteps = envSteps + this.config.solveCheckEverySteps;
      onDone(mean);
    };
    const slice = () => {
      run.handle = null;
      const until = performance.now() + SOLVE_CHECK_SLICE_MS;
      let next;
      try {
        do
          next = steps.next();
        while (!next.done && performance.now() < until);
      } catch (e) {
        console.error(`tabswarm: solve check failed: ${e instanceof Error ? e.message : String(e)}`);
        return finish(null);
      }
      if (!next.done) {
        run.handle = setImmediate(slice);
        return;
      }
      finish(next.value.reduce((a, b) => a + b, 0) / next.value.length);
    };
    run.handle = setImmediate(slice);
  }
  /** Abandons a running check (the run ended meanwhile); its result is never reported. */
  cancel() {
    if (this.current?.handle) clearImmediate(this.current.handle);
    this.current = null;
  }
  status() {
    return { count: this.count, running: this.running, lastMean: this.lastMean, lastAtEnvSteps: this.lastAtEnvSteps };
  }
};

// server/metrics/reportBounds.ts
var RETURN_SLACK = 1e-6;
function impossibleReport(config, spec, assignedSteps, version3, r) {
  if (!assignedSteps.some((s) => r.envSteps === config.numEnvs * s)) {
    const sizes = assignedSteps.map((s) => `${config.numEnvs} envs x ${s} steps = ${config.numEnvs * s}`).join(" or ");
    return `your rollouts are ${sizes} env steps, got ${r.envSteps}`;
  }
  if (r.rolloutVersion > version3) return `rolloutVersion ${r.rolloutVersion} is ahead of the coordinator's version ${version3}`;
  const maxLen = spec.maxEpisodeSteps;
  const range = spec.rewardRange;
  const slack = range ? RETURN_SLACK * Math.max(1, Math.abs(range[0]), Math.abs(range[1])) : 0;
  let total = 0;
  for (let i = 0; i < r.episodeLengths.length; i++) {
    const len = r.episodeLengths[i];
    if (len > maxLen) return `episodes last at most ${maxLen} steps`;
    total += len;
    if (range) {
      const ret = r.episodeReturns[i];
      const lo = range[0] * len;
      const hi = range[1] * len;
      if (ret < lo - slack * len || ret > hi + slack * len) return `a ${len}-step episode of ${spec.id} returns between ${lo} and ${hi}, got ${ret}`;
    }
  }
  const most = r.envSteps + config.numEnvs * (maxLen - 1);
  if (total > most) return `the episodes ending in a rollout of ${r.envSteps} env steps over ${config.numEnvs} envs last ${most} steps together at most, got ${total}`;
  return null;
}

// server/metrics/prometheus.ts
init_metrics();
init_protocol();
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
var RUN_STATES = Object.keys({ waiting: 0, training: 0, solved: 0, budgetExhausted: 0, stopped: 0 });
var LATENCY_QUANTILES = [["0.5", "p50"], ["0.99", "p99"], ["1", "max"]];
function coordinatorRegistry(source) {
  const register = new Registry();
  const registers = [register];
  new Counter({
    name: "tabswarm_updates_total",
    help: "Pushed updates by decision: accepted, or the reason it was refused",
    labelNames: ["decision"],
    registers,
    collect() {
      const { accepted, rejected } = source.updates.counts;
      this.reset();
      this.inc({ decision: "accepted" }, accepted);
      for (const reason of REJECT_REASONS) this.inc({ decision: reason }, rejected[reason] ?? 0);
    }
  });
  new Counter({
    name: "tabswarm_env_steps_total",
    help: "Env steps counted from accepted rollout reports",
    registers,
    collect() {
      this.reset();
      this.inc(source.tracker.envSteps);
    }
  });
  new Counter({
    name: "tabswarm_episodes_total",
    help: "Finished episodes counted from accepted rollout reports",
    registers,
    collect() {
      this.reset();
      this.inc(source.tracker.episodes);
    }
  });
  new Gauge({
    name: "tabswarm_parameter_version",
    help: "Parameter version: optimizer steps applied",
    registers,
    collect() {
      this.set(source.ps.version);
    }
  });
  new Gauge({
    name: "tabswarm_workers_connected",
    help: "Joined workers (tabs) connected now",
    registers,
    collect() {
      this.set(source.registry.connectedCount());
    }
  });
  new Gauge({
    name: "tabswarm_mean_return",
    help: "Mean episodic return over the solve window (NaN before any episode)",
    registers,
    collect() {
      this.set(source.tracker.meanReturn() ?? NaN);
    }
  });
  new Gauge({
    name: "tabswarm_env_steps_per_second",
    help: "Env steps per second over the latest dashboard tick",
    registers,
    collect() {
      this.set(source.tracker.history.at(-1)?.metrics[M.sps] ?? 0);
    }
  });
  new Gauge({
    name: "tabswarm_push_decision_seconds",
    help: "Time from a push's arrival to its decision over the latest pushes, by quantile (1: the maximum)",
    labelNames: ["quantile"],
    registers,
    collect() {
      const s = source.pushLatency.summary();
      this.reset();
      for (const [quantile, key] of LATENCY_QUANTILES) {
        const ms2 = s[key];
        if (ms2 !== null) this.set({ quantile }, ms2 / 1e3);
      }
    }
  });
  new Gauge({
    name: "tabswarm_push_decision_samples",
    help: "Pushes in the window the push decision quantiles are taken over",
    registers,
    collect() {
      this.set(source.pushLatency.summary().n);
    }
  });
  new Gauge({
    name: "tabswarm_run_state",
    help: "The run's state: 1 for the current one, 0 for the others",
    labelNames: ["state"],
    registers,
    collect() {
      for (const state of RUN_STATES) this.set({ state }, source.tracker.state === state ? 1 : 0);
    }
  });
  new Gauge({
    name: "tabswarm_run_info",
    help: "The run's environment and update mode, as labels (always 1)",
    labelNames: ["env_id", "update_mode"],
    registers,
    collect() {
      this.set({ env_id: source.config.envId, update_mode: source.config.updateMode }, 1);
    }
  });
  collectDefaultMetrics({ register });
  return register;
}
function metricsRoute(source) {
  let register = null;
  return async () => {
    register ??= coordinatorRegistry(source);
    return new TextReply(register.contentType, await register.metrics());
  };
}

// server/metrics/historyExport.ts
function attachment(envId, ext) {
  return { "content-disposition": `attachment; filename="tabswarm-${envId.replace(/[^A-Za-z0-9._-]/g, "_")}-history.${ext}"` };
}
function csvCell(s) {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
function historyColumns(points) {
  const names = /* @__PURE__ */ new Set();
  for (const p of points) for (const [k, v] of Object.entries(p.metrics)) if (v !== void 0) names.add(k);
  return [...names].sort();
}
function historyCsv(envId, points) {
  const names = historyColumns(points);
  const lines = [["wallS", "envSteps", "version", ...names].map(csvCell).join(",")];
  for (const p of points) {
    lines.push([p.wallS, p.envSteps, p.version, ...names.map((k) => p.metrics[k] ?? "")].join(","));
  }
  return new TextReply("text/csv; charset=utf-8", lines.join("\n") + "\n", attachment(envId, "csv"));
}
function historyJsonl(envId, points) {
  const body = points.map((p) => JSON.stringify(p) + "\n").join("");
  return new TextReply("application/x-ndjson; charset=utf-8", body, attachment(envId, "jsonl"));
}

// server/net/origins.ts
import { hostname as hostname2, networkInterfaces as networkInterfaces2 } from "node:os";
var LOOPBACK_HOSTS = /* @__PURE__ */ new Set(["localhost", "127.0.0.1", "[::1]"]);
function parseOrigin(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not an origin: ${JSON.stringify(text)} (expected e.g. https://swarm.example.org)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`not an http(s) origin: ${text}`);
  if (url.pathname !== "/" || url.search || url.hash || url.username) throw new Error(`an origin has no path, query or credentials: ${text}`);
  return url.origin;
}
var OriginPolicy = class {
  allowed = /* @__PURE__ */ new Set();
  /** `extra`: the operator's origins (see the file's comment); throws on one that is not an origin. */
  constructor(extra = []) {
    for (const o of extra) this.allowed.add(parseOrigin(o));
  }
  /**
   * Adds the coordinator's own origins once it listens on `host`:`port`, and those of the other
   * `names` it is reached by on that port (the DNS names of its TLS certificate).
   */
  listening(host, port, names = []) {
    const hosts = [...ANY_HOST.has(host) ? [hostname2(), ...localAddresses()] : [host], ...names];
    for (const h of hosts) {
      const name = urlHost(h);
      for (const scheme of ["http", "https"]) {
        try {
          this.allowed.add(new URL(`${scheme}://${name}:${port}`).origin);
        } catch {
        }
      }
    }
  }
  /** Whether a connection whose request carries this Origin header may go on. */
  allows(origin) {
    if (origin === void 0) return true;
    let url;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return false;
    return LOOPBACK_HOSTS.has(url.hostname) || this.allowed.has(url.origin);
  }
};
function localAddresses() {
  return Object.values(networkInterfaces2()).flatMap((list) => (list ?? []).map((a) => a.address));
}

// shared/admin.ts
import { z as z5 } from "zod";
var adminRequestSchema = z5.object({
  /** The coordinator's admin token (`--admin-token`), when it has one. */
  token: z5.string().max(256).optional(),
  action: z5.discriminatedUnion("type", [
    z5.object({ type: z5.literal("pause") }),
    z5.object({ type: z5.literal("resume") }),
    z5.object({ type: z5.literal("stop") }),
    z5.object({ type: z5.literal("checkpoint") }),
    /** The base learning rate (before annealing) of the steps from now on. */
    z5.object({ type: z5.literal("learningRate"), value: z5.number().finite() }),
    /** The staleness bound S of the gate from now on. */
    z5.object({ type: z5.literal("maxStaleness"), value: z5.number().finite() })
  ])
});

// server/admin/adminControls.ts
init_protocol();

// server/admin/adminToken.ts
import { createHash, timingSafeEqual } from "node:crypto";
var digest = (s) => createHash("sha256").update(s, "utf8").digest();
function tokenMatches(given, expected) {
  return timingSafeEqual(digest(given ?? ""), digest(expected));
}

// server/admin/adminControls.ts
async function handleAdmin(target, adminToken, req) {
  const parsed = adminRequestSchema.safeParse(req);
  if (!parsed.success) return { ok: false, refused: false, error: `bad admin request: ${describeIssue(parsed.error)}` };
  const { token, action } = parsed.data;
  if (adminToken !== void 0 && !tokenMatches(token, adminToken)) {
    return { ok: false, refused: true, error: token ? "refused: wrong admin token" : "refused: this coordinator needs its admin token" };
  }
  try {
    switch (action.type) {
      case "pause":
        return { ok: true, message: target.pause() };
      case "resume":
        return { ok: true, message: target.resume() };
      case "stop":
        return { ok: true, message: target.stopRun() };
      case "checkpoint":
        return { ok: true, message: await target.checkpointNow() };
      case "learningRate":
        return { ok: true, message: target.setLearningRate(action.value) };
      case "maxStaleness":
        return { ok: true, message: target.setMaxStaleness(action.value) };
    }
  } catch (e) {
    return { ok: false, refused: false, error: e instanceof Error ? e.message : String(e) };
  }
}

// server/net/policyRoute.ts
var base64 = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
function policyRoute(config, ps, norm) {
  const obs = norm.obs?.toArray() ?? null;
  return { envId: config.envId, version: ps.version, params: base64(ps.params), obsStats: obs && base64(obs) };
}

// server/net/connectionLimits.ts
import { Decoder, Encoder } from "socket.io-parser";

// server/net/clientAddress.ts
import { isIPv4, isIPv6 } from "node:net";
function clientAddress(remote) {
  if (!remote) return "unknown";
  const ip = remote.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return "unknown";
  return `${ipv6Groups(ip).slice(0, 4).join(":")}::/64`;
}
function ipv6Groups(ip) {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  let text = ip;
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = ip.slice(0, dotted.index) + `${(a << 8 | b).toString(16)}:${(c << 8 | d).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const part = (s) => s ? s.split(":") : [];
  const groups = tail === void 0 ? part(head) : [...part(head), ...new Array(8 - part(head).length - part(tail).length).fill("0"), ...part(tail)];
  return groups.map((g3) => Number.parseInt(g3, 16).toString(16));
}

// server/net/connectionLimits.ts
var MAX_ATTACHMENTS = 3;
var HALF_SENT_TIMEOUT_MS = 1e4;
var boundedParser = {
  Encoder,
  Decoder: class extends Decoder {
    constructor() {
      super({ maxAttachments: MAX_ATTACHMENTS });
    }
  }
};
var ConnectionLimits = class {
  constructor(maxConnections, maxPerIp, halfSentTimeoutMs = HALF_SENT_TIMEOUT_MS) {
    this.maxConnections = maxConnections;
    this.maxPerIp = maxPerIp;
    this.halfSentTimeoutMs = halfSentTimeoutMs;
  }
  maxConnections;
  maxPerIp;
  halfSentTimeoutMs;
  perIp = /* @__PURE__ */ new Map();
  total = 0;
  /** Why a new connection from the request's address is refused, or null when it may open. */
  refusal(req) {
    if (this.total >= this.maxConnections) return `the coordinator holds its most connections (${this.maxConnections})`;
    if ((this.perIp.get(address(req)) ?? 0) >= this.maxPerIp) return `too many connections from one address (${this.maxPerIp})`;
    return null;
  }
  /** Counts an opened engine.io connection until it closes, and watches its binary messages. */
  opened(raw) {
    const ip = address(raw.request);
    this.total++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    let missing = 0;
    let timer = null;
    raw.on("message", (data) => {
      if (typeof data === "string") {
        if (data[0] === "5" || data[0] === "6") {
          const n = Number.parseInt(data.slice(1), 10);
          if (Number.isInteger(n) && n > 0 && n <= MAX_ATTACHMENTS) {
            missing = n;
            timer ??= setTimeout(() => raw.close(), this.halfSentTimeoutMs);
          }
        }
      } else if (missing > 0 && --missing === 0 && timer) {
        clearTimeout(timer);
        timer = null;
      }
    });
    raw.on("close", () => {
      if (timer) clearTimeout(timer);
      this.total--;
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
    });
  }
};
function address(req) {
  return clientAddress(req.socket.remoteAddress);
}

// server/coordinator.ts
var PER_WORKER_HISTORY_MAX = 64;
var ADMIN_PAUSED = "an admin paused training";
var WORKER_EVENTS = /* @__PURE__ */ new Set(["join", "push", "rollout"]);
var Coordinator = class extends EventEmitter {
  constructor(opts) {
    super();
    this.opts = opts;
    this.config = opts.config;
    const resume = opts.resume;
    const { spec, layout, numParams } = modelFor(this.config);
    const params = resume?.params ?? initParams(layout, this.config.seed, this.config);
    if (params.length !== numParams) throw new Error(`initial params have ${params.length} values, the model needs ${numParams}`);
    const saved = resume ? checkpointRunState(resume) : void 0;
    this.ps = new ParameterServer(params, this.config);
    this.solveCheck = new SolveCheck(this.config);
    this.spotChecks = new SpotChecker(this.config, (w, f) => {
      this.updates.counts.rejected.failedCheck++;
      this.updates.offence(w, f.atOnce);
    });
    this.origins = new OriginPolicy(opts.allowedOrigins);
    this.tracker = new RunTracker(this.config.solveWindow, this.config.solveThreshold, this.config.totalTimesteps);
    this.norm = new MergedNormStats(this.config, spec.obsDim, saved?.norm);
    this.snapshots = new ParamsSnapshots(this.ps.params);
    this.registry = new WorkerRegistry(this.config, (w, socket) => {
      if (socket) {
        socket.data.worker = void 0;
        socket.disconnect(true);
      }
      this.updates.workerLeft(w);
    });
    this.updates = new UpdatePipeline(
      this.ps,
      this.config,
      this.registry,
      this.tracker,
      () => this.snapshots.current(this.ps.version),
      (w, r) => this.takeReport(w, r, false)
    );
    if (resume) {
      this.ps.adam.loadState(resume.adam);
      this.ps.version = resume.version;
      if (saved?.counts) Object.assign(this.updates.counts, saved.counts);
      if (saved?.stalenessHistogram) this.updates.stalenessHistogram.splice(0, Infinity, ...saved.stalenessHistogram);
      this.tracker.restore(saved?.tracker ?? { envSteps: resume.envSteps, episodes: 0, recentReturns: [] });
      if (saved?.outerVelocity) {
        if (saved.outerVelocity.length !== numParams) throw new Error(`checkpoint's outer momentum has ${saved.outerVelocity.length} values, the model needs ${numParams}`);
        this.ps.outer.velocity.set(saved.outerVelocity);
      }
      if (saved?.workers) this.registry.restore(saved.workers);
    }
    this.http = createHttpServer({
      staticDir: opts.staticDir,
      crossOriginIsolation: opts.crossOriginIsolation,
      tls: opts.tls,
      routes: {
        "/api/config": () => this.config,
        "/api/status": () => ({ status: this.status(), workers: this.workerList() }),
        "/api/perf": (q) => {
          const body = this.perf();
          if (q.get("reset") === "1") this.pushLatency.reset();
          return body;
        },
        "/metrics": metricsRoute(this),
        "/api/history.csv": () => historyCsv(this.config.envId, this.tracker.history),
        "/api/history.jsonl": () => historyJsonl(this.config.envId, this.tracker.history),
        "/api/policy": () => policyRoute(this.config, this.ps, this.norm)
      }
    });
    const limits = new ConnectionLimits(this.config.maxConnections, this.config.maxConnectionsPerIp, opts.halfSentTimeoutMs);
    this.io = new Server(this.http, {
      maxHttpBufferSize: params.byteLength * 2 + (1 << 20),
      pingInterval: this.config.heartbeatMs,
      pingTimeout: this.config.heartbeatTimeoutMs,
      serveClient: false,
      wsEngine: TrackingWebSocketServer,
      parser: boundedParser,
      // Browser pages of other sites (net/origins.ts), and connections over the limits (net/connectionLimits.ts), are refused before any handshake.
      allowRequest: (req, callback) => {
        if (!this.origins.allows(req.headers.origin)) return callback("origin not allowed", false);
        const refusal = limits.refusal(req);
        if (refusal) this.ignoredMessages.refusedConnections++;
        callback(refusal, refusal === null);
      }
    });
    this.io.engine.on("connection", (raw) => limits.opened(raw));
    this.workerNs = this.io.of(WORKER_NAMESPACE);
    this.dashNs = this.io.of(DASHBOARD_NAMESPACE);
    this.workerNs.on("connection", (s) => this.onWorker(s));
    this.dashNs.on("connection", (s) => {
      s.onAny((event) => {
        if (event !== "admin") this.ignoredMessages.unknownEvent++;
      });
      s.on("admin", (req, ack) => {
        if (typeof ack !== "function") return void this.ignoredMessages.noAck++;
        void handleAdmin(this, this.opts.adminToken, req).then(ack);
      });
      s.on("disconnect", () => this.emit("dashboards", this.dashNs.sockets.size));
      s.emit("snapshot", { config: this.config, status: this.status(), workers: this.workerList(), history: this.tracker.history });
      this.emit("dashboards", this.dashNs.sockets.size);
    });
  }
  opts;
  config;
  ps;
  updates;
  tracker;
  registry;
  norm;
  /** The params copies that replies carry, reused once written. */
  snapshots;
  /** Milliseconds from a push's arrival to its decision (decode, checks, optimizer step), last pushes. */
  pushLatency = new LatencyWindow(1e4);
  /** The coordinator's own evaluations that confirm (or not) what the solve window says. */
  solveCheck;
  /** Replays of reported episodes, each failure an offence of its worker ('failedCheck'). */
  spotChecks;
  ignoredMessages = { noAck: 0, unknownEvent: 0, refusedConnections: 0 };
  origins;
  http;
  io;
  workerNs;
  dashNs;
  timer = null;
  lastTickAt = performance.now();
  async start() {
    await new Promise((resolve3, reject) => {
      this.http.once("error", reject);
      this.http.listen(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => resolve3());
    });
    this.origins.listening(this.opts.host ?? "127.0.0.1", this.port, this.opts.tls ? certificateDnsNames(this.opts.tls.cert) : []);
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 500);
    return this.port;
  }
  get port() {
    return this.http.address().port;
  }
  /** Dashboards connected now. */
  get dashboards() {
    return this.dashNs.sockets.size;
  }
  async stop() {
    this.updates.finish();
    this.solveCheck.cancel();
    this.spotChecks.stop();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tracker.stop();
    await new Promise((resolve3) => this.io.close(() => resolve3()));
  }
  /** Learning rate of the next full-size step (annealed over the budget when enabled). */
  learningRate() {
    return learningRate(this.config, this.tracker.envSteps);
  }
  /** Everything needed to continue this run exactly: see CoordinatorOptions.resume. */
  checkpoint() {
    return {
      envId: this.config.envId,
      config: this.config,
      version: this.ps.version,
      envSteps: this.tracker.envSteps,
      params: this.ps.params.slice(),
      adam: this.ps.adam.state(),
      extra: runStateExtra({
        norm: this.norm.arrays(),
        counts: this.updates.counts,
        stalenessHistogram: this.updates.stalenessHistogram,
        tracker: this.tracker.saved(),
        outerVelocity: this.ps.outer.momentum > 0 ? this.ps.outer.velocity : void 0,
        workers: this.registry.saved()
      })
    };
  }
  status() {
    const t = this.tracker;
    return {
      envId: this.config.envId,
      state: t.state,
      envSteps: t.envSteps,
      version: this.ps.version,
      episodes: t.episodes,
      meanReturn: t.meanReturn(),
      accepted: this.updates.counts.accepted,
      rejected: { ...this.updates.counts.rejected },
      stalenessHistogram: [...this.updates.stalenessHistogram],
      updateMode: this.config.updateMode,
      trainingWallS: t.wallS(),
      solvedAtEnvSteps: t.solvedAtEnvSteps,
      solvedAtWallS: t.solvedAtWallS,
      solveChecks: this.solveCheck.status(),
      spotChecks: { ...this.spotChecks.counts },
      ignoredMessages: { ...this.ignoredMessages },
      controls: {
        paused: this.updates.paused,
        adminTokenRequired: this.opts.adminToken !== void 0,
        learningRate: this.config.learningRate,
        maxStaleness: this.config.maxStaleness
      }
    };
  }
  // Admin controls (admin/adminControls.ts): each says what it did, or throws saying why it did nothing.
  // The next tick records the change in the history and shows it on the dashboards.
  /** Holds training: pushes are refused as 'paused' and the workers are told to wait. */
  pause() {
    if (this.tracker.finished) throw new Error(`the run is over (${this.tracker.state})`);
    if (this.updates.paused) return "training is already paused";
    this.updates.pause();
    this.workerNs.emit("paused", true, ADMIN_PAUSED);
    return "training paused";
  }
  resume() {
    if (this.tracker.finished) throw new Error(`the run is over (${this.tracker.state})`);
    if (!this.updates.paused) return "training is not paused";
    this.updates.paused = false;
    this.workerNs.emit("paused", false, "an admin resumed training");
    return "training resumed";
  }
  stopRun() {
    if (this.tracker.finished) throw new Error(`the run is already over (${this.tracker.state})`);
    this.endRun();
    return "run stopped";
  }
  async checkpointNow() {
    if (!this.opts.saveCheckpoint) throw new Error("this coordinator has no checkpoint file to save to");
    return `checkpoint saved to ${await this.opts.saveCheckpoint()}`;
  }
  /** The base learning rate of every step from now on (annealing, when on, still scales it); recorded in the history. */
  setLearningRate(value) {
    validateConfig({ ...this.config, learningRate: value });
    this.config.learningRate = value;
    return `learning rate set to ${value}`;
  }
  /** The staleness bound of the gate from now on; recorded in the history. */
  setMaxStaleness(value) {
    if (this.config.updateMode === "sync") throw new Error("a sync run applies only gradients of the current version: it has no staleness bound to change");
    validateConfig({ ...this.config, maxStaleness: value });
    this.config.maxStaleness = value;
    return `staleness bound set to ${value}`;
  }
  /** The coordinator's own cost: push decision latency percentiles and process memory (GET /api/perf). */
  perf() {
    const m2 = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      version: this.ps.version,
      accepted: this.updates.counts.accepted,
      pushMs: this.pushLatency.summary(),
      rssBytes: m2.rss,
      heapUsedBytes: m2.heapUsed,
      cpuUserS: cpu.user / 1e6,
      cpuSystemS: cpu.system / 1e6,
      connectedWorkers: this.workerNs.sockets.size
    };
  }
  workerList() {
    return this.registry.list();
  }
  onWorker(socket) {
    socket.onAny((event) => {
      if (!WORKER_EVENTS.has(event)) this.ignoredMessages.unknownEvent++;
    });
    socket.on("join", (req, ack) => {
      if (typeof ack !== "function") return void this.ignoredMessages.noAck++;
      ack(this.join(socket, req));
    });
    socket.on("push", (req, ack) => {
      if (typeof ack !== "function") return void this.ignoredMessages.noAck++;
      const t0 = performance.now();
      this.updates.push(socket.data.worker, req, ack);
      this.pushLatency.add(performance.now() - t0);
    });
    socket.on("rollout", (report, ack) => {
      if (typeof ack !== "function") return void this.ignoredMessages.noAck++;
      ack(this.rollout(socket.data.worker, report));
    });
    socket.on("disconnect", () => {
      const w = socket.data.worker;
      if (w?.socket === socket) this.registry.drop(w);
    });
  }
  join(socket, req) {
    const parsed = joinSchema.safeParse(req);
    if (!parsed.success) return { ok: false, error: `bad join: ${describeIssue(parsed.error)}` };
    if (this.opts.token !== void 0 && parsed.data.token !== this.opts.token) return { ok: false, error: "bad token" };
    if (this.tracker.finished) return { ok: false, error: `the run is over (${this.tracker.state})`, over: true };
    if (socket.data.worker) return { ok: false, error: "already joined" };
    const w = this.registry.join(parsed.data, socket, this.ps.version, performance.now(), clientAddress(socket.handshake.address));
    if (typeof w === "string") return { ok: false, error: w };
    socket.data.worker = w;
    this.tracker.start();
    if (this.updates.paused) setImmediate(() => socket.emit("paused", true, ADMIN_PAUSED));
    return {
      ok: true,
      workerId: w.workerId,
      workerIndex: w.workerIndex,
      resumeToken: w.resumeToken,
      config: this.config,
      version: this.ps.version,
      params: this.snapshots.current(this.ps.version),
      ticket: w.tickets.issue(this.ps.version),
      norm: this.norm.wire(),
      numSteps: w.numSteps
    };
  }
  /**
   * A rollout report on its own (async and sync modes; in local mode reports ride with the pushes).
   * Paced: a worker's first report after it joins, then one per rollout whose updates it pushed (a
   * push decided since its last report, WorkerRecord.mayReport), so the budget counts only env
   * steps tied to updates the coordinator saw, at most one report per push.
   */
  rollout(w, report) {
    if (!w) return { ok: false, error: "join first" };
    if (this.config.updateMode === "local") return { ok: false, error: "this run is in local mode: send each report with its delta" };
    const parsed = rolloutSchema.safeParse(report);
    if (!parsed.success) return { ok: false, error: `bad rollout report: ${describeIssue(parsed.error)}` };
    if (this.tracker.finished) return { ok: false, error: `the run is over (${this.tracker.state})` };
    w.lastSeenAt = performance.now();
    return this.takeReport(w, parsed.data, true);
  }
  /**
   * Counts a well-formed report's env steps and episodes and merges its statistics, if it is
   * possible for this run (reportBounds.ts) and, when `paced`, the worker may report now.
   */
  takeReport(w, r, paced) {
    const impossible = impossibleReport(this.config, envSpec(this.config.envId), w.assignedSteps, this.ps.version, r);
    if (impossible) {
      this.updates.offence(w);
      return { ok: false, error: impossible };
    }
    const norm = this.norm.check(r.norm, r.envSteps, this.config.numEnvs);
    if (typeof norm === "string") {
      this.updates.offence(w);
      return { ok: false, error: `bad rollout report: ${norm}` };
    }
    if (w.quarantined) return { ok: false, error: `worker ${w.workerId} is quarantined: its reports no longer count` };
    if (paced) {
      if (!w.mayReport) return { ok: false, error: "one rollout report per rollout: push this rollout's updates before reporting the next one (report not counted)" };
      w.mayReport = false;
      w.pushAllowance = this.registry.rolloutPushes();
    }
    this.norm.merge(norm);
    w.envSteps += r.envSteps;
    const socket = w.socket;
    if (socket) this.spotChecks.consider(w, r, (req) => socket.timeout(this.config.spotCheckTimeoutMs).emitWithAck("spotCheck", req));
    w.rolloutSps = r.rolloutSps;
    const local = this.config.updateMode === "local";
    if (local) Object.assign(w, sizeForLink(this.config, w, w.stageSeconds, r.stageSeconds));
    else w.numSteps = sizeWork(this.config, w.numSteps, w.meanStaleness);
    w.stageSeconds = r.stageSeconds;
    if (this.tracker.addRollout(r.envSteps, r.episodeReturns, r.losses, r.episodeLengths)) this.finish();
    else if (this.tracker.windowSolved() && this.solveCheck.due(this.tracker.envSteps)) this.checkSolved();
    w.updateSteps = r.envSteps / this.config.numEnvs;
    if (w.numSteps !== w.assignedSteps.at(-1)) w.assignedSteps = [...w.assignedSteps, w.numSteps].slice(local ? -(this.config.maxPushesInFlight + 1) : -1);
    const envSteps = this.tracker.envSteps;
    return {
      ok: true,
      norm: this.norm.wire(),
      numSteps: w.numSteps,
      clipCoef: clipCoef(this.config, envSteps),
      learningRate: learningRate(this.config, envSteps),
      accepted: { worker: w.accepted, run: this.updates.counts.accepted }
    };
  }
  /** Drops a worker now (an operator's choice; a silent worker is dropped by the tick). It may resume. */
  dropWorker(workerId) {
    const w = this.registry.workers.get(workerId);
    if (!w?.connected) return false;
    this.registry.drop(w);
    return true;
  }
  /**
   * Ends the run early (time limit, Ctrl-C): 'done' fires with state 'stopped'. Workers are told
   * the run is done, or, given `pausedReason` (the coordinator stops to be resumed), that training
   * is paused, so that they wait and carry on when it comes back.
   */
  endRun(pausedReason) {
    if (this.tracker.finished) return;
    this.tracker.stop();
    this.finish(pausedReason);
  }
  /**
   * The solve window says solved: evaluate the current params (in slices, see SolveCheck) and end
   * the run as solved only if their mean return reaches the threshold; training goes on meanwhile.
   */
  checkSolved() {
    const atEnvSteps = this.tracker.envSteps;
    const at = performance.now();
    this.solveCheck.start(this.ps.params.slice(), this.norm.obs?.toArray() ?? null, atEnvSteps, (mean) => {
      if (!this.tracker.finished && mean !== null && mean >= this.config.solveThreshold) {
        this.tracker.markSolved(atEnvSteps, at);
        this.finish();
      }
      this.emit("solveCheck", this.solveCheck.status());
    });
  }
  finish(pausedReason) {
    this.updates.finish();
    this.solveCheck.cancel();
    this.spotChecks.stop();
    const status = this.status();
    if (pausedReason === void 0) this.workerNs.emit("done", status);
    else this.workerNs.emit("paused", true, pausedReason);
    this.tick();
    this.emit("done", status);
  }
  /** One metrics tick: drops silent workers, adds a history point, and sends it to dashboards. */
  tick() {
    const now = performance.now();
    const dt = Math.max(1e-3, (now - this.lastTickAt) / 1e3);
    this.lastTickAt = now;
    if (this.updates.paused) {
      for (const w of this.registry.workers.values()) if (w.connected) w.lastSeenAt = now;
    }
    this.registry.tick(dt, now);
    const connected = this.registry.connectedCount();
    const metrics = {};
    if (connected <= PER_WORKER_HISTORY_MAX) {
      for (const w of this.registry.workers.values()) {
        if (!w.connected) continue;
        metrics[workerMetric(w.workerIndex, "updatesPerS")] = w.updatesPerS;
        metrics[workerMetric(w.workerIndex, "envStepsPerS")] = w.envStepsPerS;
      }
    }
    const counts = this.updates.counts;
    let rejected = 0;
    for (const [reason, n] of Object.entries(counts.rejected)) {
      rejected += n;
      if (n > 0) metrics[rejectedMetric(reason)] = n;
    }
    metrics[M.version] = this.ps.version;
    metrics[M.accepted] = counts.accepted;
    metrics[M.rejected] = rejected;
    metrics[M.learningRate] = this.learningRate();
    metrics[M.stalenessBound] = this.config.maxStaleness;
    metrics[M.paused] = this.updates.paused ? 1 : 0;
    metrics[M.workers] = connected;
    const sinceTick = this.updates.takeTick();
    if (sinceTick) {
      metrics[M.staleness] = sinceTick.meanStaleness;
      metrics[M.maxStaleness] = sinceTick.maxStaleness;
      metrics[M.gradNorm] = sinceTick.meanGradNorm;
    }
    const point = this.tracker.point(this.ps.version, metrics, now);
    const status = this.status();
    if (this.dashNs.sockets.size > 0) this.dashNs.emit("tick", { status, workers: this.workerList(), points: [point] });
    this.emit("tick", status);
  }
};

// server/checkpoint/periodic.ts
var PeriodicCheckpoints = class {
  /** `take` snapshots the run (the coordinator's checkpoint()); `onError` hears a failed save, which does not end the run. */
  constructor(path, take, onError) {
    this.path = path;
    this.take = take;
    this.onError = onError;
  }
  path;
  take;
  onError;
  timer = null;
  saving = null;
  /** Saves every `everySec` seconds from now on; 0 never (the run's end saves anyway). */
  start(everySec) {
    if (everySec <= 0 || this.timer) return;
    this.timer = setInterval(() => this.save(), everySec * 1e3);
  }
  /** Saves now, unless a save is still being written: a slow disk skips a beat rather than piling saves up. */
  save() {
    if (this.saving) return;
    this.saving = saveCheckpoint(this.path, this.take()).catch((e) => this.onError(e)).finally(() => {
      this.saving = null;
    });
  }
  /**
   * Saves now (an admin's "checkpoint now"), after any save still being written, and returns the
   * file's path; rejects if this save fails.
   */
  async saveNow() {
    while (this.saving) await this.saving;
    const save = saveCheckpoint(this.path, this.take());
    this.saving = save.catch(() => void 0).finally(() => {
      this.saving = null;
    });
    await save;
    return this.path;
  }
  /** Stops saving; resolves once a save in progress has landed, so that the run's final save comes after it. */
  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.saving;
  }
};

// cli/args.ts
init_config();
import { existsSync as existsSync2 } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InvalidArgumentError } from "commander";
var numberArg = (name, { integer = false, min = 0 } = {}) => (v) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || integer && !Number.isInteger(n)) {
    throw new InvalidArgumentError(`${name} must be ${integer ? "an integer" : "a number"} >= ${min}`);
  }
  return n;
};
var parsedBy = (parse) => (v) => {
  try {
    return parse(v);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
};
async function importEnvModules(files) {
  const paths = files.map((f) => resolve(f));
  for (const p of paths) {
    if (!existsSync2(p)) throw new ConfigError(`--env-module ${p} does not exist`);
    await import(pathToFileURL(p).href);
  }
  return paths;
}

// cli/history.ts
import { closeSync, openSync, writeSync } from "node:fs";
import { readFile as readFile3, rename as rename2, writeFile as writeFile2 } from "node:fs/promises";
async function readHistoryLines(path) {
  const text = await readFile3(path, "utf8").catch(() => "");
  const points = [];
  for (const line2 of text.split("\n")) {
    if (!line2) continue;
    try {
      const p = JSON.parse(line2);
      if (typeof p?.envSteps === "number" && typeof p.version === "number" && typeof p.wallS === "number") points.push(p);
    } catch {
    }
  }
  return points;
}
function historyUpTo(points, version3, envSteps, wallS = Infinity) {
  return points.filter((p) => p.version <= version3 && p.envSteps <= envSteps && p.wallS <= wallS);
}
async function historyWriter(path, earlier, onError) {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile2(tmp, earlier.map((p) => `${JSON.stringify(p)}
`).join(""));
  await rename2(tmp, path);
  let fd = openSync(path, "a");
  const fail2 = (e) => {
    onError(`cannot append to ${path}, history streaming stops: ${e instanceof Error ? e.message : String(e)}`);
    if (fd !== null) try {
      closeSync(fd);
    } catch {
    }
    fd = null;
  };
  return {
    write(point) {
      if (fd === null || point === void 0) return;
      try {
        writeSync(fd, `${JSON.stringify(point)}
`);
      } catch (e) {
        fail2(e);
      }
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    }
  };
}

// cli/log.ts
function logLevel(o) {
  if (o.quiet && o.verbose) throw new Error("--quiet and --verbose exclude each other");
  return o.quiet ? "quiet" : o.verbose ? "verbose" : "normal";
}
function makeLog(level) {
  const quiet = level === "quiet";
  return {
    level,
    error: (line2) => console.error(line2),
    result: (line2) => console.log(line2),
    info: (line2) => {
      if (!quiet) console.log(line2);
    },
    warn: (line2) => {
      if (!quiet) console.error(line2);
    },
    debug: (line2) => {
      if (level === "verbose") console.error(line2);
    }
  };
}

// cli/start.ts
init_wanRelay();
init_metrics();

// cli/keepServing.ts
async function keepServing(coordinator, origin, serve, graceMs = 1e4) {
  if (!serve && coordinator.dashboards === 0) return;
  console.log(serve ? `serving the dashboard at ${origin}/ until interrupted (Ctrl-C to quit)` : `a dashboard is open: serving ${origin}/ until it closes (Ctrl-C to quit now; --serve keeps serving after a run)`);
  await new Promise((resolve3) => {
    let timer = null;
    const done = () => {
      if (timer) clearTimeout(timer);
      coordinator.off("dashboards", watch);
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve3();
    };
    const watch = (n) => {
      if (timer) clearTimeout(timer);
      timer = !serve && n === 0 ? setTimeout(done, graceMs) : null;
    };
    coordinator.on("dashboards", watch);
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
    watch(coordinator.dashboards);
  });
}

// cli/start.ts
init_choiceCache();

// cli/clientBuild.ts
import { readdir, stat } from "node:fs/promises";
import { join as join3 } from "node:path";
var SOURCE_DIRS = ["client", "shared"];
var SOURCE_FILES = ["vite.config.ts", "tsconfig.json", "package.json", "package-lock.json"];
async function newest(path) {
  let s;
  try {
    s = await stat(path);
  } catch {
    return 0;
  }
  if (!s.isDirectory()) return s.mtimeMs;
  let latest = s.mtimeMs;
  for (const e of await readdir(path)) latest = Math.max(latest, await newest(join3(path, e)));
  return latest;
}
async function clientUpToDate(outDir, root) {
  const built = await newest(join3(outDir, "worker.html"));
  if (built === 0) return false;
  const sources = await Promise.all([...SOURCE_DIRS, ...SOURCE_FILES].map((p) => newest(join3(root, p))));
  return Math.max(...sources) < built;
}

// cli/start.ts
var int = (name) => numberArg(name, { integer: true });
var STOPPING = "the coordinator is stopping; training continues when it restarts";
var parseLinks = parsedBy((v) => v.split(",").map((name) => linkProfile(name.trim())));
var parseOriginArg = (v, all) => [...all, parsedBy(parseOrigin)(v)];
var startCommand = (onExit) => new Command("start").description("Train PPO on volunteered browser tabs: coordinator, dashboard and headless worker tabs.").option("--port <n>", "HTTP and Socket.IO port", int("--port"), 3e3).option("--host <addr>", "address to listen on (0.0.0.0 to let other machines contribute)", "127.0.0.1").option("--workers <n>", "headless Chromium worker tabs to launch (0 for none)", int("--workers"), 2).option("--serve", "keep serving after the run ends until Ctrl-C (without it: only while a dashboard is open)", false).option("--config <file>", "JSON file of TrainConfig overrides").option("--env <id>", `environment (${envIds().join(", ")}, or one an --env-module registers)`).option("--env-module <file>", "a file that registers environments with registerEnv (repeatable)", (f, all) => [...all, f], []).option("--total-timesteps <n>", "env step budget", int("--total-timesteps")).option("--seed <n>", "seed", int("--seed")).option("--max-staleness <n>", "staleness bound S: apply an update iff current - v' <= S", int("--max-staleness")).addOption(new Option("--update-mode <mode>", "async: one step per gradient; sync: average one gradient per worker per step; local: each tab pushes one delta per rollout").choices(["async", "sync", "local"])).option("--staleness-scaling", "scale each accepted update's step by 1 / (1 + staleness)").addOption(new Option("--codec <codec>", "how gradients cross the wire").choices(UPDATE_CODECS)).option("--slow-tabs <n>", "make the last n launched tabs simulated slow devices", int("--slow-tabs"), 0).option("--slow-delay-ms <ms>", "extra ms per full-size gradient on a slow tab", int("--slow-delay-ms"), 100).addOption(new Option("--backend <name>", "force a tfjs backend on every tab").choices([...BACKENDS, "auto"])).option("--token <token>", "require this token from workers (?token= on the worker page)").option("--admin-token <token>", "require this token for the dashboard's admin controls (pause, stop, learning rate...); without it they are open to anyone who reaches the dashboard").option("--allowed-origin <origin>", "also accept worker and dashboard pages from this origin, e.g. https://swarm.example.org (repeatable; the coordinator's own and loopback origins always are)", parseOriginArg, []).option("--resume <checkpoint>", "continue a run from its checkpoint file or run folder (params, optimizer, version, counts, env steps, history), in that run folder unless --run-dir says otherwise").option("--max-wall <seconds>", "stop the run this many seconds after launch (0 = no limit)", int("--max-wall"), 0).option("--run-dir <dir>", "where the checkpoint and summary go (default runs/<time>-<env>, or the resumed run's folder)").option("--tls-cert <file>", "serve HTTPS with this PEM certificate (with --tls-key): pages from other machines get WebGPU only over HTTPS").option("--tls-key <file>", "the PEM private key of --tls-cert").option("--tls-self-signed", "serve HTTPS with a self-signed certificate for this machine's names and addresses, kept in the run folder (browsers ask once to accept it)", false).option("--tls-hostname <name>", "a further name the self-signed certificate covers, e.g. the one volunteers type (repeatable)", (n, all) => [...all, n], []).option("--quiet", "print only errors and the outcome", false).option("--verbose", "also print each checkpoint saved and the certificate used", false).option("--link <profiles>", `emulate each tab's network link through a relay: one profile, or one per tab comma-separated (${LINK_NAMES.join(", ")})`, parseLinks).option("--headed", "show the worker browser windows", false).option("--isolate", "send COOP/COEP so tabs can use wasm threads (helps with more than 2 cores)", false).option("--no-build", "serve the client as already built in dist/client (the benchmarks build it once)").exitOverride().action(async (o) => onExit(await start(o)));
async function readConfigFile(path) {
  let text;
  try {
    text = await readFile5(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseConfigFile(text, path);
}
async function buildConfig(o, resumed) {
  const file = o.config ? await readConfigFile(o.config) : {};
  const flags = {};
  if (o.totalTimesteps !== void 0) flags.totalTimesteps = o.totalTimesteps;
  if (o.seed !== void 0) flags.seed = o.seed;
  if (o.maxStaleness !== void 0) flags.maxStaleness = o.maxStaleness;
  if (o.updateMode !== void 0) flags.updateMode = o.updateMode;
  if (o.stalenessScaling) flags.stalenessScaling = true;
  if (o.codec !== void 0) flags.updateCodec = o.codec;
  if (o.backend !== void 0) flags.backend = o.backend;
  return validateConfig(configFor(o.env ?? file.envId ?? resumed?.envId ?? defaultConfig.envId, { ...resumed, ...file, ...flags }));
}
function network(relays, envSteps) {
  const tabs = relays.map((r) => r && { link: r.link.name, bytesUp: r.bytes.up, bytesDown: r.bytes.down });
  const total = (k) => tabs.reduce((n, t) => n + (t?.[k] ?? 0), 0);
  return { tabs, bytesUpPerEnvStep: total("bytesUp") / Math.max(envSteps, 1), bytesDownPerEnvStep: total("bytesDown") / Math.max(envSteps, 1) };
}
function statusLine(s, workers2) {
  const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
  return {
    state: s.state === "waiting" ? "waiting for a tab to join" : s.state,
    ret: s.meanReturn === null ? "-" : s.meanReturn.toFixed(1),
    workers: String(workers2),
    acc: String(s.accepted),
    rej: String(rejected),
    wall: s.trainingWallS === null ? "0" : s.trainingWallS.toFixed(1)
  };
}
async function buildClient(paths, runDir, build) {
  const outDir = paths.length ? join5(runDir, "client") : resolve2("dist/client");
  if (!paths.length && (!build || await clientUpToDate(outDir, resolve2(".")))) return outDir;
  process.env.TABSWARM_ENV_MODULES = paths.join(",");
  const vite = await import("vite");
  await vite.build({ configFile: resolve2("vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true } });
  return outDir;
}
function checkpointPath(fileOrDir) {
  const path = resolve2(fileOrDir);
  return existsSync4(path) && statSync(path).isDirectory() ? join5(path, "checkpoint.ckpt") : path;
}
async function tlsFor(o, runDir, log) {
  if (o.tlsSelfSigned && (o.tlsCert || o.tlsKey)) throw new ConfigError("--tls-self-signed and --tls-cert/--tls-key exclude each other");
  if (o.tlsHostname.length && !o.tlsSelfSigned) throw new ConfigError("--tls-hostname names a --tls-self-signed certificate's further names");
  if (o.tlsSelfSigned) {
    const names = selfSignedNames(o.host, o.tlsHostname);
    const tls2 = await selfSignedTls(runDir, names);
    log.debug(`tabswarm: ${tls2.made ? "made a self-signed certificate" : "serving the self-signed certificate kept"} in ${runDir} for ${names.join(", ")}`);
    return { tls: tls2, selfSigned: true, names: o.tlsHostname };
  }
  if (!o.tlsCert !== !o.tlsKey) throw new ConfigError("--tls-cert and --tls-key go together");
  if (!o.tlsCert) return { selfSigned: false, names: [] };
  const tls = await readTlsFiles(o.tlsCert, o.tlsKey);
  return { tls, selfSigned: false, names: certificateDnsNames(tls.cert) };
}
function listenError(e, o) {
  const code = e?.code;
  if (code === "EADDRINUSE") return new ConfigError(`port ${o.port} on ${o.host} is in use (another tabswarm?): pick another with --port, or --port 0 for any free one`);
  if (code === "EACCES") return new ConfigError(`no permission to listen on port ${o.port} on ${o.host}: pick a port above 1023 with --port`);
  if (code === "EADDRNOTAVAIL") return new ConfigError(`--host ${o.host} is not an address of this machine`);
  return e;
}
async function start(o) {
  const log = makeLog(logLevel(o));
  const envModules = await importEnvModules(o.envModule);
  const resumeFrom = o.resume === void 0 ? void 0 : checkpointPath(o.resume);
  const resumed = resumeFrom ? await loadCheckpoint(resumeFrom) : void 0;
  const config = await buildConfig(o, resumed?.config);
  if (resumed && resumed.envId !== config.envId) throw new ConfigError(`checkpoint ${resumeFrom} is for ${resumed.envId}, not ${config.envId}`);
  const runDir = resolve2(o.runDir ?? (resumeFrom ? dirname4(resumeFrom) : join5("runs", `${(/* @__PURE__ */ new Date()).toISOString().replace(/[:.]/g, "-")}-${config.envId}`)));
  const madeRunDir = !existsSync4(runDir);
  let coordinator;
  let fleet = null;
  let historyLog;
  let started = false;
  const ckptPath = join5(runDir, "checkpoint.ckpt");
  const periodic = new PeriodicCheckpoints(ckptPath, () => {
    const ck = coordinator.checkpoint();
    log.debug(`tabswarm: checkpoint at version ${ck.version}, ${ck.envSteps.toLocaleString()} env steps -> ${ckptPath}`);
    return ck;
  }, (e) => {
    log.error(`tabswarm: periodic checkpoint to ${ckptPath} failed (training goes on): ${e instanceof Error ? e.message : String(e)}`);
  });
  try {
    await mkdir3(runDir, { recursive: true });
    const staticDir = await buildClient(envModules, runDir, o.build);
    const { tls, selfSigned, names } = await tlsFor(o, runDir, log);
    try {
      coordinator = new Coordinator({
        config,
        port: o.port,
        host: o.host,
        token: o.token,
        staticDir,
        resume: resumed,
        crossOriginIsolation: o.isolate,
        allowedOrigins: o.allowedOrigin,
        tls,
        adminToken: o.adminToken,
        saveCheckpoint: () => periodic.saveNow()
      });
    } catch (e) {
      if (resumed) throw new ConfigError(`checkpoint ${resumeFrom} does not fit this run: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    if (coordinator.tracker.finished) {
      throw new ConfigError(`the run in ${resumeFrom} is already over (${coordinator.tracker.state} at ${coordinator.tracker.envSteps.toLocaleString()} env steps): raise --total-timesteps to continue it`);
    }
    const earlier = resumed && resumeFrom ? historyUpTo(await readHistoryLines(join5(dirname4(resumeFrom), "history.jsonl")), resumed.version, resumed.envSteps, checkpointRunState(resumed).tracker?.wallS) : [];
    coordinator.tracker.history.push(...earlier);
    historyLog = await historyWriter(join5(runDir, "history.jsonl"), earlier, (m2) => log.error(`tabswarm: ${m2}`));
    coordinator.on("tick", () => historyLog.write(coordinator.tracker.history.at(-1)));
    const port = await coordinator.start().catch((e) => {
      throw listenError(e, o);
    });
    const origins = reachableOrigins(o.host, port, tls !== void 0, names);
    log.info(`tabswarm: training ${config.envId} (solve: mean of last ${config.solveWindow} returns >= ${config.solveThreshold}, budget ${config.totalTimesteps.toLocaleString()} env steps)${resumed ? `, resumed at version ${resumed.version}, ${resumed.envSteps.toLocaleString()} env steps` : ""}`);
    log.info(`dashboard: ${origins[0]}/   contribute a tab: ${origins[0]}/worker.html${o.token ? `?token=${o.token}` : ""}`);
    for (const other of origins.slice(1)) log.info(`       or: ${other}/   contribute a tab: ${other}/worker.html${o.token ? `?token=${o.token}` : ""}`);
    if (selfSigned) log.info("  (self-signed certificate: each browser asks once to accept it, see the README)");
    log.info(`run folder: ${runDir}`);
    const local = ANY_HOST.has(o.host) ? "127.0.0.1" : o.host;
    const tabHost = tls && !selfSigned && names[0] ? names[0] : local.includes(":") ? `[${local}]` : local;
    const chromiumArgs = !tls ? [] : selfSigned ? ["--ignore-certificate-errors"] : names[0] ? [`--host-resolver-rules=MAP ${names[0]} ${local}`] : [];
    fleet = o.workers === 0 ? null : new (await Promise.resolve().then(() => (init_fleet(), fleet_exports))).Fleet({
      url: `${tls ? "https" : "http"}://${tabHost}:${port}`,
      workers: o.workers,
      headless: !o.headed,
      backend: config.backend === "auto" ? void 0 : config.backend,
      delays: Array.from({ length: o.workers }, (_, i) => i >= o.workers - o.slowTabs ? o.slowDelayMs : 0),
      onLog: (i, line2) => log.warn(`[worker tab ${i}] ${line2}`),
      plain: true,
      link: o.link && Array.from({ length: o.workers }, (_, i) => o.link[Math.min(i, o.link.length - 1)]),
      ownSignals: true,
      // the browser must outlive SIGINT/SIGTERM: the run ends first, then the fleet stops
      chromiumArgs,
      token: o.token,
      rememberChoices: defaultChoiceFile()
      // tabs skip timing backends once this browser and device have timed them
    });
    if (fleet) log.info(`starting ${o.workers} headless Chromium tab${o.workers === 1 ? "" : "s"}${o.link ? ` behind emulated links (${o.link.map((l2) => l2.name).join(", ")})` : ""}`);
    await fleet?.start();
    started = true;
    return await train(o, log, { config, coordinator, fleet, runDir, origin: origins[0], historyLog, periodic, ckptPath });
  } finally {
    if (!started) {
      await fleet?.stop().catch(() => void 0);
      await coordinator?.stop().catch(() => void 0);
      historyLog?.close();
      if (madeRunDir) await rm2(runDir, { recursive: true, force: true });
    }
  }
}
async function train(o, log, { config, coordinator, fleet, runDir, origin, historyLog, periodic, ckptPath }) {
  const relays = fleet?.relays() ?? [];
  periodic.start(config.checkpointEverySec);
  const bar = log.level === "quiet" ? null : new cliProgress.SingleBar({
    format: "{bar} {value}/{total} steps | {state} | {sps} steps/s | return {ret} | workers {workers} | updates {acc} ok, {rej} rejected | {wall}s",
    noTTYOutput: true,
    notTTYSchedule: 5e3,
    hideCursor: true
  }, cliProgress.Presets.shades_classic);
  bar?.start(config.totalTimesteps, 0, { ...statusLine(coordinator.status(), 0), sps: "0" });
  coordinator.on("tick", (s) => {
    const last = coordinator.tracker.history.at(-1)?.metrics;
    bar?.update(Math.min(s.envSteps, config.totalTimesteps), { ...statusLine(s, last?.[M.workers] ?? 0), sps: (last?.[M.sps] ?? 0).toFixed(0) });
  });
  if (o.maxWall > 0) setTimeout(() => coordinator.endRun(), o.maxWall * 1e3).unref();
  let signalled = false;
  const pause = () => {
    signalled = true;
    coordinator.endRun(STOPPING);
  };
  process.once("SIGINT", pause);
  process.once("SIGTERM", pause);
  await new Promise((resolveDone) => coordinator.once("done", resolveDone));
  await periodic.stop();
  bar?.stop();
  await fleet?.stop();
  const final = coordinator.status();
  await saveCheckpoint(ckptPath, coordinator.checkpoint());
  const summary = {
    envId: config.envId,
    solved: final.state === "solved",
    state: final.state,
    envSteps: final.envSteps,
    trainingWallS: final.trainingWallS,
    solvedAtEnvSteps: final.solvedAtEnvSteps,
    solvedAtWallS: final.solvedAtWallS,
    meanReturn: final.meanReturn,
    episodes: final.episodes,
    version: final.version,
    updates: { accepted: final.accepted, rejected: final.rejected, stalenessHistogram: final.stalenessHistogram },
    workers: coordinator.workerList().map((w) => ({
      workerId: w.workerId,
      backend: w.backend,
      adapter: w.adapter,
      accepted: w.accepted,
      rejected: w.rejected,
      envSteps: w.envSteps,
      meanStaleness: w.meanStaleness,
      numSteps: w.numSteps,
      timings: w.timings,
      stageSeconds: w.stageSeconds
    })),
    network: o.link ? network(relays, final.envSteps) : null,
    config,
    checkpoint: ckptPath
  };
  await writeFile4(join5(runDir, "summary.json"), JSON.stringify(summary, null, 2));
  await writeFile4(join5(runDir, "history.json"), JSON.stringify(coordinator.tracker.history));
  const rejected = Object.entries(final.rejected).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(", ") || "none";
  log.result(`
${final.state === "solved" ? "SOLVED" : "NOT SOLVED"} ${config.envId}: ${final.state}`);
  if (final.solvedAtEnvSteps !== null) log.result(`  solved at ${final.solvedAtEnvSteps.toLocaleString()} env steps, ${final.solvedAtWallS.toFixed(1)} s of training`);
  log.result(`  env steps ${final.envSteps.toLocaleString()}, mean return ${final.meanReturn?.toFixed(1) ?? "-"}, updates accepted ${final.accepted}, rejected: ${rejected}`);
  for (const w of summary.workers) log.info(`  worker ${w.workerId}: backend ${w.backend} (${w.adapter}), ${w.accepted} accepted, ${w.rejected} rejected, ${w.envSteps} env steps; time: ${stageShares(w.stageSeconds)}`);
  log.result(`  checkpoint ${ckptPath}
  summary ${join5(runDir, "summary.json")}`);
  if (o.serve || !signalled) await keepServing(coordinator, origin, o.serve);
  await coordinator.stop();
  historyLog.close();
  return final.state === "solved" ? 0 : 1;
}

// cli/eval.ts
import { Command as Command3, Option as Option2 } from "commander";

// shared/envs/render.ts
init_cartpole();
init_mountainCar();
init_lunarLander();
init_lunarLanderWorld();
function line(ctx, a, b, color, width) {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(b[0], b[1]);
  ctx.stroke();
}
function disc(ctx, c, r, color) {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(c[0], c[1], r, 0, 2 * Math.PI);
  ctx.fill();
}
function polygon(ctx, pts, color) {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(pts[0][0], pts[0][1]);
  for (const p of pts.slice(1)) ctx.lineTo(p[0], p[1]);
  ctx.closePath();
  ctx.fill();
}
var drawCartPole = (s, ctx, w, h) => {
  const scale = w / (2 * X_THRESHOLD);
  const trackY = 0.75 * h;
  const cartW = 0.4 * scale;
  const cartH = 0.24 * scale;
  const cartX = w / 2 + s[0] * scale;
  line(ctx, [0, trackY], [w, trackY], "#000", 1);
  ctx.fillStyle = "#000";
  ctx.fillRect(cartX - cartW / 2, trackY - cartH, cartW, cartH);
  const pivot = [cartX, trackY - 0.75 * cartH];
  const tip = [pivot[0] + scale * Math.sin(s[2]), pivot[1] - scale * Math.cos(s[2])];
  line(ctx, pivot, tip, "#ca9865", 0.08 * scale);
  disc(ctx, pivot, 0.04 * scale, "#8184cb");
};
var drawAcrobot = (s, ctx, w, h) => {
  const scale = Math.min(w, h) / 4.4;
  const pivot = [w / 2, h / 2];
  const p1 = [pivot[0] + scale * Math.sin(s[0]), pivot[1] + scale * Math.cos(s[0])];
  const p2 = [p1[0] + scale * Math.sin(s[0] + s[1]), p1[1] + scale * Math.cos(s[0] + s[1])];
  line(ctx, [pivot[0] - 2.2 * scale, pivot[1] - scale], [pivot[0] + 2.2 * scale, pivot[1] - scale], "#000", 1);
  line(ctx, pivot, p1, "#00cccc", 0.2 * scale);
  line(ctx, p1, p2, "#00cccc", 0.2 * scale);
  disc(ctx, pivot, 0.1 * scale, "#cccc00");
  disc(ctx, p1, 0.1 * scale, "#cccc00");
};
function drawMountainCar(goal) {
  return (s, ctx, w, h) => {
    const sx = w / (MAX_POSITION - MIN_POSITION);
    const sy = h / 1.1;
    const hill = (x) => Math.sin(3 * x) * 0.45 + 0.55;
    const at = (x, y) => [(x - MIN_POSITION) * sx, h - y * sy];
    ctx.strokeStyle = "#000";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i <= 100; i++) {
      const x = MIN_POSITION + i / 100 * (MAX_POSITION - MIN_POSITION);
      const p = at(x, hill(x));
      if (i === 0) ctx.moveTo(p[0], p[1]);
      else ctx.lineTo(p[0], p[1]);
    }
    ctx.stroke();
    const [fx, fy] = at(goal, hill(goal));
    const top = fy - 0.12 * sy;
    line(ctx, [fx, fy], [fx, top], "#000", 1);
    polygon(ctx, [[fx, top], [fx, top + 0.03 * sy], [fx + 0.07 * sx, top + 0.015 * sy]], "#cccc00");
    const base = at(s[0], hill(s[0]));
    const angle = Math.atan2(-1.35 * Math.cos(3 * s[0]) * sy, sx);
    const along = [Math.cos(angle), Math.sin(angle)];
    const up = [Math.sin(angle), -Math.cos(angle)];
    const half = 0.11 * sx;
    const tall = 0.11 * sx;
    const corner = (a, b) => [
      base[0] + a * along[0] + b * up[0],
      base[1] + a * along[1] + b * up[1]
    ];
    polygon(ctx, [corner(-half, 0.05 * sx), corner(half, 0.05 * sx), corner(half, tall), corner(-half, tall)], "#000");
    disc(ctx, corner(-half / 2, 0.05 * sx), 0.035 * sx, "#808080");
    disc(ctx, corner(half / 2, 0.05 * sx), 0.035 * sx, "#808080");
  };
}
var drawPendulum = (s, ctx, w, h) => {
  const scale = Math.min(w, h) / 4.4;
  const pivot = [w / 2, h / 2];
  const tip = [pivot[0] - scale * Math.sin(s[0]), pivot[1] - scale * Math.cos(s[0])];
  line(ctx, pivot, tip, "#cc4d4d", 0.2 * scale);
  disc(ctx, tip, 0.1 * scale, "#cc4d4d");
  disc(ctx, pivot, 0.05 * scale, "#000");
};
var drawLunarLander = (s, ctx, w, h) => {
  const sx = w / W;
  const sy = h / H;
  const px = (x, y) => [x * sx, h - y * sy];
  const ground = px(0, HELIPAD_Y)[1];
  ctx.fillStyle = "#f4f4f4";
  ctx.fillRect(0, ground, w, h - ground);
  line(ctx, [0, ground], [w, ground], "#000", 1);
  for (const x of [W / (CHUNKS - 1) * 4, W / (CHUNKS - 1) * 6]) {
    line(ctx, px(x, HELIPAD_Y), px(x, HELIPAD_Y + 50 / SCALE), "#000", 1);
    polygon(ctx, [px(x, HELIPAD_Y + 50 / SCALE), px(x, HELIPAD_Y + 40 / SCALE), px(x + 25 / SCALE, HELIPAD_Y + 45 / SCALE)], "#cccc00");
  }
  const body = (x, y, angle, local) => local.map(([lx, ly]) => {
    const [ux, uy] = [lx / SCALE, ly / SCALE];
    return px(x + ux * Math.cos(angle) - uy * Math.sin(angle), y + ux * Math.sin(angle) + uy * Math.cos(angle));
  });
  const leg = [[-LEG_W, -LEG_H], [LEG_W, -LEG_H], [LEG_W, LEG_H], [-LEG_W, LEG_H]];
  for (const i of [6, 12]) polygon(ctx, body(s[i], s[i + 1], s[i + 2], leg), "#8066e6");
  polygon(ctx, body(s[0], s[1], s[2], LANDER_POLY), "#8066e6");
};
var drawers = /* @__PURE__ */ new Map([
  ["CartPole-v1", { stateDim: 4, draw: drawCartPole }],
  ["Acrobot-v1", { stateDim: 4, draw: drawAcrobot }],
  ["MountainCar-v0", { stateDim: 2, draw: drawMountainCar(GOAL_POSITION) }],
  ["MountainCarContinuous-v0", { stateDim: 2, draw: drawMountainCar(GOAL_POSITION_CONTINUOUS) }],
  ["Pendulum-v1", { stateDim: 2, draw: drawPendulum }],
  ["LunarLander-v3", { stateDim: LUNAR_LANDER_STATE_DIM, draw: drawLunarLander }],
  ["LunarLanderContinuous-v3", { stateDim: LUNAR_LANDER_STATE_DIM, draw: drawLunarLander }]
]);
function renderableEnvIds() {
  return [...drawers.keys()];
}
function renderEnv(id, state, ctx, width, height) {
  const entry2 = drawers.get(id);
  if (!entry2) {
    throw new Error(`renderEnv: no renderer for "${id}" (an env module adds one with registerRenderer from shared/envs/render.ts); known: ${renderableEnvIds().join(", ")}`);
  }
  if (state.length !== entry2.stateDim) {
    throw new Error(`renderEnv: ${id} state must have length ${entry2.stateDim}, got ${state.length}`);
  }
  ctx.save();
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.lineCap = "round";
  entry2.draw(state, ctx, width, height);
  ctx.restore();
}

// cli/export.ts
init_params();
init_modelSpec();
import { mkdir as mkdir4, readFile as readFile6, stat as stat2, writeFile as writeFile5 } from "node:fs/promises";
import { join as join6 } from "node:path";
import { Command as Command2 } from "commander";
var MODEL_FILE = "model.json";
var WEIGHTS_FILE = "weights.bin";
var POLICY_FILE = "tabswarm-policy.json";
async function loadTf() {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  const tfl = await import("@tensorflow/tfjs-layers");
  await tf.setBackend("cpu");
  return { tf, tfl };
}
var { version: tabswarmVersion } = JSON.parse(await readFile6(new URL("../package.json", import.meta.url), "utf8"));
var exportCommand = () => new Command2("export").description("Export a checkpoint's policy as a TensorFlow.js LayersModel (model.json, weights.bin, tabswarm-policy.json).").argument("<run-or-checkpoint>", "a run folder holding checkpoint.ckpt, or a checkpoint file").requiredOption("--out <dir>", "folder to write the model into (created if needed)").option("--env-module <file>", "a file that registers the run's custom environment (repeatable)", (f, all) => [...all, f], []).exitOverride().action(async (source, o) => {
  await importEnvModules(o.envModule);
  (await loadTf()).tf.enableProdMode();
  const { files, sidecar } = await exportPolicy(source, o.out);
  console.log(`${sidecar.envId}: exported the policy of version ${sidecar.checkpoint.version} to ${files.join(", ")}`);
});
async function checkpointPath2(source) {
  let isDir;
  try {
    isDir = (await stat2(source)).isDirectory();
  } catch (e) {
    throw new CheckpointError(`${source}: no such run folder or checkpoint file`, { cause: e });
  }
  return isDir ? join6(source, "checkpoint.ckpt") : source;
}
async function exportPolicy(source, outDir) {
  const ck = await loadCheckpoint(await checkpointPath2(source));
  const { spec, head, layout, numParams } = modelFor(ck.config);
  if (ck.params.length !== numParams) {
    throw new CheckpointError(`${source}: ${ck.envId}'s model has ${numParams} params, the checkpoint holds ${ck.params.length}`);
  }
  const sidecar = {
    format: "tabswarm-policy",
    formatVersion: 1,
    tabswarmVersion,
    envId: ck.envId,
    checkpoint: { version: ck.version, envSteps: ck.envSteps, savedAt: ck.savedAt ?? null },
    model: MODEL_FILE,
    observation: { size: spec.obsDim, normalization: normalization(ck.config, spec.obsDim, checkpointRunState(ck).norm.obs) },
    actionSpace: actionSpace(spec.actionSpace),
    action: head.type === "categorical" ? {
      output: "logits",
      size: head.numActions,
      choose: "argmax",
      description: "The model outputs one logit per action; the action is the index of the largest (the first on a tie)."
    } : {
      output: "mean",
      size: head.actionDim,
      choose: "clip",
      low: head.low,
      high: head.high,
      gsde: ck.config.gsde,
      description: "The model outputs the Gaussian policy's mean; the action is the mean clipped to [low, high] element-wise" + (ck.config.gsde ? " (the run explored with gSDE, whose noise has mean 0: the deterministic action is still the mean)." : ".")
    }
  };
  const { tf, tfl } = await loadTf();
  const model = actorModel(tf, tfl, ck.params, layout, spec.obsDim);
  await mkdir4(outDir, { recursive: true });
  const files = [join6(outDir, MODEL_FILE), join6(outDir, WEIGHTS_FILE), join6(outDir, POLICY_FILE)];
  try {
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      await writeFile5(files[1], new Uint8Array(weightData));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }]
      };
      await writeFile5(files[0], JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }));
  } finally {
    model.dispose();
  }
  await writeFile5(files[2], `${JSON.stringify(sidecar, null, 2)}
`);
  return { files, sidecar };
}
function actorModel(tf, tfl, flat, layout, obsDim) {
  const nLayers = layersPerHead(layout);
  const model = tfl.sequential({ name: "tabswarm_policy" });
  const weights = [];
  for (let i = 0; i < nLayers; i++) {
    const w = layout[2 * i];
    const b = layout[2 * i + 1];
    if (w.name !== `actor.${i}.w` || b.name !== `actor.${i}.b`) throw new Error(`unexpected layout: ${w.name}, ${b.name} at actor layer ${i}`);
    model.add(tfl.layers.dense({
      name: `actor_${i}`,
      units: w.shape[1],
      activation: i + 1 < nLayers ? "tanh" : "linear",
      ...i === 0 ? { inputShape: [obsDim] } : {}
    }));
    weights.push(
      tf.tensor2d(flat.slice(w.offset, w.offset + w.size), [w.shape[0], w.shape[1]]),
      tf.tensor1d(flat.slice(b.offset, b.offset + b.size))
    );
  }
  try {
    model.setWeights(weights);
  } finally {
    tf.dispose(weights);
  }
  return model;
}
function normalization(config, obsDim, stats2) {
  if (!config.normObs) return null;
  if (!stats2) throw new CheckpointError("the run normalized observations, but the checkpoint holds no observation statistics");
  let rms;
  try {
    rms = RunningMeanStd.fromArray(obsDim, stats2);
  } catch (e) {
    throw new CheckpointError(`the checkpoint's observation statistics are invalid: ${e.message}`);
  }
  return {
    mean: Array.from(rms.mean),
    var: Array.from(rms.var),
    epsilon: NORM_EPSILON,
    clipObs: config.clipObs,
    formula: "min(clipObs, max(-clipObs, (obs - mean) / sqrt(var + epsilon))), element-wise"
  };
}
function actionSpace(space) {
  return space.type === "discrete" ? { type: "discrete", n: space.n } : { type: "box", low: [...space.low], high: [...space.high] };
}

// cli/render.ts
init_registry();
import { mkdir as mkdir5, writeFile as writeFile6 } from "node:fs/promises";
import { createRequire as createRequire2 } from "node:module";
import { join as join7 } from "node:path";
import { createCanvas } from "@napi-rs/canvas";
var { GIFEncoder, applyPalette, quantize } = createRequire2(import.meta.url)("gifenc");
async function renderEpisodes(config, params, obsStats, mode, seed, o) {
  const { width: w, height: h } = o;
  const policy = evalPolicy(config, params, obsStats, mode, seed);
  const env = makeEnv(config.envId, seed);
  const canvas = createCanvas(w, h);
  const ctx = canvas.getContext("2d");
  await mkdir5(o.dir, { recursive: true });
  const out = [];
  for (let k = 0; k < o.episodes; k++) {
    const pngDir = o.pngFrames ? join7(o.dir, `episode-${k}`) : null;
    if (pngDir) await mkdir5(pngDir, { recursive: true });
    const gif = GIFEncoder();
    const steps = playEpisode(env, policy, seed + k);
    let frames = 0;
    let palette = [];
    let next = steps.next();
    for (; !next.done; next = steps.next(), frames++) {
      renderEnv(config.envId, env.getState(), ctx, w, h);
      const { data } = ctx.getImageData(0, 0, w, h);
      if (frames === 0) {
        palette = quantize(data, 256);
        gif.writeFrame(applyPalette(data, palette), w, h, { palette, delay: 1e3 / o.fps, repeat: 0 });
      } else {
        gif.writeFrame(applyPalette(data, palette), w, h, { delay: 1e3 / o.fps });
      }
      if (pngDir) await writeFile6(join7(pngDir, `frame-${String(frames).padStart(4, "0")}.png`), canvas.toBuffer("image/png"));
    }
    gif.finish();
    const file = join7(o.dir, `episode-${k}.gif`);
    await writeFile6(file, gif.bytes());
    out.push({ gif: file, frames, return: next.value, pngDir });
  }
  return out;
}

// cli/eval.ts
var MAX_SIDE = 4096;
function parseSize(v) {
  const m2 = /^(\d+)x(\d+)$/.exec(v);
  const [width, height] = m2 ? [Number(m2[1]), Number(m2[2])] : [NaN, NaN];
  if (!(width >= 16 && width <= MAX_SIDE && height >= 16 && height <= MAX_SIDE)) {
    throw new Error(`--size must be WIDTHxHEIGHT in pixels, each from 16 to ${MAX_SIDE} (e.g. 300x200), got "${v}"`);
  }
  return { width, height };
}
var RENDER_ONLY = ["renderEpisodes", "size", "fps", "frames"];
var evalCommand = () => new Command3("eval").description("Evaluate a checkpoint's policy, deterministic and stochastic; optionally render episodes to GIFs.").argument("<run-or-checkpoint>", "a run folder holding checkpoint.ckpt, or a checkpoint file").option("--episodes <n>", "episodes to play per mode", numberArg("--episodes", { integer: true, min: 1 }), 100).option("--seed <n>", "episode k starts from reset(seed + k); stochastic actions are drawn from a stream seeded by it", numberArg("--seed", { integer: true }), 0).addOption(new Option2("--mode <mode>", "how actions are chosen: the most likely (deterministic), drawn from the policy (stochastic), or both").choices([...EVAL_MODES, "both"]).default("both")).option("--json", "print one JSON object instead of text", false).option("--env-module <file>", "a file that registers the run's custom environment (repeatable)", (f, all) => [...all, f], []).option("--render <dir>", "write episodes as animated GIFs (episode-K.gif) into DIR; played stochastic with --mode stochastic, else deterministic").option("--render-episodes <n>", "episodes to render (episodes 0..n-1 of the evaluation)", numberArg("--render-episodes", { integer: true, min: 1 }), 1).addOption(new Option2("--size <WxH>", "rendered frame size in pixels").argParser(parsedBy(parseSize)).default({ width: 300, height: 200 }, "300x200")).option("--fps <n>", "frames per second of the GIFs", numberArg("--fps", { min: 1 }), 30).option("--frames", "also write each frame as a PNG (episode-K/frame-NNNN.png)", false).exitOverride().action(async (source, o, cmd) => {
  const stray = cmd.options.filter((opt) => RENDER_ONLY.includes(opt.attributeName()) && cmd.getOptionValueSource(opt.attributeName()) === "cli");
  if (o.render === void 0 && stray.length > 0) cmd.error(`error: ${stray.map((opt) => opt.long).join(", ")} ${stray.length === 1 ? "needs" : "need"} --render DIR`, { exitCode: 2 });
  await evaluate(source, o);
});
async function evaluate(source, o) {
  await importEnvModules(o.envModule);
  const ck = await loadCheckpoint(await checkpointPath2(source));
  if (o.render !== void 0 && !renderableEnvIds().includes(ck.envId)) {
    throw new Error(`--render: there is no drawing of ${ck.envId}; an --env-module adds one with registerRenderer (shared/envs/render.ts) next to registerEnv. Drawn: ${renderableEnvIds().join(", ")}`);
  }
  const obsStats = checkpointRunState(ck).norm.obs ?? null;
  const modes = o.mode === "both" ? EVAL_MODES : [o.mode];
  const results = modes.map((mode) => {
    const returns = evaluatePolicy(ck.config, ck.params, obsStats, o.episodes, o.seed, mode);
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const std = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / returns.length);
    return { mode, mean, std, returns };
  });
  let rendered = [];
  const renderMode = o.mode === "stochastic" ? "stochastic" : "deterministic";
  if (o.render !== void 0) {
    rendered = await renderEpisodes(ck.config, ck.params, obsStats, renderMode, o.seed, {
      dir: o.render,
      episodes: o.renderEpisodes,
      ...o.size,
      fps: o.fps,
      pngFrames: o.frames
    });
  }
  if (o.json) {
    console.log(JSON.stringify({
      envId: ck.envId,
      version: ck.version,
      envSteps: ck.envSteps,
      episodes: o.episodes,
      seed: o.seed,
      ...Object.fromEntries(results.map(({ mode, ...r }) => [mode, r])),
      ...o.render !== void 0 && { rendered: rendered.map((r) => ({ mode: renderMode, ...r })) }
    }));
    return;
  }
  for (const { mode, mean, std, returns } of results) {
    console.log(`${ck.envId}: mean return ${mean.toFixed(1)} +- ${std.toFixed(1)} over ${returns.length} ${mode} episodes (version ${ck.version}, ${ck.envSteps} env steps)`);
  }
  rendered.forEach((r, k) => {
    console.log(`episode ${k} (${renderMode}, return ${r.return.toFixed(1)}, ${r.frames} frames): ${r.gif}${r.pngDir ? ` and ${r.pngDir}/` : ""}`);
  });
}

// cli/workers.ts
init_protocol();
init_config();
init_fleet();
import { Command as Command4, Option as Option3 } from "commander";
var RELOAD_AFTER_POLLS = 5;
var workersCommand = (onExit) => new Command4("workers").description("Contribute headless worker tabs to a coordinator, from this machine or any other that reaches it.").requiredOption("--url <url>", "the coordinator, e.g. https://coordinator.lan:3000 (its /worker.html link works too, token included)").option("--tabs <n>", "worker tabs to open", numberArg("--tabs", { integer: true, min: 1 }), 1).option("--token <token>", "the run's join token, if it has one").addOption(new Option3("--backend <name>", "force a tfjs backend on every tab (default: each tab picks the fastest)").choices([...BACKENDS, "auto"])).option("--headed", "show the browser windows", false).option("--ignore-certificate-errors", "accept the coordinator's certificate even if no authority signed it (a --tls-self-signed coordinator)", false).option("--quiet", "print only errors", false).option("--verbose", "also print every tab event", false).exitOverride().action(async (o) => onExit(await workers(o)));
function parseWorkerUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--url ${text}: not a URL (expected e.g. https://coordinator.lan:3000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError(`--url ${text}: must be http:// or https://`);
  return { origin: url.origin, token: url.searchParams.get("token") ?? void 0 };
}
function statusLine2(index, tab) {
  if (!tab) return `tab ${index}: reopening`;
  const f = tab.fields;
  const parts = [
    f["worker-state"] ?? "loading",
    f["worker-backend"] && `backend ${f["worker-backend"]}`,
    f["worker-version"] && `version ${f["worker-version"]}`,
    f["worker-steps"] && `${f["worker-steps"]} env steps`,
    f["worker-sps"] && `${f["worker-sps"]} steps/s`,
    f["worker-updates"] && `updates ${f["worker-updates"]} (accepted / rejected)`,
    tab.restarts > 0 && `reopened ${tab.restarts}x`,
    f["worker-message"] !== f["worker-state"] && f["worker-message"]
  ];
  return `tab ${index}: ${parts.filter(Boolean).join(" | ")}`;
}
function statusPrinter(log) {
  const tty = process.stdout.isTTY && log.level !== "quiet";
  let drawn = 0;
  let printedAt = 0;
  return (lines) => {
    if (tty) {
      const width = process.stdout.columns || 120;
      process.stdout.write(`${drawn ? `\x1B[${drawn}A` : ""}${lines.map((l2) => `\x1B[2K${l2.slice(0, width - 1)}
`).join("")}`);
      drawn = lines.length;
    } else if (Date.now() - printedAt >= 5e3) {
      printedAt = Date.now();
      for (const l2 of lines) log.info(l2);
    }
  };
}
async function workers(o) {
  const log = makeLog(logLevel(o));
  const { origin, token } = parseWorkerUrl(o.url);
  let stop = null;
  const stopped = new Promise((resolve3) => {
    stop = resolve3;
  });
  const fleet = new Fleet({
    url: origin,
    workers: o.tabs,
    headless: !o.headed,
    backend: o.backend === "auto" ? void 0 : o.backend,
    token: o.token ?? token,
    plain: true,
    restartTabs: true,
    ownSignals: true,
    chromiumArgs: o.ignoreCertificateErrors ? ["--ignore-certificate-errors"] : [],
    onBrowserClosed: () => stop(true),
    onLog: (i, line2) => (/crashed|closed|reopen/.test(line2) ? log.warn : log.debug)(`[tab ${i}] ${line2}`)
  });
  process.once("SIGINT", () => stop(false));
  process.once("SIGTERM", () => stop(false));
  try {
    await fleet.start();
  } catch (e) {
    await fleet.stop().catch(() => void 0);
    throw e;
  }
  log.info(`tabswarm workers: ${o.tabs} tab${o.tabs > 1 ? "s" : ""} contributing to ${origin} (Ctrl-C to stop)`);
  const print = statusPrinter(log);
  let polling = false;
  const missing = [];
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    fleet.tabStatus().then((tabs) => {
      print(tabs.map((t, i) => statusLine2(i, t)));
      tabs.forEach((t, i) => {
        missing[i] = t && !("worker-state" in t.fields) ? (missing[i] ?? 0) + 1 : 0;
        if (missing[i] >= RELOAD_AFTER_POLLS) {
          missing[i] = 0;
          log.warn(`[tab ${i}] no worker page (is ${origin} reachable?): loading it again`);
          fleet.reload(i).catch(() => void 0);
        }
      });
    }, () => void 0).finally(() => {
      polling = false;
    });
  }, 1e3);
  const browserGone = await stopped;
  clearInterval(timer);
  if (browserGone) {
    log.error("tabswarm workers: the browser closed (crashed or killed): stopping");
    await fleet.stop().catch(() => void 0);
    return 1;
  }
  const last = await fleet.tabStatus().catch(() => []);
  await fleet.stop();
  log.info(`
tabswarm workers: stopped; ${last.map((t, i) => statusLine2(i, t)).join("\n                  ")}`);
  return 0;
}

// cli/main.ts
var { version: version2 } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
var exitCode = 0;
var program = new Command5().name("tabswarm").description("Train PPO agents on volunteered browser tabs.").version(version2).exitOverride().addCommand(startCommand((code) => {
  exitCode = code;
})).addCommand(evalCommand()).addCommand(exportCommand()).addCommand(workersCommand((code) => {
  exitCode = code;
}));
program.parseAsync().then(
  () => process.exit(exitCode),
  (e) => {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    console.error(`tabswarm: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
);
