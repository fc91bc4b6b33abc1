import { SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier } from '../../adapters/sns-notifier';
import type { Notifier } from '../../core/ports';
import { traced } from '../observability';

/** The `notifier` port in AWS: e-mails through the approval topic (APPROVAL_TOPIC_ARN). */
export const snsNotifier = (): Notifier => new SnsNotifier(traced(new SNSClient({})), process.env.APPROVAL_TOPIC_ARN ?? '');
