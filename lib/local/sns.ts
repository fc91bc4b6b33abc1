import { join } from 'node:path';
import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { CommandTable } from './command-table';
import { writeStoreFile } from './store-file';

/** One e-mail as delivered to the local outbox. */
export interface OutboxMessage {
  readonly file: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/**
 * Local stand-in for SNS e-mail delivery (Publish): each message is written to
 * `<dataDir>/outbox/<time>-<n>.txt` as a readable e-mail (To, Subject, body), whole or not at all
 * (atomic write), and announced on the log.
 * The `approver` message attribute is the recipient, as the filter policy of an e-mail subscription routes it.
 */
export class LocalSns implements AwsClient {
  private count = 0;
  readonly messages: OutboxMessage[] = [];

  constructor(
    readonly outbox: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  private static readonly commands = new CommandTable<LocalSns>('LocalSns').on(PublishCommand, (sns, c) => sns.publish(c.input));

  /** Answers Publish; refuses any other command. */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    return LocalSns.commands.dispatch(this, command);
  }

  private async publish(input: PublishCommandInput): Promise<{ MessageId: string }> {
    const { Subject = '', Message = '', MessageAttributes = {} } = input;
    const to = MessageAttributes.approver?.StringValue ?? 'subscribers';
    const file = join(this.outbox, `${new Date().toISOString().replace(/[:.]/g, '-')}-${++this.count}.txt`);
    await writeStoreFile(file, `To: ${to}\nSubject: ${Subject}\n\n${Message}\n`);
    this.messages.push({ file, to, subject: Subject, text: Message });
    this.log(`✉  e-mail to ${to}: ${Subject} (${file})`);
    return { MessageId: `local-${this.count}` };
  }
}
