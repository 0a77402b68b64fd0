// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
'use strict';

/**
 * The CloudWatch dashboard of the orchestrator (observability.cjs adds it to the stack): per
 * function health, and per group the metrics of the contract (metrics-contract.cjs, docs/metrics.md).
 */

const { NAMESPACE, TERMINATION_POLICY_CONTRACT_MS, GROUP_METRICS, functionLogicalId } = require('./metrics-contract.cjs');

const search = (expression, stat, period, id, label) => ({
  expression: `SEARCH('${expression}', '${stat}', ${period})`,
  id,
  ...(label ? { label } : {}),
});

const groupSearch = (metricName, stat, id) => search(`{${NAMESPACE},group,profile,service} MetricName="${metricName}"`, stat, 300, id);

const widget = (x, y, width, height, properties) => ({ type: 'metric', x, y, width, height, properties });

const text = (y, markdown) => ({ type: 'text', x: 0, y, width: 24, height: 2, properties: { markdown } });

/**
 * Dashboard body (a JSON string with `${AWS::Region}` and `${<Function>LambdaFunction}` placeholders
 * for Fn::Sub). Per-group rows use SEARCH over the contract's dimensions, so every opted-in group
 * appears without a redeploy.
 * Body structure: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
const dashboardBody = (prefix, functions) => {
  const region = '${AWS::Region}';
  const widgets = [];
  let y = 0;
  const row = (height) => {
    const top = y;
    y += height;
    return top;
  };

  widgets.push(
    text(row(2), `# ${prefix}\nPer Auto Scaling group (dimensions \`group\`, \`profile\`; docs/metrics.md), then Lambda health. Alarms: docs/alarms.md.`),
  );

  let top = row(6);
  widgets.push(
    widget(0, top, 8, 6, {
      title: 'Warm-ups per group (count)',
      region,
      stat: 'Sum',
      period: 300,
      metrics: GROUP_METRICS.warmup.map((m, i) => [groupSearch(m, 'Sum', `w${i}`)]),
    }),
    widget(8, top, 8, 6, {
      title: 'Warm-up duration per group (s, p90)',
      region,
      period: 300,
      metrics: [[groupSearch(GROUP_METRICS.warmupDuration, 'p90', 'wd')]],
    }),
    widget(16, top, 8, 6, {
      title: 'Drains per group: duration (s, p90) and timeouts',
      region,
      period: 300,
      metrics: [[groupSearch(GROUP_METRICS.drainDuration, 'p90', 'dd')], [groupSearch('DrainTimedOut', 'Sum', 'dt')]],
    }),
  );

  top = row(6);
  widgets.push(
    widget(0, top, 8, 6, {
      title: 'Termination decisions and fallbacks per group',
      region,
      period: 300,
      metrics: GROUP_METRICS.termination.map((m, i) => [groupSearch(m, 'Sum', `td${i}`)]),
    }),
    widget(8, top, 8, 6, {
      title: 'On-Demand share: actual and mix target (%) per group',
      region,
      period: 300,
      metrics: GROUP_METRICS.mix.map((m, i) => [groupSearch(m, 'Average', `mx${i}`)]),
      yAxis: { left: { min: 0, max: 100 } },
    }),
    widget(16, top, 8, 6, {
      title: 'Mix changes and instances they replaced, per group',
      region,
      period: 300,
      metrics: GROUP_METRICS.mixChanges.map((m, i) => [groupSearch(m, 'Sum', `mc${i}`)]),
    }),
  );

  top = row(6);
  widgets.push(
    widget(0, top, 8, 6, {
      title: 'Termination-policy fallbacks by reason (all groups)',
      region,
      period: 300,
      metrics: [[search(`{${NAMESPACE},reason,service} MetricName="TerminationFallbacks"`, 'Sum', 300, 'fr')]],
    }),
    widget(8, top, 8, 6, {
      title: 'Decisions per function (outcome_* of the decision log)',
      region,
      period: 300,
      metrics: [[search(`{${NAMESPACE},function,service} outcome`, 'Sum', 300, 'o')]],
    }),
    widget(16, top, 8, 6, {
      title: 'Cold starts per function',
      region,
      period: 300,
      metrics: [[search(`{${NAMESPACE},function_name,service} MetricName="ColdStart"`, 'Sum', 300, 'cs')]],
    }),
  );

  widgets.push(text(row(2), '## Lambda health\nErrors and throttles per function; duration p99 against each timeout; dead-letter queue depth.'));

  const fnRef = (name) => `\${${functionLogicalId(name)}}`;
  top = row(6);
  widgets.push(
    widget(0, top, 8, 6, {
      title: 'Errors per function',
      region,
      stat: 'Sum',
      period: 300,
      metrics: functions.map(({ name }) => ['AWS/Lambda', 'Errors', 'FunctionName', fnRef(name), { label: name }]),
    }),
    widget(8, top, 8, 6, {
      title: 'Throttles per function',
      region,
      stat: 'Sum',
      period: 300,
      metrics: functions.map(({ name }) => ['AWS/Lambda', 'Throttles', 'FunctionName', fnRef(name), { label: name }]),
    }),
    widget(16, top, 8, 6, {
      title: 'Dead-letter queue depth',
      region,
      stat: 'Maximum',
      period: 60,
      metrics: [['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `${prefix}-dlq`, { label: 'messages waiting' }]],
    }),
  );

  // One duration graph per function: p99 against its timeout (and the 2 s contract for the policy).
  functions.forEach(({ name, timeoutSeconds }, index) => {
    if (index % 4 === 0) top = row(6);
    const annotations = [{ label: `timeout ${timeoutSeconds} s`, value: timeoutSeconds * 1000, color: '#d62728' }];
    if (name === 'terminationPolicy') {
      annotations.push({ label: 'alarm: half of the 2 s contract', value: TERMINATION_POLICY_CONTRACT_MS / 2, color: '#ff7f0e' });
    }
    widgets.push(
      widget((index % 4) * 6, top, 6, 6, {
        title: `${name} duration (ms)`,
        region,
        period: 300,
        metrics: [
          ['AWS/Lambda', 'Duration', 'FunctionName', fnRef(name), { stat: 'p99', label: 'p99' }],
          ['...', { stat: 'p50', label: 'p50' }],
        ],
        annotations: { horizontal: annotations },
        yAxis: { left: { min: 0 } },
      }),
    );
  });

  return JSON.stringify({ widgets });
};

module.exports = { dashboardBody };
