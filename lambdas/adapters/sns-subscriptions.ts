import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { EmailSubscription, SubscriptionChange, SubscriptionsPort } from '../core/user-sync';
import type { AwsClient } from './aws-client';

/** SNS names a subscription that awaits confirmation so, instead of an ARN. */
const PENDING = 'PendingConfirmation';

/** The e-mail subscriptions of the approval topic, with their filter policies (one GetSubscriptionAttributes each). */
export class SnsSubscriptions implements SubscriptionsPort {
  constructor(
    private readonly sns: AwsClient,
    private readonly topicArn: string,
  ) {}

  async list(): Promise<EmailSubscription[]> {
    const found: EmailSubscription[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: this.topicArn, NextToken }));
      for (const s of page.Subscriptions ?? []) {
        if (s.Protocol !== 'email' || !s.Endpoint) continue;
        if (!s.SubscriptionArn || s.SubscriptionArn === PENDING) {
          found.push({ email: s.Endpoint });
          continue;
        }
        const attributes = await this.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }));
        const filterPolicy = attributes.Attributes?.FilterPolicy;
        found.push({ arn: s.SubscriptionArn, email: s.Endpoint, ...(filterPolicy ? { filterPolicy } : {}) });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return found;
  }

  async apply(change: SubscriptionChange): Promise<void> {
    switch (change.kind) {
      case 'subscribe':
        // SNS e-mails the approver a confirmation link; the filter holds from the start.
        await this.sns.send(
          new SubscribeCommand({ TopicArn: this.topicArn, Protocol: 'email', Endpoint: change.email, Attributes: { FilterPolicy: change.filterPolicy } }),
        );
        return;
      case 'set-filter':
        await this.sns.send(
          new SetSubscriptionAttributesCommand({ SubscriptionArn: change.arn, AttributeName: 'FilterPolicy', AttributeValue: change.filterPolicy }),
        );
        return;
      case 'unsubscribe':
        await this.sns.send(new UnsubscribeCommand({ SubscriptionArn: change.arn }));
        return;
    }
  }
}
