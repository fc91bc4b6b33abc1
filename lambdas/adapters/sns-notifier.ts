import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../core/ports';

/**
 * Approval e-mails through an SNS topic. Each approver has an e-mail subscription whose filter
 * policy matches the `approver` message attribute (the address), so one Publish per approver
 * reaches exactly that person — the link in it is theirs alone.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: Pick<SNSClient, 'send'>,
    private readonly topicArn: string,
  ) {}

  async send(message: { subject: string; text: string; to: readonly string[]; changeId: string }): Promise<void> {
    for (const address of message.to) {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: message.subject.slice(0, 99),
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
