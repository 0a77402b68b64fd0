import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PATH_MINIMUMS, renderMinimumsTable } from '../../../bench/api-minimums';
import { END, START, withMinimums } from '../../../scripts/docs-minimums';

const README = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');

describe('docs/events.md: minimum AWS calls per path', () => {
  it('lists exactly the minimums bench/api-minimums.ts declares (run `npm run docs:minimums` after changing them)', () => {
    expect(withMinimums(README)).toBe(README);
  });

  it('has one row per declared path, each with its minimum', () => {
    const block = README.slice(README.indexOf(START) + START.length, README.indexOf(END));
    const rows = block.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toHaveLength(PATH_MINIMUMS.length);
    expect(rows.map((r) => Number(r.split('|').at(-2)))).toEqual(
      renderMinimumsTable()
        .split('\n')
        .slice(2)
        .map((r) => Number(r.split('|').at(-2))),
    );
  });

  it('refuses a README without the block, instead of writing the table somewhere', () => {
    expect(() => withMinimums('# README\n')).toThrow(/minimums:start/);
  });
});
