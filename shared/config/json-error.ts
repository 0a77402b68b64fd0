/**
 * Where a JSON text stops being JSON, as line and column: `JSON.parse` says "at position 42" on
 * Node 20, "(line 3 column 5)" on some Node 22 messages and nothing at all on others ("Unexpected
 * token 'b', "{…" is not valid JSON"), so the place is found by jsonc-parser (Microsoft's JSON
 * scanner, the one VS Code uses) and the reason is JSON.parse's own.
 */
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';

/** 1-based line and column of a character offset. */
export interface TextPosition {
  line: number;
  column: number;
}

/** Line and column (1-based) of `offset` in `text`. */
export const positionOf = (text: string, offset: number): TextPosition => {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
};

/**
 * Offset of the first character that makes `text` invalid JSON (the end of the text when it stops
 * too early), or undefined when the text is valid. jsonc-parser's scanner finds it (comments and
 * trailing commas refused, as JSON.parse refuses them); for a string broken by a raw line break or
 * the end of the text, the place is where the string broke, not where it opened.
 *
 * @example
 * ```ts
 * firstJsonErrorOffset('{\n  "a": 1,\n  b: 2\n}'); // 14 (line 3, column 3)
 * ```
 */
export const firstJsonErrorOffset = (text: string): number | undefined => {
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) return undefined;
  return printParseErrorCode(first.error) === 'UnexpectedEndOfString' ? first.offset + first.length : first.offset;
};

/**
 * The reason `JSON.parse` gave, without its position and the echo of the text, prefixed with where.
 *
 * @example
 * ```ts
 * describeJsonError('{\n  "a": 1,\n  b: 2\n}', new SyntaxError('Unexpected token …'));
 * // 'line 3, column 3: Expected double-quoted property name'
 * ```
 */
export const describeJsonError = (text: string, error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  const reason =
    message
      .replace(/,\s*".*is not valid JSON$/s, '')
      .replace(/ at position \d+(\s*\(line \d+ column \d+\))?/, '')
      .replace(/ in JSON$/, '')
      .trim() || 'not valid JSON';
  const offset = firstJsonErrorOffset(text);
  if (offset === undefined) return reason;
  const { line, column } = positionOf(text, offset);
  return `line ${line}, column ${column}: ${reason}`;
};
