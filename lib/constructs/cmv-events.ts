import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IEventSourceDlq } from 'aws-cdk-lib/aws-lambda';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CmvFunction } from './cmv-function';
import { allow, allowKeyVia } from './grants';

/** Properties of {@link CmvEvents}. */
export interface CmvEventsProps {
  /** The ledger table; its stream (NEW_IMAGE) feeds the publisher. */
  readonly ledger: ITable;
  /** Encrypts the dead-letter queue. */
  readonly encryptionKey: IKey;
  /** The environment every CMV function gets (tables, topic, users). */
  readonly environment: Record<string, string>;
}

/**
 * CMV's events for other systems: the ledger table's stream → the publisher function → PutEvents on
 * the account's default event bus (`source: cmv`, one event per ledger entry; the ledger is the
 * outbox, so an event exists exactly when its state change committed). In order (one batch per
 * shard at a time), at least once: a failed record and the ones after it are retried
 * (ReportBatchItemFailures) for up to a day; what still fails lands in an encrypted dead-letter
 * queue kept 14 days, from where an operator replays it. The grants to read the change (for the
 * rollback e-mail) and to publish to the topic are the stack's, by capability.
 */
export class CmvEvents extends Construct {
  readonly publisher: CmvFunction;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: CmvEventsProps) {
    super(scope, id);
    const busArn = Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' });
    this.publisher = new CmvFunction(this, 'PublishLedger', {
      entry: 'lambdas/handlers/events/publish-ledger.ts',
      description: 'CMV: publishes each new ledger entry as an EventBridge event (and e-mails rollbacks)',
      environment: { ...props.environment, EVENT_BUS_NAME: 'default' },
    });
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the ledger stream: the records the publisher could not publish after a day of retries.',
    });
    this.publisher.function.addEventSource(
      new DynamoEventSource(props.ledger, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        parallelizationFactor: 1,
        reportBatchItemFailures: true,
        retryAttempts: 100,
        maxRecordAge: Duration.days(1),
        onFailure: this.dlq(props.encryptionKey),
      }),
    );
    allow(this.publisher, ['events:PutEvents'], [busArn]);
    Validations.of(this.publisher).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams (which the DynamoDB event source needs) and X-Ray tracing have no resource-level permissions; the stream reads are on the ledger stream ARN only.',
    });
  }

  /**
   * The dead-letter destination, granted exactly (SqsDlq would grant the queue key's
   * `kms:GenerateDataKey*` and `kms:ReEncrypt*`): SendMessage and GetQueueAttributes on the queue,
   * the key through SQS only.
   */
  private dlq(key: IKey): IEventSourceDlq {
    const queue = this.deadLetterQueue;
    return {
      bind: (_mapping, handler) => {
        allow(handler, ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], [queue.queueArn]);
        allowKeyVia(handler, key, 'sqs', ['kms:Decrypt', 'kms:GenerateDataKey']);
        return { destination: queue.queueArn };
      },
    };
  }
}
