import type { Command, MetadataBearer } from '@smithy/types';

/** What every AWS SDK v3 output carries (`$metadata`): the bound of a command's output type. */
export type AwsOutput = MetadataBearer;

/**
 * An AWS SDK v3 command (`new InvokeCommand(input)`) as a client sends it: its `input`, and the
 * `Output` its client's `send` resolves to, which the compiler reads off the command's class.
 */
export type AwsCommand<Input extends object, Output extends AwsOutput> = Command<object, Input, AwsOutput, Output, unknown>;

/**
 * The one method the adapters call on an AWS client: `send(command)` → the command's output (or
 * the service's error, thrown). An SDK v3 client (`new LambdaClient({})`, the DynamoDB document
 * client) is one, and so is each stand-in of the local runtime (lib/local), whose commands are
 * the SDK's own classes: the adapters take this type, not the SDK's client classes, so that both
 * fit without a cast.
 */
export interface AwsClient {
  send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output>;
}
