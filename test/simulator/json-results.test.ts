/**
 * `npm run simulate -- --json <file>`: the same numbers and verdicts as the other reports, for
 * machines, with every regression against careful Auto Scaling listed as plainly as the gains.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../simulator/cli';
import { jsonResults } from '../../simulator/report/json';
import { metricValue, summaryRows, worseThanCareful } from '../../simulator/report/text';
import { compared } from './helpers';

describe('JSON results', () => {
  it('--json takes a file', () => {
    expect(parseArgs(['--json', 'out/r.json']).json).toBe('out/r.json');
    expect(() => parseArgs(['--json'])).toThrow(/--json needs a value/);
  });

  it('carries every run, the verdict, the deltas against careful and the regressions of spot-storm', async () => {
    const c = await compared('spot-storm');
    const out = JSON.parse(JSON.stringify(jsonResults([c]))) as ReturnType<typeof jsonResults>;
    const s = out.scenarios[0];
    expect(s?.name).toBe('spot-storm');
    expect(s?.runs.orchestrated?.[c.scenario.spec.metric]).toBe(metricValue(c.orchestrated, c.scenario.spec.metric));
    expect(Object.keys(s?.runs ?? {})).toEqual(['naive', 'careful', 'orchestrated', 'mixOff']);
    expect(Object.keys(s?.deltas ?? {})).toEqual(summaryRows(c).map((r) => r.key));
    // The regressions are the rows the Markdown and HTML reports call worse, and none is hidden.
    expect(s?.regressions).toEqual(worseThanCareful(c).map((r) => r.key));
    for (const key of s?.regressions ?? []) expect(s?.deltas[key]?.status).toBe('regression');
    console.info(`spot-storm regressions: ${s?.regressions.join(', ')}; verdict: ${s?.verdict.text}`);
  });
});
