import { describe, expect, it } from 'vitest';
import { isAgentNotReady, SEND_RETRY_MAX_TOTAL_MS, SEND_RETRY_RESERVE_MS, sendRetryDelay } from '../../../shared/lifecycle/policy/send-retry';

describe('sendRetryDelay (SendCommand refused before the SSM agent registered)', () => {
  it.each([
    ['first refusal, a fresh 30 s invocation', 1, 0, 29_000, 2_000],
    ['second refusal doubles', 2, 2_000, 27_000, 4_000],
    ['capped at 4 s', 3, 6_000, 23_000, 4_000],
    ['stays at 4 s', 6, 18_000, 11_000, 4_000],
    ['exactly the reserve left after the wait', 1, 0, 2_000 + SEND_RETRY_RESERVE_MS, 2_000],
    ['one ms short of the reserve', 1, 0, 2_000 + SEND_RETRY_RESERVE_MS - 1, undefined],
    ['total waits bounded even with time left', 7, 22_000, 600_000, undefined],
    ['exactly the total bound', 4, SEND_RETRY_MAX_TOTAL_MS - 4_000, 600_000, 4_000],
    ['one ms past the total bound', 4, SEND_RETRY_MAX_TOTAL_MS - 3_999, 600_000, undefined],
    ['no refusal yet', 0, 0, 29_000, undefined],
    ['NaN refusals', Number.NaN, 0, 29_000, undefined],
    ['remaining time unknown (NaN)', 1, 0, Number.NaN, undefined],
    ['remaining time infinite', 1, 0, Number.POSITIVE_INFINITY, undefined],
  ])('%s', (_name, refusals, waited, remaining, expected) => {
    expect(sendRetryDelay(refusals, waited, remaining)).toBe(expected);
  });

  it('the waits of one invocation stay inside the 60 s claim (whatever the remaining time)', () => {
    let waited = 0;
    for (let n = 1; ; n += 1) {
      const d = sendRetryDelay(n, waited, 1e9);
      if (d === undefined) break;
      waited += d;
    }
    expect(waited).toBe(22_000);
    expect(waited).toBeLessThanOrEqual(SEND_RETRY_MAX_TOTAL_MS);
  });

  it('only InvalidInstanceId means "agent not there yet"', () => {
    expect(isAgentNotReady('InvalidInstanceId')).toBe(true);
    expect(isAgentNotReady('InvalidDocument')).toBe(false);
    expect(isAgentNotReady('ThrottlingException')).toBe(false);
  });
});
