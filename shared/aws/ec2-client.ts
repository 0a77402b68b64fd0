import { EC2Client } from '@aws-sdk/client-ec2';
import { CLIENT_CONFIG, decorated, once } from './clients';

/**
 * The EC2 client factory, in a module of its own: only the functions that call EC2 import this file,
 * so the ~550 KB of `@aws-sdk/client-ec2` (bundled since docs/adr/0005) is in their bundles only.
 */
export const newEc2 = (): EC2Client => decorated(new EC2Client(CLIENT_CONFIG), 'ec2');

/** One EC2 client per cold start. */
export const ec2Client: () => EC2Client = /* @__PURE__ */ once(newEc2);
