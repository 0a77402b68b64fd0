export * from './auto-scaling';
export * from './classify';
export * from './cloudwatch';
export * from './clients';
export * from './event-bridge';
export * from './sns';
export * from './ssm';
export * from './state-store';
export type { Ec2Port, InstanceInfo } from './ec2';
