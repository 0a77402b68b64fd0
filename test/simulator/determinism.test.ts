/** The same seed gives byte-identical output; another seed gives another run. */
import { describe, expect, it } from 'vitest';
import { formatSummary, formatTimeline } from '../../simulator/report/text';
import { compareScenario } from '../../simulator/run/runner';
import { loadScenario } from '../../simulator/scenario/load';

const text = async (file: string, seed?: number): Promise<string> => {
  const c = await compareScenario(loadScenario(file, seed === undefined ? {} : { seed }));
  return [
    formatSummary(c),
    formatTimeline(c.baseline, { all: true, maxWidth: 100_000 }),
    formatTimeline(c.orchestrated, { all: true, maxWidth: 100_000 }),
  ].join('\n');
};

describe('determinism', () => {
  it.each(['scenarios/spot-storm.yaml', 'scenarios/bad-model.yaml'])('%s: same seed → byte-identical summary and timeline', async (file) => {
    const [a, b] = [await text(file), await text(file)];
    expect(a.length).toBeGreaterThan(1000);
    expect(a).toBe(b);
  });

  it('another seed gives another run', async () => {
    expect(await text('scenarios/spot-storm.yaml', 8)).not.toBe(await text('scenarios/spot-storm.yaml', 7));
  });
});
