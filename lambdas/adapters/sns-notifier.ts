import { PublishCommand } from '@aws-sdk/client-sns';
import type { Notifier } from '../core/ports';
import type { AwsClient } from './aws-client';

/**
 * Approval e-mails through an SNS topic. Each approver has an e-mail subscription whose filter
 * policy matches the `approver` message attribute (the address), so one Publish per approver
 * reaches exactly that person — the link in it is theirs alone.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: AwsClient,
    private readonly topicArn: string,
  ) {}

  async send(message: { subject: string; text: string; to: readonly string[]; changeId: string }): Promise<void> {
    for (const address of message.to) {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: emailSubject(message.subject),
          Message: message.text,
          MessageAttributes: {
            approver: { DataType: 'String', StringValue: address },
            changeId: { DataType: 'String', StringValue: message.changeId },
          },
        }),
      );
    }
  }
}

/**
 * An SNS e-mail subject: SNS refuses line breaks and control characters and more than 99
 * characters, so they become spaces and the text is cut on a character (not UTF-16 unit) boundary.
 */
export function emailSubject(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const chars = [...clean];
  return chars.length <= 99 ? clean : `${chars.slice(0, 98).join('')}…`;
}
