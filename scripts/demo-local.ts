/**
 * `npm start` — the local main job until the fleet simulator lands: starts the AWS emulator (moto,
 * loopback only), seeds an opted-in group, a group that did not opt in, the SNS topic with an SQS
 * subscriber and an EventBridge audit rule, then runs the REAL `activityAudit` function through
 * `serverless invoke local` on sample events and shows what each subscriber received and why.
 * No AWS account is needed: every call goes to the emulator.
 */
import { spawnSync } from 'node:child_process';
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { createQueue, createStateTable, drainQueue, motoClients } from './local-aws';
import { motoEnv, PROJECT_ROOT, withMoto } from './emulator';

/** The cases shown, each a sample from events/ (the same files the tests use). */
const CASES: ReadonlyArray<{ file: string; what: string }> = [
  { file: 'events/autoscaling/launch-unsuccessful.json', what: 'a Spot launch failed for capacity in an opted-in group' },
  { file: 'events/autoscaling/instance-refresh-failed.json', what: 'an instance refresh failed in an opted-in group' },
  { file: 'events/autoscaling/launch-successful-not-opted-in.json', what: 'a launch in a group that did not opt in' },
  { file: 'events/invalid/malformed-lifecycle.json', what: 'a malformed event' },
];

// The SDK warns about Node 20 on every client; the demo runs on the local Node 20 by design.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

const seed = async (endpoint: string): Promise<{ topicArn: string; snsQueueUrl: string; busQueueUrl: string }> => {
  const aws = motoClients(endpoint);
  await createStateTable(aws.dynamo, 'asg-orchestrator-demo');
  const { TopicArn } = await aws.sns.send(new CreateTopicCommand({ Name: 'asg-orchestrator-demo' }));
  const snsQueue = await createQueue(aws.sqs, 'demo-notification-subscriber');
  await aws.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: snsQueue.arn, Attributes: { RawMessageDelivery: 'true' } }));
  const busQueue = await createQueue(aws.sqs, 'demo-audit-trail');
  await aws.eventBridge.send(new PutRuleCommand({ Name: 'demo-audit-trail', EventPattern: JSON.stringify({ source: ['asg-orchestrator'] }) }));
  await aws.eventBridge.send(new PutTargetsCommand({ Rule: 'demo-audit-trail', Targets: [{ Id: 'q', Arn: busQueue.arn }] }));
  await aws.ec2.send(
    new CreateLaunchTemplateCommand({ LaunchTemplateName: 'ml-inference', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'g5.xlarge' } }),
  );
  for (const [name, tags] of [
    ['ml-inference-gpu', [{ Key: 'asg-orchestrator:profile', Value: 'gpu-inference' }]],
    ['legacy-web', [{ Key: 'team', Value: 'web' }]],
  ] as const) {
    await aws.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateName: 'ml-inference', Version: '$Latest' },
        MinSize: 0,
        MaxSize: 4,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1a'],
        Tags: tags.map((t) => ({ ...t, PropagateAtLaunch: true, ResourceId: name, ResourceType: 'auto-scaling-group' })),
      }),
    );
  }
  return { topicArn: TopicArn ?? '', snsQueueUrl: snsQueue.url, busQueueUrl: busQueue.url };
};

/** Runs `osls invoke local` and returns the handler's result (the last JSON object it printed). */
const invokeLocal = (file: string, env: NodeJS.ProcessEnv): { result: Record<string, unknown> | undefined; output: string; ok: boolean } => {
  const run = spawnSync('npx', ['osls', 'invoke', 'local', '-f', 'activityAudit', '-p', file], {
    cwd: PROJECT_ROOT,
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  const output = `${run.stdout ?? ''}`;
  const start = output.lastIndexOf('\n{');
  let result: Record<string, unknown> | undefined;
  try {
    result = JSON.parse(output.slice(start < 0 ? output.indexOf('{') : start + 1)) as Record<string, unknown>;
  } catch {
    result = undefined;
  }
  return { result, output: `${output}${run.stderr ?? ''}`, ok: run.status === 0 };
};

const main = async (): Promise<void> => {
  say('asg-orchestrator local demo: the real activityAudit function, run by `serverless invoke local` against a local AWS emulator');
  say('(no AWS account needed; the emulator listens on 127.0.0.1 only)\n');
  await withMoto(
    async ({ endpoint }) => {
      const queues = await seed(endpoint);
      say(`emulator ready at ${endpoint}: group ml-inference-gpu (tag asg-orchestrator:profile=gpu-inference), group legacy-web (no tag)\n`);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...motoEnv(endpoint),
        LOCAL_TOPIC_ARN: queues.topicArn,
        LOCAL_TABLE_NAME: 'asg-orchestrator-demo',
        LOCAL_EVENT_BUS_NAME: 'default',
        LOCAL_ACCOUNT_ID: '123456789012',
        LOG_LEVEL: 'ERROR',
        POWERTOOLS_METRICS_DISABLED: 'true',
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
      };
      let failures = 0;
      for (const c of CASES) {
        say(`▶ ${c.what}\n  $ serverless invoke local -f activityAudit -p ${c.file}`);
        const { result, output, ok } = invokeLocal(c.file, env);
        if (!ok || !result) {
          failures += 1;
          say(`  ✗ invoke local failed:\n${output.split('\n').slice(-20).join('\n')}`);
          continue;
        }
        say(`  → ${String(result.outcome)}${result.severity ? ` (${String(result.severity)})` : ''}: ${String(result.reason)}\n`);
      }
      const aws = motoClients(endpoint);
      const fromSns = await drainQueue(aws.sqs, queues.snsQueueUrl);
      const fromBus = await drainQueue(aws.sqs, queues.busQueueUrl);
      say('What the subscribers received:');
      for (const m of fromSns) {
        say(
          `  SNS → SQS  [eventType=${m.MessageAttributes?.eventType?.StringValue}, severity=${m.MessageAttributes?.severity?.StringValue}] ${
            (JSON.parse(m.Body ?? '{}') as { title?: string }).title ?? ''
          }`,
        );
      }
      for (const m of fromBus) {
        const e = JSON.parse(m.Body ?? '{}') as { source?: string; 'detail-type'?: string; detail?: { group?: string } };
        say(`  EventBridge → SQS  [source=${e.source}] ${e['detail-type']} (group ${e.detail?.group})`);
      }
      say(`\n${fromSns.length} SNS notification(s), ${fromBus.length} audit event(s); the group that did not opt in and the malformed event produced none.`);
      if (failures > 0) throw new Error(`${failures} invocation(s) failed`);
    },
    { log: (line) => say(`  [emulator] ${line}`) },
  );
};

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
