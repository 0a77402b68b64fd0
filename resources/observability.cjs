// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
'use strict';

/**
 * Alarms, their SNS topic, the CloudWatch dashboard and the encryption of the function log groups,
 * generated from the `functions` of serverless.yml, so that a function added there is watched,
 * graphed and encrypted without another edit. serverless-plugins/observability.cjs adds them to the
 * packaged template (a plugin rather than a `resources:` entry, so that serverless.yml `resources`
 * stays one object that the tests and the bench read as YAML).
 *
 * docs/metrics.md is the metrics contract the dashboard and the warm-up alarm read; docs/alarms.md
 * says what each alarm means and how to route it. The template tier (test/template) checks the output.
 */

const {
  NAMESPACE,
  SERVICE,
  TERMINATION_POLICY_CONTRACT_MS,
  GROUP_METRICS,
  functionLogicalId,
  logGroupLogicalId,
  normalized,
} = require('./metrics-contract.cjs');
const { dashboardBody } = require('./dashboard.cjs');

/** Alarm thresholds, one place: docs/alarms.md explains each. */
const THRESHOLDS = {
  /** Error rate (%) of a function, in each of `periods` consecutive 5-minute periods. */
  errorRatePercent: 5,
  errorRatePeriods: 3,
  /** Throttled invocations (all functions) in each of two consecutive 5-minute periods. */
  throttlePeriods: 2,
  /** Warm-ups abandoned, as % of the warm-ups that finished, over an hour. */
  abandonRatePercent: 20,
  /** Fewer finished warm-ups than this in the hour: the rate says nothing yet. */
  abandonMinimumFinished: 5,
};

const ref = (id) => ({ Ref: id });
const getAtt = (id, attribute) => ({ 'Fn::GetAtt': [id, attribute] });
const sub = (text) => ({ 'Fn::Sub': text });

/**
 * An alarm to the alarm topic, with OK actions so that a page also hears "resolved". Severity leads
 * the description ("[error] ..."): CloudWatch cannot attach SNS message attributes to an alarm
 * notification, so a subscription filters alarms on the message body (docs/alarms.md).
 */
const alarm = (prefix, name, severity, description, properties) => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: {
    AlarmName: `${prefix}-${name}`,
    AlarmDescription: `[${severity}] ${description}`,
    ActionsEnabled: true,
    AlarmActions: [ref('AlarmTopic')],
    OKActions: [ref('AlarmTopic')],
    ...properties,
  },
});

const lambdaMetric = (id, metricName, fnId, stat) => ({
  Id: id,
  ReturnData: false,
  MetricStat: {
    Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: ref(fnId) }] },
    Period: 300,
    Stat: stat,
  },
});

const rollupMetric = (id, metricName, period) => ({
  Id: id,
  ReturnData: false,
  MetricStat: {
    Metric: { Namespace: NAMESPACE, MetricName: metricName, Dimensions: [{ Name: 'service', Value: SERVICE }] },
    Period: period,
    Stat: 'Sum',
  },
});

/** An alarm as soon as anything waits in the queue `queueId` (a dead-letter queue). */
const queueDepthAlarm = (prefix, name, description, queueId) =>
  alarm(prefix, name, 'error', description, {
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: getAtt(queueId, 'QueueName') }],
    Statistic: 'Maximum',
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
  });

/** The alarms worth waking someone for (docs/alarms.md). */
const alarms = (prefix, functionNames) => {
  const resources = {};

  // Anything in the dead-letter queue is an event that exhausted its retries: someone must look.
  resources.DeadLetterQueueAlarm = queueDepthAlarm(
    prefix,
    'dead-letters',
    'Events exhausted their retries and wait in the dead-letter queue (redrive them once the cause is fixed).',
    'DeadLetterQueue',
  );
  // A group's reconcile work that failed three deliveries (resources/fan-out.yml): its heartbeats or
  // repairs did not happen; someone must look (the next minute's tick plans the group again).
  resources.GroupSweepDeadLetterQueueAlarm = queueDepthAlarm(
    prefix,
    'group-sweep-dead-letters',
    'Group-sweep messages failed three deliveries and wait in the group-sweep dead-letter queue (the groups are planned again every minute; look at groupSweep errors).',
    'GroupSweepDeadLetterQueue',
  );

  // An error RATE over several periods, not any single error: handlers rethrow on throttling by design
  // (Lambda retries, then the DLQ, which has its own alarm), so one transient failure wakes nobody.
  // Metric math in an alarm: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html
  for (const name of functionNames) {
    const fnId = functionLogicalId(name);
    resources[`${normalized(name)}ErrorRateAlarm`] = alarm(
      prefix,
      `${name}-error-rate`,
      'error',
      `${name}: more than ${THRESHOLDS.errorRatePercent} % of invocations failed in each of ${THRESHOLDS.errorRatePeriods} consecutive 5-minute periods (retries and the DLQ alarm cover single failures).`,
      {
        Metrics: [
          lambdaMetric('errors', 'Errors', fnId, 'Sum'),
          lambdaMetric('invocations', 'Invocations', fnId, 'Sum'),
          {
            Id: 'errorRate',
            Label: `${name} error rate (%)`,
            Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
            ReturnData: true,
          },
        ],
        EvaluationPeriods: THRESHOLDS.errorRatePeriods,
        DatapointsToAlarm: THRESHOLDS.errorRatePeriods,
        Threshold: THRESHOLDS.errorRatePercent,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      },
    );
  }

  // Throttles of any function (Lambda's Throttles metric: invocation requests refused for concurrency).
  // An alarm holds at most 10 metric queries: 9 functions and their SUM per alarm.
  for (let start = 0; start < functionNames.length; start += 9) {
    const chunk = functionNames.slice(start, start + 9);
    const ids = chunk.map((_, index) => `t${index}`);
    const suffix = start === 0 ? '' : `${start / 9 + 1}`;
    resources[`ThrottlesAlarm${suffix}`] = alarm(
      prefix,
      `throttles${suffix}`,
      'warning',
      `Lambda throttled invocations of ${chunk.join(', ')} in ${THRESHOLDS.throttlePeriods} consecutive 5-minute periods: the account or a reserved concurrency is too small (the termination policy answers Auto Scaling late; async events wait).`,
      {
        Metrics: [
          ...chunk.map((name, index) => lambdaMetric(ids[index], 'Throttles', functionLogicalId(name), 'Sum')),
          { Id: 'throttles', Label: 'throttled invocations', Expression: `SUM([${ids.join(', ')}])`, ReturnData: true },
        ],
        EvaluationPeriods: THRESHOLDS.throttlePeriods,
        DatapointsToAlarm: THRESHOLDS.throttlePeriods,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      },
    );
  }

  // The termination policy has 2 s (an error or a timeout makes Auto Scaling wait and ask again):
  // warn when its p99 passes half of that.
  if (functionNames.includes('terminationPolicy')) {
    resources.TerminationPolicyDurationAlarm = alarm(
      prefix,
      'terminationPolicy-p99-duration',
      'warning',
      `terminationPolicy p99 duration above ${TERMINATION_POLICY_CONTRACT_MS / 2} ms (half of the 2 s Auto Scaling allows) in 2 of 3 5-minute periods.`,
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: [{ Name: 'FunctionName', Value: ref(functionLogicalId('terminationPolicy')) }],
        ExtendedStatistic: 'p99',
        Unit: 'Milliseconds',
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: TERMINATION_POLICY_CONTRACT_MS / 2,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      },
    );
  }

  // Warm-ups abandoned, as a share of the warm-ups that finished (stack-wide roll-up, docs/metrics.md).
  resources.WarmupAbandonRateAlarm = alarm(
    prefix,
    'warmup-abandon-rate',
    'warning',
    `More than ${THRESHOLDS.abandonRatePercent} % of the warm-ups that finished in the last hour were abandoned (at least ${THRESHOLDS.abandonMinimumFinished} finished): models fail to load or the readiness probe never answers.`,
    {
      Metrics: [
        rollupMetric('abandoned', 'WarmupAbandoned', 3600),
        rollupMetric('succeeded', 'WarmupSucceeded', 3600),
        // CONTINUE after a failure (onFailure: continue) finished too: it is in the denominator, not a success.
        rollupMetric('continued', 'WarmupFailedContinued', 3600),
        {
          Id: 'abandonRate',
          Label: 'warm-up abandon rate (%)',
          Expression: `IF(abandoned + succeeded + continued >= ${THRESHOLDS.abandonMinimumFinished}, 100 * abandoned / (abandoned + succeeded + continued), 0)`,
          ReturnData: true,
        },
      ],
      EvaluationPeriods: 1,
      Threshold: THRESHOLDS.abandonRatePercent,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    },
  );

  return resources;
};

/**
 * The alarm topic: CloudWatch alarm actions publish the alarm's own JSON to SNS and cannot set message
 * attributes (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html),
 * so alarms get a topic of their own instead of the decision topic, whose subscribers filter on the
 * `severity` attribute (they would never receive an alarm). Encrypted with the notification key.
 */
const alarmTopic = (prefix) => ({
  AlarmTopic: {
    Type: 'AWS::SNS::Topic',
    Properties: {
      TopicName: `${prefix}-alarms`,
      DisplayName: `${SERVICE} alarms`,
      KmsMasterKeyId: getAtt('NotificationKey', 'Arn'),
    },
  },
  // CloudWatch (this account's alarms only) may publish; the key policy lets it use the key.
  AlarmTopicPolicy: {
    Type: 'AWS::SNS::TopicPolicy',
    Properties: {
      Topics: [ref('AlarmTopic')],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CloudWatchAlarmsOfThisAccount',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: ref('AlarmTopic'),
            Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
          },
        ],
      },
    },
  },
});

/**
 * A customer managed key for the function log groups: CloudWatch Logs encrypts with a KMS key only
 * when its key policy lets logs.<region>.amazonaws.com use it for those log groups
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
 */
const logEncryption = (prefix, functionNames, deletionPolicy) => {
  const logGroupArns = functionNames.map((name) =>
    sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${prefix}-${name}`),
  );
  const resources = {
    LogsKey: {
      Type: 'AWS::KMS::Key',
      DeletionPolicy: deletionPolicy,
      UpdateReplacePolicy: deletionPolicy,
      Properties: {
        Description: `${prefix} Lambda log group encryption`,
        EnableKeyRotation: true,
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AccountAdministersKeyThroughIam',
              Effect: 'Allow',
              Principal: { AWS: sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') },
              Action: 'kms:*',
              Resource: '*',
            },
            {
              Sid: 'CloudWatchLogsEncryptsThisStacksLogGroups',
              Effect: 'Allow',
              Principal: { Service: sub('logs.${AWS::Region}.amazonaws.com') },
              Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
              Resource: '*',
              Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': logGroupArns } },
            },
          ],
        },
      },
    },
  };
  // osls generates the log groups; an extension adds the key to each.
  const extensions = Object.fromEntries(functionNames.map((name) => [logGroupLogicalId(name), { Properties: { KmsKeyId: getAtt('LogsKey', 'Arn') } }]));
  return { resources, extensions };
};

/** Marks what this file generated, in the template (CloudFormation resource `Metadata`). */
const GENERATED_BY = { generatedBy: 'resources/observability.cjs' };

/**
 * The resources, outputs and log group encryption for the stack.
 * @param {{ prefix: string, deletionPolicy: string, functions: Array<{ name: string, timeoutSeconds: number }> }} stack
 * @returns {{ Resources: Record<string, object>, Outputs: Record<string, object>, logGroupKmsKeyIds: Record<string, object> }}
 */
const observability = ({ prefix, deletionPolicy, functions }) => {
  const names = functions.map(({ name }) => name);
  const logs = logEncryption(prefix, names, deletionPolicy);
  const resources = {
    ...alarmTopic(prefix),
    ...alarms(prefix, names),
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: prefix, DashboardBody: sub(dashboardBody(prefix, functions)) },
    },
    ...logs.resources,
  };
  for (const resource of Object.values(resources)) resource.Metadata = GENERATED_BY;
  return {
    Resources: resources,
    Outputs: {
      AlarmTopicArn: {
        Description: 'SNS topic of the CloudWatch alarms (ALARM and OK), KMS-encrypted: docs/alarms.md.',
        Value: ref('AlarmTopic'),
        Export: { Name: `${prefix}-AlarmTopicArn` },
      },
      DashboardName: { Description: 'CloudWatch dashboard of the orchestrator.', Value: ref('Dashboard') },
    },
    logGroupKmsKeyIds: Object.fromEntries(Object.entries(logs.extensions).map(([id, ext]) => [id, ext.Properties.KmsKeyId])),
  };
};

module.exports = { observability, GENERATED_BY, NAMESPACE, SERVICE, GROUP_METRICS, THRESHOLDS, TERMINATION_POLICY_CONTRACT_MS };
