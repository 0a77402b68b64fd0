import { describe, expect, it } from 'vitest';
import { lambdaHeapFlags } from '../../../bench/fleet-http';

// The bench runs each packaged bundle in a `node` started as Lambda's Node.js bootstrap starts it:
// a tenth of the memory for the new space, half of that per semi-space, the rest for the old space.
describe('lambdaHeapFlags', () => {
  it.each([
    [128, 6, 116],
    [256, 12, 231],
    [1024, 51, 922],
    [1769, 88, 1593],
    [10_240, 512, 9216],
  ])('%i MB: semi-space %i MB, old space %i MB', (memoryMb, semi, old) => {
    expect(lambdaHeapFlags(memoryMb)).toEqual([`--max-semi-space-size=${semi}`, `--max-old-space-size=${old}`]);
  });
});
