import { describe, expect, it } from 'vitest';
import {
  ceilingBeside,
  cpuFactor,
  cpuShareFactor,
  factor,
  shareFactor,
} from '../src/lib/pairing.js';
import { roundOrder } from '../src/lib/plan.js';
import type { LoadResult, Phase, PhaseId } from '../src/lib/report.js';

// The bench's round order and its paired ratios: a phase judged against the open route is
// compared with the ceiling runs just before and just after it, not with ceilings measured a
// minute away on a machine whose speed moves by a third within tens of seconds.
const table: PhaseId[] = [
  'ceiling',
  'constantCaller',
  'constantCallerBearer',
  'cookieSqlite',
  'cookieMemory',
  'cookieRedis',
  'bearerRepeated',
  'bearerFirstSight',
  'joseFirstSight',
  'dpopRepeated',
  'joseDpop',
  'eocCookie',
  'expressCeiling',
  'oktaBearer',
  'remoteDirect',
  'remoteProxy',
  'bareProxy',
];

describe('roundOrder', () => {
  it('puts one ceiling run between every two judged phases; the others keep their place', () => {
    expect(roundOrder(table, 'between')).toEqual([
      'ceiling',
      'constantCaller',
      'ceiling',
      'constantCallerBearer',
      'ceiling',
      'cookieSqlite',
      'ceiling',
      'cookieMemory',
      'ceiling',
      'cookieRedis',
      'ceiling',
      'bearerRepeated',
      'ceiling',
      'bearerFirstSight',
      'ceiling',
      'joseFirstSight',
      'ceiling',
      'dpopRepeated',
      'ceiling',
      'joseDpop',
      'ceiling',
      'eocCookie',
      'expressCeiling',
      'oktaBearer',
      'remoteDirect',
      'remoteProxy',
      'bareProxy',
    ]);
  });

  it('leaves no two ceilings in a row and no judged phase without both neighbours when phases are skipped', () => {
    const skipped = table.filter(
      (id) => !['cookieRedis', 'dpopRepeated', 'eocCookie'].includes(id),
    );
    const order = roundOrder(skipped, 'between');
    order.forEach((id, i) => {
      if (id === 'ceiling') expect(order[i + 1], `after step ${i}`).not.toBe('ceiling');
    });
    for (const id of ['cookieMemory', 'bearerRepeated', 'bearerFirstSight'] as const) {
      const at = order.indexOf(id);
      expect([order[at - 1], order[at + 1]], id).toEqual(['ceiling', 'ceiling']);
    }
    expect(roundOrder(['ceiling', 'cookieMemory', 'bearerRepeated'], 'between')).toEqual([
      'ceiling',
      'cookieMemory',
      'ceiling',
      'bearerRepeated',
      'ceiling',
    ]);
  });

  it('runs no ceiling without it, once with no judged phase, at both ends in quick mode', () => {
    expect(roundOrder(['cookieMemory', 'eocCookie'], 'between')).toEqual([
      'cookieMemory',
      'eocCookie',
    ]);
    expect(roundOrder(['ceiling', 'eocCookie', 'oktaBearer'], 'between')).toEqual([
      'ceiling',
      'eocCookie',
      'oktaBearer',
    ]);
    expect(roundOrder(['ceiling'], 'between')).toEqual(['ceiling']);
    expect(roundOrder(['ceiling', 'cookieMemory', 'bearerRepeated'], 'ends')).toEqual([
      'ceiling',
      'cookieMemory',
      'bearerRepeated',
      'ceiling',
    ]);
  });
});

const run = (rps: number, cpuPerRequest: number, round: number, step: number): LoadResult => ({
  rps,
  cpuPerRequest,
  round,
  step,
  requests: rps,
  ok: rps,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  duration: 1,
  latency: { p50: 0, p99: 0, mean: 0 },
});
const phase = (id: PhaseId, runs: LoadResult[]): Phase => ({ id, label: id, server: '', runs });

describe('paired ratios', () => {
  // Round 0: ceiling, cookieMemory, ceiling, bearerRepeated, ceiling, eocCookie; the machine
  // slows down by half in the middle of the round. Round 1: the same at a steady speed.
  const phases = [
    phase('ceiling', [
      run(1000, 40, 0, 0),
      run(600, 40, 0, 2),
      run(400, 40, 0, 4),
      run(1000, 40, 1, 6),
      run(1000, 40, 1, 8),
      run(1000, 40, 1, 10),
    ]),
    phase('cookieMemory', [run(720, 50, 0, 1), run(900, 50, 1, 7)]),
    phase('bearerRepeated', [run(400, 80, 0, 3), run(800, 80, 1, 9)]),
    phase('eocCookie', [run(40, 400, 0, 5), run(100, 400, 1, 11)]),
  ];

  it('compares a judged run with the mean of the ceiling runs just before and after it', () => {
    expect(ceilingBeside(phases[0]!.runs, phases[1]!.runs[0]!)).toEqual({
      rps: 800,
      cpuPerRequest: 40,
    });
    // Round 0: 720 ÷ 800 = 0.9; round 1: 900 ÷ 1000 = 0.9.
    expect(factor(phases, 'cookieMemory', 'ceiling')).toBeCloseTo(0.9);
    // Round 0: 400 ÷ 500 = 0.8 (÷ the round's mean ceiling, 667, it would read 0.6); round 1: 0.8.
    expect(factor(phases, 'bearerRepeated', 'ceiling')).toBeCloseTo(0.8);
    expect(cpuFactor(phases, 'bearerRepeated', 'ceiling')).toBeCloseTo(0.5);
  });

  it('pairs other phases within the round, and the ceiling with the run nearest to them', () => {
    // Round 0: 720 ÷ 400; round 1: 900 ÷ 800: the lower middle of two, 1.125.
    expect(factor(phases, 'cookieMemory', 'bearerRepeated')).toBeCloseTo(1.125);
    // Bound: the ceiling run just before eocCookie ÷ eocCookie: 400 ÷ 40 and 1000 ÷ 100.
    expect(factor(phases, 'ceiling', 'eocCookie')).toBeCloseTo(10);
    expect(factor(phases, 'ceiling', 'ceiling')).toBe(1);
  });

  it('judges one phase against another by their shares of the ceiling beside each (drift out)', () => {
    // Round 0: 0.9 ÷ 0.8 (raw 720 ÷ 400 = 1.8 would count the slowdown); round 1: 0.9 ÷ 0.8.
    expect(shareFactor(phases, 'cookieMemory', 'bearerRepeated')).toBeCloseTo(1.125);
    // CPU relative to the ceiling beside: 80/40 ÷ 50/40 = 1.6 in both rounds.
    expect(cpuShareFactor(phases, 'cookieMemory', 'bearerRepeated')).toBeCloseTo(1.6);
    const without = phases.filter((p) => p.id !== 'ceiling');
    expect(shareFactor(without, 'cookieMemory', 'bearerRepeated')).toBeNaN();
  });

  it('has no ratio when the ceiling did not run', () => {
    const without = phases.filter((p) => p.id !== 'ceiling');
    expect(factor(without, 'cookieMemory', 'ceiling')).toBeNaN();
    expect(cpuFactor(without, 'cookieMemory', 'ceiling')).toBeNaN();
  });
});
