/**
 * Preload for the scripts run with tsx (npm start, simulate, bench, docs:simulation): lets CommonJS
 * `require` reach packages that export only an `import` condition (@middy/core 7). tsx runs this
 * project's .ts files as CommonJS (package.json has no "type"), and Node 22 can require an ES module,
 * but its resolver refuses a package whose `exports` has no `require`/`default` entry. On that refusal
 * this resolves the package's `import` entry instead. Tests (vitest) and bundles (esbuild) need none of it.
 */
const Module = require('node:module');
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const original = Module._resolveFilename;
const importEntry = (exp) => {
  if (typeof exp === 'string') return exp;
  if (!exp || typeof exp !== 'object') return undefined;
  const dot = exp['.'] ?? exp;
  const imp = dot.import ?? dot.node ?? dot.default;
  return typeof imp === 'string' ? imp : imp && typeof imp === 'object' ? (imp.default ?? imp.node) : undefined;
};

Module._resolveFilename = function resolveFilename(request, parent, isMain, options) {
  try {
    return original.call(this, request, parent, isMain, options);
  } catch (error) {
    if (error?.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED' || request.startsWith('.') || request.startsWith('/')) throw error;
    const from = parent?.filename ? dirname(parent.filename) : process.cwd();
    for (const dir of Module._nodeModulePaths(from)) {
      const manifest = join(dir, request, 'package.json');
      if (!existsSync(manifest)) continue;
      const entry = importEntry(JSON.parse(readFileSync(manifest, 'utf8')).exports);
      if (entry) return join(dir, request, entry);
    }
    throw error;
  }
};
