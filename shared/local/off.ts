/**
 * The local world's entry points as a deployed bundle has them: never active, nothing bundled.
 *
 * serverless-plugins/esbuild-plugins.cjs swaps shared/local/index.ts for this module in every build
 * except `osls invoke local`, so a Lambda bundle carries neither the offline world (shared/local/world.ts)
 * nor its fixture; the world is refused inside Lambda anyway (shared/local/detect.ts).
 *
 * @example
 * ```ts
 * withLocalWorld(new SNSClient({}), 'sns'); // the same client, untouched
 * ```
 */
import type * as full from './index';

/** Returns the client untouched: there is no local world in this build. */
export const withLocalWorld: typeof full.withLocalWorld = (client) => client;

/** Always undefined: there is no local world in this build. */
export const localWorldReport: typeof full.localWorldReport = () => undefined;

/** Always false: there is no local world in this build. */
export const localWorldActive: typeof full.localWorldActive = () => false;
