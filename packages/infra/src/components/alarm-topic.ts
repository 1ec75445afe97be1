/**
 * @module components/alarm-topic: where an environment's alarms notify: the SNS topic
 * `aipm-<environment>-alarms` and its e-mail subscriptions.
 */
import * as sns from "@pulumi/aws/sns";
import type * as pulumi from "@pulumi/pulumi";

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The topic `aipm-<environment>-alarms` and one `email` subscription per address. AWS mails each
 * address a confirmation link; nothing is delivered to it until it is followed (an unconfirmed
 * subscription lapses after three days, and Pulumi cannot delete one that is still pending). The
 * topic is not KMS-encrypted: the AWS managed key `aws/sns` does not let CloudWatch publish, and
 * an alarm's notification holds no secret.
 *
 * @example const topic = alarmTopic("aipm-dev", this, { environment: "dev", emails: ["ops@example.com"] })
 */
export function alarmTopic(
  name: string,
  parent: pulumi.Resource,
  args: { environment: string; emails?: readonly string[] },
): sns.Topic {
  const emails = args.emails ?? [];
  for (const email of emails) {
    if (!emailPattern.test(email)) throw new Error(`aipm:alarmEmails: "${email}" is not an e-mail address.`);
  }
  if (new Set(emails.map((email) => email.toLowerCase())).size !== emails.length) {
    throw new Error(`aipm:alarmEmails repeats an address: ${emails.join(", ")}.`);
  }
  const topic = new sns.Topic(
    `${name}-alarms`,
    { name: `aipm-${args.environment}-alarms`, displayName: `AIPM ${args.environment} alarms` },
    { parent },
  );
  for (const email of emails) {
    new sns.TopicSubscription(
      // Named by the address, so adding or removing one leaves the others' subscriptions alone.
      `${name}-alarms-${email.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
      { topic: topic.arn, protocol: "email", endpoint: email },
      { parent },
    );
  }
  return topic;
}
