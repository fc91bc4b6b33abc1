import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../adapters/sns-notifier';
import type { Notifier } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `notifier` port: e-mails through the approval topic `names.approvalTopicArn`. */
export const snsNotifier: Port<Notifier> = {
  sdkClient: () => traced(new SNSClient({})),
  adapter: (sns, names) => new SnsNotifier(sns, names.approvalTopicArn),
};
