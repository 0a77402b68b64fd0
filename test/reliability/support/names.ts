/** The names the reliability tier's accounts and events share. */
import { readFileSync } from 'node:fs';
import { type OrchestratorConfig, parseConfig } from '../../../shared/config';

export const T0 = Date.parse('2026-11-27T10:00:00Z');
export const GROUP = 'ml-inference-gpu';
/** A group without the opt-in tag, and one whose tag names a profile the config does not have. */
export const LEGACY = 'legacy-web';
export const GHOST = 'ghost-profile-group';
export const TAG_KEY = 'asg-orchestrator:profile';
export const DOCUMENTS = { warmup: 'asg-orchestrator-test-WarmUpDocument-ABC', drain: 'asg-orchestrator-test-DrainDocument-DEF' };
export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:asg-orchestrator-test-notifications';
export const LAUNCH_HOOK = 'asg-orchestrator-launch';
export const TERMINATE_HOOK = 'asg-orchestrator-terminate';

/** The bundled config/profiles.json (gpu-inference: enforce, warm-up 3 attempts, mix cooldown 900 s). */
export const bundledConfig = (): OrchestratorConfig =>
  parseConfig(JSON.parse(readFileSync(new URL('../../../config/profiles.json', import.meta.url), 'utf8')) as unknown, 'config/profiles.json');
