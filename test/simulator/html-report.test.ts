/**
 * The HTML report, rendered by headless Chromium (Debian package `chromium`; set CHROME_PATH to use
 * another Chrome or Chromium). The page's own script writes what it drew into #render-check, so the
 * assertions read what the browser shows, not just the file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../simulator/report/html';
import type { ScenarioComparison } from '../../simulator/run/runner';
import { wiringStatus } from '../../simulator/wiring';
import { compared } from './helpers';

const chrome = (): string => {
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chrome/Chromium found (tried ${candidates.join(', ')}): install Debian's chromium or set CHROME_PATH`);
  return found;
};

const headless = (args: string[]): string =>
  execFileSync(chrome(), ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--allow-file-access-from-files', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 32 * 1024 * 1024, // the dumped DOM of two scenarios is over a megabyte
    stdio: ['ignore', 'pipe', 'pipe'],
  });

describe('HTML report in headless Chromium', () => {
  let dir: string;
  let file: string;
  let html: string;
  let comparisons: ScenarioComparison[];

  beforeAll(async () => {
    comparisons = [await compared('spot-storm'), await compared('spot-drought')];
    html = renderHtmlReport(comparisons, wiringStatus());
    dir = mkdtempSync(join(tmpdir(), 'sim-report-'));
    file = join(dir, 'report.html');
    writeFileSync(file, html);
  });

  it('is self-contained: no external script, style, image or font', () => {
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(html).not.toMatch(/@import/i);
  });

  it('renders the charts, the summary and the verdicts (DOM after the page script ran)', () => {
    const dom = headless(['--dump-dom', `file://${file}`]);
    // The page's script ran in the browser and counted what it drew, per scenario: 5 or 6 overlay
    // charts (3 runs each, demand 1; `below` when it is the headline) and 2 capacity charts (5 series
    // each); it shows no text of its own.
    const drawn = /<body data-charts="(\d+)" data-series="(\d+)" data-markers="\d+">/.exec(dom);
    const written = { charts: (html.match(/<figure class="chart/g) ?? []).length, series: (html.match(/<path class="series /g) ?? []).length };
    expect({ charts: Number(drawn?.[1]), series: Number(drawn?.[2]) }).toEqual(written);
    expect(written.charts).toBeGreaterThanOrEqual(14);
    expect(dom).not.toContain('Rendered ');
    // What each scenario is about, runs overlaid, the headline metric first.
    expect(dom).toMatch(/<figure class="chart overlay headline" data-quantity="dropped">/);
    for (const q of ['cold', 'dropped', 'cost', 'spotShare', 'demand']) expect(dom).toContain(`data-quantity="${q}"`);
    expect((dom.match(/class="series series-cold run-(baseline|careful|orchestrated)"/g) ?? []).length).toBe(6);
    expect(dom).toContain('<h2>spot-storm</h2>');
    expect(dom).toContain('<h2>spot-drought</h2>');
    expect(dom).toMatch(/<tr class="metric" data-key="interruptionsAbsorbed"[ >]/);
    expect(dom).toMatch(/data-verdict="orchestrated"/);
    expect((dom.match(/class="marker marker-mix"/g) ?? []).length).toBeGreaterThan(0);
    expect((dom.match(/class="marker marker-fault"/g) ?? []).length).toBeGreaterThan(0);
  });

  it('marks every row where the orchestrator is worse than careful Auto Scaling as plainly as a gain', () => {
    const dom = headless(['--dump-dom', `file://${file}`]);
    const worse = (dom.match(/<td class="delta regression">[^<]* WORSE<\/td>/g) ?? []).length;
    const better = (dom.match(/<td class="delta gain">[^<]* better<\/td>/g) ?? []).length;
    expect({ worse: worse > 0 || dom.includes('Worse than careful Auto Scaling on: nothing.'), better: better > 0 }).toEqual({ worse: true, better: true });
    expect((dom.match(/<p class="regressions( none)?">/g) ?? []).length).toBe(2);
    // The index says it too, beside each verdict.
    expect((dom.match(/<td class="regressions( none)?">/g) ?? []).length).toBe(2);
  });

  it('folds markers of one kind that would overlap, and counts them', () => {
    // Launch failures of the runs charted per scenario (careful Auto Scaling and orchestrated).
    const failures = comparisons
      .flatMap((c) => [...c.careful.timeline, ...c.orchestrated.timeline])
      .filter((e) => e.category === 'asg' && e.text.startsWith('Spot launch failed')).length;
    const drawn = (html.match(/class="marker marker-failure"/g) ?? []).length;
    const folded = [...html.matchAll(/class="marker marker-failure"[^>]*data-folded="(\d+)"/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(failures).toBeGreaterThan(100);
    expect(drawn).toBeLessThan(failures / 2);
    expect(drawn + folded).toBe(failures);
  });

  it('produces a non-blank screenshot', () => {
    const png = join(dir, 'shot.png');
    headless([`--screenshot=${png}`, '--window-size=1100,1400', `file://${file}`]);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    // A blank page compresses to a few KB; charts and tables take far more.
    expect(statSync(png).size).toBeGreaterThan(30_000);
  });
});
