// Registers aws-sdk-client-mock's command matchers (toHaveReceivedCommandWith, …) on vitest's expect.
import 'aws-sdk-client-mock-vitest/extend';
