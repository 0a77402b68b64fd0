/**
 * Preloaded by the tsx scripts (`tsx --require ./scripts/require-esm-only.cjs …`): lets their CommonJS
 * `require` load packages that publish only an `import` export condition (@middy/core 7). Node 22
 * can require an ES module (https://nodejs.org/docs/latest-v22.x/api/modules.html#loading-ecmascript-modules-using-require),
 * but resolving such a package from `require` fails with ERR_PACKAGE_PATH_NOT_EXPORTED; this hook
 * (https://nodejs.org/docs/latest-v22.x/api/module.html#moduleregisterhooksoptions) retries that one
 * resolution with the `import` condition added. Bundles (esbuild) and vitest resolve as ESM and do
 * not need it.
 */
const { registerHooks } = require('node:module');

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (error?.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED' || context.conditions.includes('import')) throw error;
      return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'import'] });
    }
  },
});
