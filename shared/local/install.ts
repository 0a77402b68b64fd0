/**
 * The offline local world's entry: imported first by each function bundled for `osls invoke local`
 * (serverless-plugins/esbuild-plugins.cjs), never by production code (test/unit/ci/boundaries.test.ts).
 * It hooks the world into every SDK client as it is built (the world's middleware answers each command
 * when the world is active, shared/local/detect.ts) and adds `localWorld` to every decision.
 */
import { decorateClients, markOffline } from '../aws/clients';
import { noteDecisions } from '../runtime/stack';
import { localWorldActive, localWorldReport, withLocalWorld } from './index';

decorateClients(withLocalWorld);
markOffline(() => localWorldActive());
noteDecisions(() => {
  const localWorld = localWorldReport();
  return localWorld ? { localWorld } : undefined;
});
