/** docs/simulation-results.md states where the orchestrator is worse, with the cause the runs show. */
import { describe, expect, it } from 'vitest';
import { renderMarkdownResults } from '../../simulator/report/markdown';
import { compared } from './helpers';

describe('simulation results in Markdown', () => {
  it('says plainly where the orchestrator loses to careful Auto Scaling, why, and what the mix controller did', async () => {
    const c = await compared('spot-storm');
    const md = renderMarkdownResults([c], 'test');
    const section = md.slice(md.indexOf('## Where the orchestrator is worse'), md.indexOf('## spot-storm'));
    expect(section).toContain('**More minutes below desired warm capacity than careful Auto Scaling:** spot-storm (1 of 1 scenarios)');
    expect(c.orchestrated.metrics.agentNotReady).toBeGreaterThan(0);
    expect(section).toContain(`SendCommand refused the warm-up ${c.orchestrated.metrics.agentNotReady} times`);
    expect(section).toMatch(/\*\*Mix controller on vs off:\*\* worse on both cost and availability in none; outcomes seen: no-op/);
  });
});
