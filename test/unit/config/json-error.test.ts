import { describe, expect, it } from 'vitest';
import { describeJsonError, firstJsonErrorOffset, positionOf } from '../../../shared/config/json-error';

const errorOf = (text: string): unknown => {
  try {
    JSON.parse(text);
  } catch (error) {
    return error;
  }
  throw new Error('valid JSON');
};

describe('JSON errors with line and column', () => {
  it.each([
    { name: 'unquoted key', text: '{\n  "version": 1,\n  profiles: {}\n}', at: { line: 3, column: 3 } },
    { name: 'trailing comma', text: '{\n  "a": [1, 2,]\n}', at: { line: 2, column: 14 } },
    { name: 'cut short', text: '{\n  "a": 1', at: { line: 2, column: 9 } },
    { name: 'empty', text: '', at: { line: 1, column: 1 } },
    { name: 'raw newline in a string', text: '{"a": "x\ny"}', at: { line: 1, column: 9 } },
    { name: 'leading zero', text: '{"a": 01}', at: { line: 1, column: 8 } },
    { name: 'text after the value', text: '{}\n\nx', at: { line: 3, column: 1 } },
    { name: 'misspelt literal', text: '{"a": {"b": tru}}', at: { line: 1, column: 13 } },
  ])('$name', ({ text, at }) => {
    const offset = firstJsonErrorOffset(text);
    expect(offset).toBeDefined();
    expect(positionOf(text, offset as number)).toEqual(at);
    expect(describeJsonError(text, errorOf(text))).toMatch(new RegExp(`^line ${at.line}, column ${at.column}: \\S`));
  });

  it('finds no error in valid JSON, including escapes, numbers and nesting', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "\\u00e9\\n", {"b": []}]} ', '"x"', '0']) {
      expect({ text, offset: firstJsonErrorOffset(text) }).toEqual({ text, offset: undefined });
    }
  });

  it('never repeats the echo of the text or the bare position', () => {
    const text = '{\n  "version": 1,\n  profiles: {}\n}';
    expect(describeJsonError(text, new SyntaxError(`Unexpected token 'p', "{\n  "version": 1,\n  pro"... is not valid JSON`))).toBe(
      "line 3, column 3: Unexpected token 'p'",
    );
    expect(describeJsonError(text, new SyntaxError('Expected double-quoted property name in JSON at position 21 (line 3 column 3)'))).toBe(
      'line 3, column 3: Expected double-quoted property name',
    );
  });
});
