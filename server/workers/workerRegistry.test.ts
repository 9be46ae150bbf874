import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../shared/config.ts';
import { hostileJoin } from '../testing/hostileClient.ts';
import { earn, offend } from './trust.ts';
import { MAX_SHARE_FACTOR, SHARE_FACTOR, SHARE_SLACK, WorkerRegistry, type WorkerRecord } from './workerRegistry.ts';

const config = { ...defaultConfig, updateMode: 'async' as const, quarantineHalfLifeMs: 1000 };

function record<S>(w: WorkerRecord<S> | string): WorkerRecord<S> {
  if (typeof w === 'string') throw new Error(w);
  return w;
}

describe('quarantine marks on addresses', () => {
  it('fresh joins from an address with a quarantine start on probation; after three quick ones they are refused until the marks decay; resumes and other addresses are untouched', () => {
    const reg = new WorkerRegistry<string>(config, () => {});
    const join = (address: string, now: number) => reg.join(hostileJoin, 'socket', 0, now, address);
    const a = record(join('192.0.2.1', 0));
    expect(a.probation).toBe(false);
    reg.markQuarantined(a, 0);
    const b = record(join('192.0.2.1', 10));
    expect(b.probation).toBe(true);
    expect(record(join('192.0.2.2', 10)).probation).toBe(false);
    reg.markQuarantined(b, 20);
    reg.markQuarantined(record(join('192.0.2.1', 30)), 40);
    // Marks at 50 ms: 2^-0.05 + 2^-0.03 + 2^-0.01 = 2.938, over 2: refused for 1000 x log2(2.938 / 2) = 555 ms.
    expect(join('192.0.2.1', 50)).toMatch(/quarantined 3 times lately: new workers from it are refused for 1 s more/);
    expect(reg.marks.standing('192.0.2.1', 50).refusedForMs).toBeCloseTo(555, 0);
    // A worker's own record still resumes (and is still quarantined, as it was).
    const resumed = record(reg.join({ ...hostileJoin, resume: { workerId: b.workerId, resumeToken: b.resumeToken } }, 'again', 0, 60, '192.0.2.1'));
    expect(resumed).toMatchObject({ workerId: b.workerId, quarantined: false, probation: true });
    expect(record(join('192.0.2.1', 610))).toMatchObject({ probation: true });
    // Two half-lives past the time the marks fell to 0.25: an ordinary worker again (2.938 -> 0.25 takes log2(11.75) = 3.55 half-lives).
    expect(record(join('192.0.2.1', 50 + 3560))).toMatchObject({ probation: false });
  });

  it('a worker that leaves before its quarantine with its trust lost marks its address with offences / 5; an honest one leaving does not', () => {
    const reg = new WorkerRegistry<string>(config, () => {});
    const bad = record(reg.join(hostileJoin, 's', 0, 0, '192.0.2.3'));
    for (let k = 0; k < 4; k++) offend(bad, true); // trust 1 / 17, one offence short of quarantine
    reg.drop(bad, 100);
    expect(reg.marks.marks('192.0.2.3', 100)).toBe(4 / 5);
    expect(record(reg.join(hostileJoin, 's', 0, 100, '192.0.2.3')).probation).toBe(true);
    const honest = record(reg.join(hostileJoin, 's', 0, 0, '192.0.2.4'));
    earn(honest, 30);
    offend(honest, true); // trust 31 / 35
    reg.drop(honest, 100);
    expect(reg.marks.marks('192.0.2.4', 100)).toBe(0);
  });
});

/**
 * Fair share in a mixed fleet, on a simulated clock: one worker pushes every 200 ms (5/s), two push
 * every second (fastEvery ms: 200 by default), and each push that is not over its worker's share lands; the metrics tick every 500 ms
 * (the coordinator's default). With `earned` false the fast worker's clean count is held at 0, which
 * is the rule before the share grew with it (SHARE_FACTOR x the median, always).
 */
function mixedFleet(earned: boolean, seconds: number, fastEvery = 200) {
  const reg = new WorkerRegistry<string>(config, () => {});
  const [fast, slow1, slow2] = [0, 1, 2].map((i) => record(reg.join(hostileJoin, `socket ${i}`, 0, 0, `192.0.2.${i}`)));
  const pushes = [{ w: fast, every: fastEvery, at: fastEvery / 2 }, { w: slow1, every: 1000, at: 0 }, { w: slow2, every: 1000, at: 500 }];
  const fastRefusedBySecond = new Array<number>(seconds).fill(0);
  let fastPushes = 0;
  for (let ms = 1; ms <= seconds * 1000; ms++) {
    for (const { w, every, at } of pushes) {
      if (ms % every !== at) continue;
      w.lastSeenAt = ms;
      if (!earned) w.clean = 0;
      if (w === fast) fastPushes++;
      if (reg.overShare(w, ms)) {
        if (w === fast) fastRefusedBySecond[Math.floor((ms - 1) / 1000)]++;
        continue;
      }
      reg.spendShare(w);
      earn(w);
    }
    if (ms % 500 === 250) reg.tick(0.5, ms);
  }
  return { reg, fast, fastPushes, fastRefusedBySecond, fastRefused: fastRefusedBySecond.reduce((a, b) => a + b, 0) };
}

describe('fair share from the fleet\'s first ticks', () => {
  it('a worker\'s rate starts at its first whole tick, so three workers landing 4 updates a second are not held to a share below that meanwhile', () => {
    const reg = new WorkerRegistry<string>({ ...defaultConfig, updateMode: 'local' }, () => {});
    // Joined 0.3 s before the first tick: that tick is only part of a second for them.
    const ws = [0, 1, 2].map((i) => record(reg.join(hostileJoin, `socket ${i}`, 0, 700, `192.0.2.${i}`)));
    let refused = 0;
    for (let ms = 701; ms <= 5000; ms++) {
      for (const [i, w] of ws.entries()) {
        if (ms % 250 !== i * 50) continue; // each lands 4 a second
        w.lastSeenAt = ms;
        if (reg.overShare(w, ms)) refused++;
        else {
          reg.spendShare(w);
          w.accepted++;
        }
      }
      if (ms % 1000 === 0) reg.tick(1, ms);
      // No share until the fleet has rates, then the rate the workers keep (a moving average from 0 was 30% of it after a tick).
      if (ms === 1000) expect(reg.fairRate).toBe(0);
      if (ms === 2000) expect(reg.fairRate).toBe(4);
    }
    expect(refused).toBe(0);
  });
});

describe('fair share in a mixed fleet', () => {
  it('an honest worker 5x faster than the other two is held to 2x their pace at first, then earns a share its pace fits in', () => {
    const before = mixedFleet(false, 120);
    const after = mixedFleet(true, 120);
    expect(before.fastPushes).toBe(600);
    expect(after.fastPushes).toBe(600);
    // Before: its share is 2 x 1/s + 1/s = 3/s, so about 2 of its 5 pushes a second are refused, all run long.
    expect(before.reg.fairRate).toBeCloseTo(1, 0); // the slow ones land 1/s: 2 or 0 in a tick, smoothed
    expect(before.fastRefused / before.fastPushes).toBeGreaterThan(0.3);
    expect(before.fastRefusedBySecond.slice(-60).reduce((a, b) => a + b, 0)).toBeGreaterThan(0.3 * 300); // its last minute too
    // After: refused only while it earns a factor of 4 (share 5/s): 32 clean accepted updates at 3/s, about 11 s.
    const firstClear = after.fastRefusedBySecond.reduce((last, n, i) => (n > 0 ? i + 1 : last), 0); // the second from which none is refused
    expect(firstClear).toBeLessThanOrEqual(15);
    expect(after.fastRefused).toBeLessThan(0.1 * before.fastRefused);
  });

  it('a worker that has earned the most share still cannot flood: MAX_SHARE_FACTOR x the median, + SHARE_SLACK, a second', () => {
    const { reg, fast } = mixedFleet(true, 120);
    expect(fast.clean).toBeGreaterThan(16 * (MAX_SHARE_FACTOR - SHARE_FACTOR));
    const share = MAX_SHARE_FACTOR * reg.fairRate + SHARE_SLACK;
    let landed = 0;
    // One push every millisecond for two seconds (no tick in between, so the median stands).
    for (let ms = 120_001; ms <= 122_000; ms++) {
      if (reg.overShare(fast, ms)) continue;
      reg.spendShare(fast);
      earn(fast);
      if (ms > 121_000) landed++;
    }
    expect(landed).toBeLessThanOrEqual(Math.ceil(share) + 1);
    expect(landed).toBeGreaterThanOrEqual(Math.floor(share) - 1);
  });
});
