import { expect } from 'vitest';
import { parseConfig } from '../../../shared/config';
import { ConfigError } from '../../../shared/errors';

/** A version-1 file with one profile named `gpu`. */
export const withProfile = (profile: unknown): Record<string, unknown> => ({ version: 1, profiles: { gpu: profile } });

/** Parses `raw`, expecting a ConfigError; returns it. */
export const expectConfigError = (raw: unknown): ConfigError => {
  let thrown: unknown;
  try {
    parseConfig(raw);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
};

/** Asserts that some issue line is `path: …reason…` and that the message repeats it. */
export const expectIssue = (error: ConfigError, path: string, reason: string): void => {
  const line = error.issues.find((issue) => issue.startsWith(`${path}: `));
  expect(line, `no issue for ${path} in:\n${error.issues.join('\n')}`).toBeDefined();
  expect(line).toContain(reason);
  expect(error.message).toContain(line);
};
