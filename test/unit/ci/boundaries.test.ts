/**
 * The house rules of the layout (docs/adr/0007-rooms-by-feature.md), checked on the source itself so
 * that `npm test` fails when an import breaks them:
 * - a pure decision (`shared/<room>/policy/**`) reaches nothing with I/O, not even through another
 *   module: every module its value imports reach is plain TypeScript or a package on PURE_PACKAGES
 *   (type-only imports carry no code and are allowed);
 * - the cross-cutting layers (`shared/{aws,config,events,notify,runtime,state}`, `shared/errors.ts`)
 *   never import a feature room, and the rooms do not import each other in a circle;
 * - production code (`functions/**`, `shared/**` but `shared/local/**`) never imports the offline
 *   world (`shared/local`), the simulator or a test.
 * Imports are read with the TypeScript compiler's parser, not with a regular expression.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../..');
const ROOMS = ['activity', 'fanout', 'lifecycle', 'mix', 'signals', 'termination'];
const CROSS_CUTTING = ['aws', 'config', 'events', 'notify', 'runtime', 'state'];
/** Packages a pure decision may run, none with I/O: validation, and selection on an array (quickselect, one function). */
const PURE_PACKAGES = ['valibot', 'quickselect'];

interface ModuleImport {
  /** Repo-relative path of a local module (with its extension), or the package specifier. */
  target: string;
  local: boolean;
  /** Only types: erased at build time, no code runs. */
  typeOnly: boolean;
}

const resolveLocal = (from: string, specifier: string): string => {
  const base = resolve(ROOT, dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (readFileSync(candidate) !== undefined) return relative(ROOT, candidate);
    } catch {}
  }
  return relative(ROOT, base);
};

const isTypeOnlyImport = (node: ts.ImportDeclaration): boolean => {
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs code
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
};

/** The imports of one file (static imports, `export … from`, dynamic `import()`). */
const importsOf = (file: string, text: string = readFileSync(join(ROOT, file), 'utf8')): ModuleImport[] => {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: ModuleImport[] = [];
  const add = (specifier: string, typeOnly: boolean): void => {
    const local = specifier.startsWith('.');
    found.push({ target: local ? resolveLocal(file, specifier) : specifier, local, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text, isTypeOnlyImport(node));
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) add(arg.text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f))
    .sort();

/** The top folder of `shared/` a file sits in (`shared/errors.ts` counts as cross-cutting). */
const areaOf = (file: string): string | undefined => {
  const match = /^shared\/([^/]+)\//.exec(file);
  return match ? match[1] : file === 'shared/errors.ts' ? 'errors' : undefined;
};

/** Every module a file's value imports reach, with the chain that reaches it (for the message). */
const valueClosure = (start: string, read: (file: string) => ModuleImport[] = importsOf): Map<string, string[]> => {
  const reached = new Map<string, string[]>([[start, [start]]]);
  const queue = [start];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const chain = reached.get(file) ?? [];
    if (!file.endsWith('.ts')) continue; // a package or a JSON file: nothing further to read
    for (const imported of read(file)) {
      if (imported.typeOnly || reached.has(imported.target)) continue;
      reached.set(imported.target, [...chain, imported.target]);
      if (imported.local) queue.push(imported.target);
    }
  }
  return reached;
};

/** What a pure decision may not reach, and why (undefined: allowed). */
const impurity = (target: string): string | undefined => {
  if (target.endsWith('.ts') || target.endsWith('.json')) {
    const area = areaOf(target);
    if (area === 'aws' || area === 'runtime' || area === 'local') return `shared/${area} does I/O`;
    if (target === 'shared/notify/publisher.ts' || target === 'shared/config/sources.ts' || target === 'shared/config/load-config.ts') {
      return 'it does I/O';
    }
    if (!target.startsWith('shared/')) return 'not shared code';
    return undefined;
  }
  return PURE_PACKAGES.some((p) => target === p || target.startsWith(`${p}/`)) ? undefined : `package ${target} is not on PURE_PACKAGES`;
};

/** Room-to-room import edges that close a circle (each edge as `from → to`). */
const roomCycles = (edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] => {
  const cycles: string[][] = [];
  // Each circle is named once, from its smallest room.
  const walk = (start: string, room: string, path: string[]): void => {
    for (const next of edges.get(room) ?? []) {
      if (next === start) cycles.push([...path, next]);
      else if (!path.includes(next) && next > start) walk(start, next, [...path, next]);
    }
  };
  for (const room of [...edges.keys()].sort()) walk(room, room, [room]);
  return cycles;
};

const SHARED = sourceFiles('shared');
const PRODUCTION = [...sourceFiles('functions'), ...SHARED.filter((f) => !f.startsWith('shared/local/'))];
const PURE = SHARED.filter((f) => /^shared\/[^/]+\/policy\//.test(f));

describe('the layout keeps its rooms', () => {
  it('has pure decisions to check in every room', () => {
    expect(PURE.length).toBeGreaterThan(15);
    for (const room of ROOMS.filter((r) => r !== 'signals' || PURE.some((f) => f.startsWith('shared/signals/')))) {
      expect(
        PURE.some((f) => f.startsWith(`shared/${room}/policy/`)),
        room,
      ).toBe(true);
    }
  });

  it('pure decisions reach nothing with I/O, not even through another module', () => {
    const violations = PURE.flatMap((file) =>
      [...valueClosure(file)].flatMap(([target, chain]) => {
        const why = impurity(target);
        return why ? [`${chain.join(' → ')}: ${why}`] : [];
      }),
    );
    expect(violations).toEqual([]);
  });

  it('cross-cutting layers never import a feature room', () => {
    const violations = SHARED.filter((f) => CROSS_CUTTING.includes(areaOf(f) ?? '') || f === 'shared/errors.ts').flatMap((file) =>
      importsOf(file)
        .filter((i) => i.local && ROOMS.includes(areaOf(i.target) ?? ''))
        .map((i) => `${file} → ${i.target}`),
    );
    expect(violations).toEqual([]);
  });

  it('rooms do not import each other in a circle', () => {
    const edges = new Map<string, Set<string>>();
    for (const file of SHARED.filter((f) => ROOMS.includes(areaOf(f) ?? ''))) {
      const from = areaOf(file) ?? '';
      for (const i of importsOf(file)) {
        const to = areaOf(i.target);
        if (i.local && to && to !== from && ROOMS.includes(to)) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    expect(roomCycles(edges)).toEqual([]);
  });

  it('production code never imports the offline world, the simulator or a test', () => {
    const violations = PRODUCTION.flatMap((file) =>
      importsOf(file)
        .filter((i) => i.local && /^(shared\/local\/|simulator\/|test\/|bench\/|scripts\/)/.test(i.target))
        .map((i) => `${file} → ${i.target}`),
    );
    expect(violations).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('reads type-only, value, re-export and dynamic imports apart', () => {
    const text = [
      "import type { A } from '../../aws/ssm';",
      "import { type B } from '../../aws/sns';",
      "import { C, type D } from '../../aws/ec2';",
      "export { E } from '../../runtime/stack';",
      "const f = () => import('node:fs');",
    ].join('\n');
    expect(importsOf('shared/mix/policy/x.ts', text).map((i) => [i.target, i.typeOnly])).toEqual([
      ['shared/aws/ssm.ts', true],
      ['shared/aws/sns.ts', true],
      ['shared/aws/ec2.ts', false],
      ['shared/runtime/stack.ts', false],
      ['node:fs', false],
    ]);
  });

  it('finds I/O two modules away, and only through value imports', () => {
    const graph: Record<string, ModuleImport[]> = {
      'shared/mix/policy/a.ts': [{ target: 'shared/mix/policy/b.ts', local: true, typeOnly: false }],
      'shared/mix/policy/b.ts': [
        { target: 'shared/aws/ssm.ts', local: true, typeOnly: false },
        { target: 'node:fs', local: false, typeOnly: true },
      ],
    };
    const reached = valueClosure('shared/mix/policy/a.ts', (f) => graph[f] ?? []);
    expect([...reached.keys()].filter((t) => impurity(t))).toEqual(['shared/aws/ssm.ts']);
    expect(reached.get('shared/aws/ssm.ts')).toEqual(['shared/mix/policy/a.ts', 'shared/mix/policy/b.ts', 'shared/aws/ssm.ts']);
  });

  it('names each circle between rooms once', () => {
    const edges = new Map([
      ['mix', new Set(['signals'])],
      ['signals', new Set(['mix', 'lifecycle'])],
      ['lifecycle', new Set<string>()],
    ]);
    expect(roomCycles(edges)).toEqual([['mix', 'signals', 'mix']]);
  });
});
