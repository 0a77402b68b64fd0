/**
 * Memoized thunks for schemas: a schema costs time to build (constructors run
 * checks, compile regexes and object shapes), and a cold start should only pay for the schemas the
 * function actually uses. `lazy(build)` returns a function that builds on first call and then
 * returns the same instance forever.
 *
 * @example
 * ```ts
 * const schema = lazy(() => v.object({ id: v.string() }));
 * v.safeParse(schema(), input); // built here, once
 * ```
 */
export const lazy = <T>(build: () => T): (() => T) => {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
};
