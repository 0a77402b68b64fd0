/**
 * Why a launch failed, read from the activity's status message. Used by the activity audit now and
 * by the Spot/On-Demand mix controller, which only reacts to Spot capacity failures.
 */
export type LaunchFailureClass = 'spot-capacity' | 'capacity' | 'quota' | 'configuration' | 'other';

const RULES: ReadonlyArray<readonly [LaunchFailureClass, RegExp]> = [
  [
    'spot-capacity',
    /no Spot capacity available|Spot.{0,40}UnfulfillableCapacity|SpotMaxPriceTooLow|MaxSpotInstanceCountExceeded|Spot.{0,40}InsufficientInstanceCapacity|InsufficientInstanceCapacity.{0,80}Spot|capacity-not-available/is,
  ],
  ['capacity', /InsufficientInstanceCapacity|do not have sufficient .{0,60}capacity|InsufficientCapacity/is],
  ['quota', /VcpuLimitExceeded|InstanceLimitExceeded|exceeds? (your|the) .{0,40}(limit|quota)|MaxSpotFleetRequestCountExceeded/is],
  [
    'configuration',
    /InvalidAMIID|InvalidLaunchTemplate|InvalidParameter|InvalidKeyPair|InvalidGroup|InvalidSubnet|InvalidBlockDeviceMapping|Unsupported|UnauthorizedOperation|not authorized|AccessDenied|InvalidInstanceType|is not supported|does not exist/is,
  ],
];

/**
 * Classifies an Auto Scaling activity status message.
 *
 * @example
 * ```ts
 * classifyLaunchFailure('Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request.')
 * // → 'spot-capacity'
 * ```
 */
export const classifyLaunchFailure = (statusMessage: string): LaunchFailureClass => {
  const text = statusMessage.slice(0, 4000);
  for (const [cls, re] of RULES) if (re.test(text)) return cls;
  return 'other';
};
