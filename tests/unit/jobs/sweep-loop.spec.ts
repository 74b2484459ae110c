/**
 * One run of the time-sweep job sweeps at its period for a while, instead of once per run of a
 * recurring Agenda job (Agenda's polling started those 2–20 s apart: most of the freshness lag),
 * and a stop ends it at once, in its wait or through the sweep's own check.
 */
import { StopSignal, sweepLoop } from '../../../src/jobs/sweep-loop';

test('sweeps every periodMs until runMs has passed', async () => {
  const at: number[] = [];
  const started = Date.now();
  await sweepLoop(async () => { at.push(Date.now()); }, { periodMs: 100, runMs: 1_000, stop: new StopSignal() });
  const took = Date.now() - started;
  expect(at.length).toBeGreaterThanOrEqual(7); // about 10
  expect(at.length).toBeLessThanOrEqual(11);
  const gaps = at.slice(1).map((t, i) => t - at[i]);
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(95);
  expect(took).toBeLessThan(1_300);
});

test('a stop ends the wait at once, and the sweep sees it', async () => {
  const stop = new StopSignal();
  const seen: boolean[] = [];
  const run = sweepLoop(async (shouldStop) => { seen.push(shouldStop()); }, { periodMs: 5_000, runMs: 60_000, stop });
  await new Promise((r) => setTimeout(r, 50));
  const stopAt = Date.now();
  stop.stop();
  await run;
  expect(Date.now() - stopAt).toBeLessThan(100);
  expect(seen).toEqual([false]);
  // A run that starts after the stop sweeps once (with shouldStop true) and returns.
  await sweepLoop(async (shouldStop) => { seen.push(shouldStop()); }, { periodMs: 5_000, runMs: 60_000, stop });
  expect(seen).toEqual([false, true]);
});
