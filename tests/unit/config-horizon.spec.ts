/** MOMENT_HORIZON_MS: unset keeps the per-segment default; a bad value is named at start. */
import { ConfigError, loadConfig } from '../../src/config';

test('MOMENT_HORIZON_MS is optional, a whole number of milliseconds from 1 s', () => {
  expect(loadConfig({}).momentHorizonMs).toBeUndefined();
  expect(loadConfig({ MOMENT_HORIZON_MS: ' ' }).momentHorizonMs).toBeUndefined();
  expect(loadConfig({ MOMENT_HORIZON_MS: '7200000' }).momentHorizonMs).toBe(7_200_000);
  for (const bad of ['500', '1.5e3x', '-1', 'soon']) {
    expect(() => loadConfig({ MOMENT_HORIZON_MS: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ MOMENT_HORIZON_MS: bad })).toThrow(/MOMENT_HORIZON_MS must be an integer/);
  }
});
