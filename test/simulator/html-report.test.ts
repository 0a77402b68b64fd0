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
    // The page's script ran in the browser and counted what it drew: 2 charts per scenario, 5 series each.
    expect(dom).toContain('Rendered 4 charts with 20 series');
    expect(dom).toMatch(/data-charts="4"/);
    expect(dom).toContain('<h2>spot-storm</h2>');
    expect(dom).toContain('<h2>spot-drought</h2>');
    expect(dom).toMatch(/<tr class="metric" data-key="interruptionsAbsorbed">/);
    expect(dom).toMatch(/data-verdict="orchestrated"/);
    expect((dom.match(/class="marker marker-mix"/g) ?? []).length).toBeGreaterThan(0);
    expect((dom.match(/class="marker marker-fault"/g) ?? []).length).toBeGreaterThan(0);
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
