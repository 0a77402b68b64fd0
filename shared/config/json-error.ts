/**
 * Where a JSON text stops being JSON, as line and column: `JSON.parse` says "at position 42" on
 * Node 20, "(line 3 column 5)" on some Node 22 messages and nothing at all on others ("Unexpected
 * token 'b', "{…" is not valid JSON"), so the place is found by a small scan of our own.
 */

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

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings
const STRING_BODY = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** A sticky match of `pattern` at `offset`. */
const matchAt = (pattern: RegExp, text: string, offset: number): string | undefined => {
  pattern.lastIndex = offset;
  return pattern.exec(text)?.[0];
};

class Stop extends Error {
  public constructor(public readonly offset: number) {
    super('json error');
  }
}

/**
 * Offset of the first character that makes `text` invalid JSON (the end of the text when it stops
 * too early), or undefined when the text is valid.
 *
 * @example
 * ```ts
 * firstJsonErrorOffset('{\n  "a": 1,\n  b: 2\n}'); // 14 (line 3, column 3)
 * ```
 */
export const firstJsonErrorOffset = (text: string): number | undefined => {
  let i = 0;
  const skip = (): void => {
    while (i < text.length && WHITESPACE.has(text[i] as string)) i += 1;
  };
  const expect = (ok: boolean): void => {
    if (!ok) throw new Stop(i);
  };
  const string = (): void => {
    const match = matchAt(STRING_BODY, text, i);
    if (match === undefined) {
      // Point at the offending character inside the string, or at its start.
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n' && text[j] !== '\\') j += 1;
      throw new Stop(text[i] === '"' ? j : i);
    }
    i += match.length;
  };
  const value = (depth: number): void => {
    expect(depth < 10_000);
    skip();
    const c = text[i];
    if (c === '{') {
      i += 1;
      skip();
      if (text[i] === '}') {
        i += 1;
        return;
      }
      for (;;) {
        skip();
        expect(text[i] === '"');
        string();
        skip();
        expect(text[i] === ':');
        i += 1;
        value(depth + 1);
        skip();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        expect(text[i] === '}');
        i += 1;
        return;
      }
    }
    if (c === '[') {
      i += 1;
      skip();
      if (text[i] === ']') {
        i += 1;
        return;
      }
      for (;;) {
        value(depth + 1);
        skip();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        expect(text[i] === ']');
        i += 1;
        return;
      }
    }
    if (c === '"') {
      string();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    const number = matchAt(NUMBER, text, i);
    expect(number !== undefined);
    i += (number as string).length;
  };
  try {
    value(0);
    skip();
    expect(i === text.length);
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return error.offset;
    throw error;
  }
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
