/**
 * `npx tsx scripts/ensure-rie.ts`: builds the AWS Lambda Runtime Interface Emulator the artifact tier
 * runs (`go install` into node_modules/.cache/aws-lambda-rie/<version>/, once) and prints its path.
 * The tier does the same on its own; CI calls this first so the build shows as its own step.
 */
import { resolve } from 'node:path';
import { ensureRie } from '../bench/lib/rie';

process.stdout.write(`${ensureRie(resolve(__dirname, '..'))}\n`);
