/**
 * docs/reliability.md's generated figures (test counts and scenarios of the reliability tier, mutation
 * scores and surviving mutants) must be what the committed inputs give: a stale figure fails here.
 * Regenerate with `npm run docs:reliability` (add `-- --run` to run the tier first).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  condenseMutation,
  condenseVitest,
  DOC,
  endMarker,
  type Judgement,
  mutationScore,
  RESULTS,
  type ReliabilityResults,
  renderReliabilityDoc,
  startMarker,
  staleJudgements,
  SURVIVORS,
} from '../../../scripts/docs-reliability';

const read = (path: string): string => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const doc = read(DOC);
const results = JSON.parse(read(RESULTS)) as ReliabilityResults;
const judgements = JSON.parse(read(SURVIVORS)) as Judgement[];

describe('docs/reliability.md is generated from the committed results', () => {
  it('every generated block equals what docs/reliability-results.json and docs/mutation-survivors.json give', () => {
    expect(renderReliabilityDoc(doc, results, judgements)).toBe(doc);
  });

  it('a figure that differs from the inputs is caught (one test more in a file)', () => {
    const changed = structuredClone(results);
    const first = changed.tests.files[0];
    expect(first).toBeDefined();
    if (first) first.tests += 1;
    expect(renderReliabilityDoc(doc, changed, judgements)).not.toBe(doc);
  });

  it('every judgement names a mutant that still survives (a killed or changed mutant leaves no stale reason)', () => {
    expect(staleJudgements(results.mutation, judgements)).toEqual([]);
    for (const j of judgements) expect(j.reason.length).toBeGreaterThan(10);
  });

  it('has both blocks, once each', () => {
    for (const name of ['tests', 'mutation']) {
      expect(doc.split(startMarker(name))).toHaveLength(2);
      expect(doc.split(endMarker(name))).toHaveLength(2);
    }
  });
});

describe('condensing the raw reports', () => {
  it('vitest JSON: tests per file, its scenarios (top-level describes) in order, figures recorded in task meta', () => {
    const condensed = condenseVitest(
      {
        testResults: [
          {
            name: '/repo/test/reliability/b.test.ts',
            assertionResults: [
              { ancestorTitles: ['load'], title: 'x', fullName: 'load x', status: 'passed', meta: { figures: { lapsed: 0 } } },
              { ancestorTitles: ['load', 'inner'], title: 'y', fullName: 'load inner y', status: 'failed' },
              { ancestorTitles: ['other'], title: 'z', fullName: 'other z', status: 'skipped', meta: {} },
            ],
          },
          { name: '/repo/test/reliability/a.test.ts', assertionResults: [{ ancestorTitles: [], title: 'top', fullName: 'top', status: 'passed' }] },
        ],
      },
      '/repo',
    );
    expect(condensed.files).toEqual([
      { file: 'test/reliability/a.test.ts', tests: 1, passed: 1, failed: 0, skipped: 0, scenarios: ['top'] },
      { file: 'test/reliability/b.test.ts', tests: 3, passed: 1, failed: 1, skipped: 1, scenarios: ['load', 'other'] },
    ]);
    expect(condensed.figures).toEqual({ 'test/reliability/b.test.ts': { 'load x': { lapsed: 0 } } });
  });

  it('Stryker JSON: static (ignored) mutants are not counted; survivors carry the source text they replaced', () => {
    const at = (line: number, from: number, to: number) => ({ start: { line, column: from }, end: { line, column: to } });
    const condensed = condenseMutation({
      files: {
        'shared/x.ts': {
          source: 'const a = 1;\nif (a > 0) go();\n',
          mutants: [
            { mutatorName: 'EqualityOperator', replacement: 'a >= 0', status: 'Survived', location: at(2, 5, 10) },
            { mutatorName: 'BlockStatement', replacement: '{}', status: 'Killed', location: at(2, 1, 17) },
            { mutatorName: 'BooleanLiteral', replacement: 'false', status: 'Timeout', location: at(2, 5, 10) },
            { mutatorName: 'ArrowFunction', replacement: '() => undefined', status: 'Ignored', location: at(1, 1, 5) },
            { mutatorName: 'ConditionalExpression', replacement: 'true', status: 'NoCoverage', location: at(2, 5, 10) },
            { mutatorName: 'ArithmeticOperator', replacement: 'a - 1', status: 'CompileError', location: at(1, 11, 12) },
          ],
        },
      },
    });
    expect(condensed.files).toEqual([{ file: 'shared/x.ts', mutants: 5, killed: 1, timeout: 1, survived: 1, noCoverage: 1, errors: 1 }]);
    expect(condensed.survivors).toEqual([
      { file: 'shared/x.ts', line: 2, mutator: 'ConditionalExpression', original: 'a > 0', replacement: 'true', status: 'NoCoverage' },
      { file: 'shared/x.ts', line: 2, mutator: 'EqualityOperator', original: 'a > 0', replacement: 'a >= 0', status: 'Survived' },
    ]);
    expect(mutationScore(condensed.files[0] ?? { killed: 0, timeout: 0, survived: 0, noCoverage: 0 })).toBe('50.0 %');
  });

  it('score: detected over valid mutants; none valid is a dash', () => {
    expect(mutationScore({ killed: 216, timeout: 0, survived: 12, noCoverage: 0 })).toBe('94.7 %');
    expect(mutationScore({ killed: 0, timeout: 0, survived: 0, noCoverage: 0 })).toBe('—');
  });
});
