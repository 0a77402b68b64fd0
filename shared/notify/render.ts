/**
 * Messages for people beside the JSON for machines: one SNS publish carries a message per protocol
 * (`MessageStructure: 'json'`; https://docs.aws.amazon.com/sns/latest/api/API_Publish.html — "If you
 * want to send different messages for each transport protocol, set the value of MessageStructure to
 * json", with a `default` message for the protocols not named). Email and the `default` get short
 * human text; SQS, Lambda, HTTP(S), Firehose and email-json get the JSON body. A profile can make the
 * HTTPS message an AWS Chatbot (Amazon Q Developer in chat applications) custom notification instead:
 * Chatbot subscribes to a topic over HTTPS and renders that shape
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html).
 */
import { type DetailValue, type Notification, toMessageBody, toSnsSubject } from './notification';

/** What HTTPS subscribers receive: the JSON body, or an AWS Chatbot custom notification. */
export type HttpsFormat = 'json' | 'chatbot';

/** SNS protocols that can get a message of their own in a `MessageStructure: 'json'` publish. */
export type SnsProtocol = 'default' | 'email' | 'email-json' | 'sqs' | 'lambda' | 'http' | 'https' | 'firehose' | 'sms';

const SEVERITY_LABEL = { info: 'INFO', warning: 'WARNING', error: 'ERROR' } as const;
const CHAT_EMOJI = { info: ':information_source:', warning: ':warning:', error: ':rotating_light:' } as const;
const MAX_DETAIL_CHARS = 1000;

const show = (v: DetailValue): string => {
  const text = v === null ? '-' : String(v);
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
};

/** The facts a person reads after the reason, in a stable order. */
const facts = (n: Notification): Array<[string, string]> => [
  ['Group', n.group],
  ...(n.instanceId ? ([['Instance', n.instanceId]] as Array<[string, string]>) : []),
  ['Mode', n.mode === 'observe' ? 'observe (decided and notified; nothing changed)' : 'enforce'],
  ['Event', n.eventType],
  ['Time', n.time],
];

/**
 * Plain text for email and the SNS `default` message: what happened, why, then the facts.
 *
 * @example
 * ```ts
 * toEmailText(n);
 * // WARNING ml-inference-gpu: Instance launch failed
 * //
 * // Launch failed in us-east-1a, classified spot-capacity: …
 * //
 * // Group:     ml-inference-gpu
 * // …
 * ```
 */
export const toEmailText = (n: Notification): string => {
  const body = toMessageBody(n);
  const lines = [`${SEVERITY_LABEL[n.severity]} ${n.group}: ${n.title}`, '', String(body.reason), ''];
  for (const [label, value] of facts(n)) lines.push(`${`${label}:`.padEnd(10)} ${value}`);
  const details = Object.entries(n.details);
  if (details.length > 0) {
    lines.push('', 'Details');
    for (const [key, value] of details) lines.push(`  ${key}: ${show(value)}`);
  }
  lines.push('', '-- asg-orchestrator. Machine-readable JSON: subscribe over SQS, Lambda, HTTPS or email-json.');
  return lines.join('\n');
};

/**
 * An AWS Chatbot custom notification: `{"version":"1.0","source":"custom","content":{"textType":
 * "client-markdown","title":…,"description":…}}`, with keywords and the event as metadata.
 */
export const toChatbotMessage = (n: Notification): Record<string, unknown> => {
  const body = toMessageBody(n);
  const factLines = facts(n).map(([label, value]) => `*${label}:* ${value}`);
  const details = Object.entries(n.details).map(([key, value]) => `• ${key}: \`${show(value).replace(/`/g, "'")}\``);
  return {
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: `${CHAT_EMOJI[n.severity]} ${n.group}: ${n.title}`,
      description: [String(body.reason), '', ...factLines, ...(details.length > 0 ? ['', ...details] : [])].join('\n'),
      keywords: [n.severity, n.group, n.mode],
    },
    metadata: {
      threadId: n.group,
      summary: toSnsSubject(n),
      eventType: n.eventType,
      relatedResources: [...(n.resources ?? [])],
      additionalContext: { severity: n.severity, ...(n.instanceId ? { instanceId: n.instanceId } : {}) },
    },
  };
};

/**
 * The per-protocol messages of one notification: human text where a person reads it, the JSON body
 * where a program does (the HTTPS message per `httpsFormat`).
 */
export const toProtocolMessages = (n: Notification, httpsFormat: HttpsFormat = 'json'): Readonly<Record<SnsProtocol, string>> => {
  const json = JSON.stringify(toMessageBody(n));
  const text = toEmailText(n);
  return {
    default: text,
    email: text,
    sms: toSnsSubject(n),
    'email-json': json,
    sqs: json,
    lambda: json,
    http: json,
    https: httpsFormat === 'chatbot' ? JSON.stringify(toChatbotMessage(n)) : json,
    firehose: json,
  };
};
