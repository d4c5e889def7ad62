import { describe, expect, it } from 'vitest';
import { duration, renderInnerLoop } from '../../../bench/inner-loop-report.ts';
import { innerLoop } from './results-fixtures.ts';

describe('the inner loop’s report', () => {
  it('writes durations in seconds from one second up, in milliseconds below', () => {
    expect(duration(52_049)).toBe('52.0 s');
    expect(duration(1_000)).toBe('1.0 s');
    expect(duration(999.6)).toBe('1000 ms');
    expect(duration(420.4)).toBe('420 ms');
    expect(duration(Number.NaN)).toBe('n/a');
  });

  it('gives each step its min, median and max over the runs', () => {
    const markdown = renderInnerLoop(innerLoop);
    expect(markdown).toContain('| `cdk synth`, cold | 48.0 s | 52.0 s | 61.0 s | 3 | spawn to exit |');
    expect(markdown).toContain('| `cdk synth`, nothing changed | 1.3 s | 1.3 s | 1.4 s | 3 |');
    expect(markdown).toContain('| `cdk synth`, one handler edited | 8.0 s | 9.0 s | 10.0 s | 3 |');
    expect(markdown).toContain(
      '| `npm start`, cold | 65.0 s | 70.0 s | 80.0 s | 3 | spawn to the ready line',
    );
    expect(markdown).toContain('| `npm start`, warm (second start) | 9.5 s | 10.0 s | 11.0 s | 3 |');
    expect(markdown).toContain('| Ctrl-C | 2.0 s | 2.6 s | 3.0 s | 6 |');
    expect(markdown).toContain(
      '| `--watch`: handler edit | 380 ms | 410 ms | 900 ms | 5 | write to the first answer',
    );
    expect(markdown).toContain('(polled every 20 ms)');
    expect(markdown).toContain('| `--watch`: new route in `lib/` | 11.0 s | 12.0 s | 13.0 s | 3 |');
  });

  it('states the machine’s load, which every figure depends on', () => {
    expect(renderInnerLoop(innerLoop)).toContain(
      'load average (1, 5, 15 min) 4.4, 11.3, 12.7 at the\nstart, 2.0, 3.0, 4.0 at the end',
    );
  });

  it('reports the test suite only when it was timed, and whether it passed', () => {
    expect(renderInnerLoop(innerLoop)).not.toContain('npm test');
    expect(renderInnerLoop({ ...innerLoop, suite: { wallMs: 312_000, exitCode: 0 } })).toContain(
      '`npm test` in the project (unit, infra, then e2e), once: 312.0 s wall time, passed.',
    );
    expect(renderInnerLoop({ ...innerLoop, suite: { wallMs: 5_000, exitCode: 1 } })).toContain(
      '5.0 s wall time, failed (exit 1).',
    );
  });
});
