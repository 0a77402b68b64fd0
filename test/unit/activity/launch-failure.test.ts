import { describe, expect, it } from 'vitest';
import { classifyLaunchFailure, type LaunchFailureClass } from '../../../shared/activity/policy/launch-failure';

describe('classifyLaunchFailure', () => {
  const rows: Array<[string, string, LaunchFailureClass]> = [
    [
      'Spot capacity (AWS wording)',
      'Could not launch Spot Instances. InsufficientInstanceCapacity - There is no Spot capacity available that matches your request. Launching EC2 instance failed.',
      'spot-capacity',
    ],
    [
      'Spot unfulfillable',
      'Could not launch Spot Instances. UnfulfillableCapacity - Unable to fulfill capacity due to your request configuration. Launching EC2 instance failed.',
      'spot-capacity',
    ],
    [
      'Spot max price',
      'Could not launch Spot Instances. SpotMaxPriceTooLow - Your Spot request price of 0.1 is lower than the minimum required Spot request fulfillment price of 0.2. Launching EC2 instance failed.',
      'spot-capacity',
    ],
    [
      'On-Demand capacity',
      'We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (us-east-1a). Launching EC2 instance failed.',
      'capacity',
    ],
    ['On-Demand InsufficientInstanceCapacity', 'InsufficientInstanceCapacity - Insufficient capacity. Launching EC2 instance failed.', 'capacity'],
    [
      'vCPU quota',
      'You have requested more vCPU capacity than your current vCPU limit of 64 allows (VcpuLimitExceeded). Launching EC2 instance failed.',
      'quota',
    ],
    ['bad AMI', "The image id '[ami-0123]' does not exist. Launching EC2 instance failed.", 'configuration'],
    ['bad launch template', 'InvalidLaunchTemplateId.NotFound - The specified launch template does not exist. Launching EC2 instance failed.', 'configuration'],
    ['empty', '', 'other'],
    ['unrelated', 'Something unexpected happened', 'other'],
  ];
  it.each(rows)('%s', (_n, message, expected) => {
    expect(classifyLaunchFailure(message)).toBe(expected);
  });

  it('reads only the first 4,000 characters of a hostile message', () => {
    expect(classifyLaunchFailure(`${'x'.repeat(5000)}no Spot capacity available`)).toBe('other');
  });
});
