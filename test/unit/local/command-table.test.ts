import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { BatchGetDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { EncryptCommand } from '@aws-sdk/client-kms';
import { DeleteAliasCommand } from '@aws-sdk/client-lambda';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { LocalCloudWatch } from '../../../lib/local/cloudwatch';
import { LocalCodeDeploy } from '../../../lib/local/codedeploy';
import { CommandTable } from '../../../lib/local/command-table';
import { LocalEventBridge } from '../../../lib/local/eventbridge';
import { LocalKms } from '../../../lib/local/kms';
import { LocalLambda } from '../../../lib/local/lambda';
import { LocalS3 } from '../../../lib/local/s3';
import { LocalScheduler } from '../../../lib/local/scheduler';
import { LocalSns } from '../../../lib/local/sns';
import { LocalStepFunctions } from '../../../lib/local/step-functions';

class GreetCommand {
  constructor(readonly input: { name: string }) {}
}
class PartCommand {
  constructor(readonly input: object) {}
}

describe('CommandTable', () => {
  describe('dispatch()', () => {
    it("answers a command with its class's handler, given the stand-in", async () => {
      // Arrange
      const table = new CommandTable<{ greeting: string }>('LocalGreeter').on(GreetCommand, (s, c) => `${s.greeting}, ${c.input.name}`);

      // Act
      const answer = await table.dispatch({ greeting: 'Hello' }, new GreetCommand({ name: 'Bob' }));

      // Assert
      expect(answer).toBe('Hello, Bob');
    });

    it('refuses a command whose class has no handler, naming the stand-in and the command', async () => {
      const table = new CommandTable<object>('LocalGreeter').on(GreetCommand, () => 'hi');

      await expect(table.dispatch({}, new PartCommand({}))).rejects.toThrow(new Error('LocalGreeter does not support PartCommand'));
    });

    it("rejects (never throws synchronously) when a handler throws, as the SDK's send does", async () => {
      const table = new CommandTable<object>('LocalGreeter').on(GreetCommand, () => {
        throw new Error('no');
      });

      const answer = table.dispatch({}, new GreetCommand({ name: 'x' }));

      await expect(answer).rejects.toThrow('no');
    });
  });

  describe('on()', () => {
    it('refuses a second handler for the same class', () => {
      const table = new CommandTable<object>('LocalGreeter').on(GreetCommand, () => 'hi');

      expect(() => table.on(GreetCommand, () => 'again')).toThrow('LocalGreeter handles GreetCommand twice');
    });
  });
});

describe('the stand-ins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmv-command-table-'));
  const cloudwatch = new LocalCloudWatch();
  const client = { send: async () => ({}) };

  it.each([
    ['LocalCloudWatch', () => cloudwatch, new PutMetricDataCommand({ Namespace: 'x', MetricData: [] })],
    [
      'LocalCodeDeploy',
      () => new LocalCodeDeploy({ dir, lambda: client, cloudwatch: client, invokeHook: async () => undefined }),
      new BatchGetDeploymentsCommand({ deploymentIds: [] }),
    ],
    ['LocalEventBridge', () => new LocalEventBridge(dir), new PutRuleCommand({ Name: 'r' })],
    ['LocalLambda', () => new LocalLambda(dir, cloudwatch), new DeleteAliasCommand({ FunctionName: 'f', Name: 'live' })],
    ['LocalS3', () => new LocalS3(dir), new HeadObjectCommand({ Bucket: 'b', Key: 'k' })],
    ['LocalScheduler', () => new LocalScheduler({ dir } as never), new UpdateScheduleCommand({ Name: 's' } as never)],
    ['LocalSns', () => new LocalSns(dir), new SubscribeCommand({ TopicArn: 't', Protocol: 'email' })],
    ['LocalStepFunctions', () => new LocalStepFunctions({} as never), new StopExecutionCommand({ executionArn: 'arn' })],
  ])('%s refuses a command it does not support, naming it', async (name, standIn, command) => {
    // Each stand-in as a client of any command (their typed sends take no union of commands of several services).
    const client: { send(command: object): Promise<unknown> } = standIn();
    await expect(client.send(command)).rejects.toThrow(new Error(`${name} does not support ${command.constructor.name}`));
  });

  it('LocalKms refuses a command it does not support once its key is loaded', async () => {
    const kms = new LocalKms(join(dir, 'key.pem'), 'arn:aws:kms:local:000000000000:key/k');
    await kms.load();

    await expect(kms.send(new EncryptCommand({ KeyId: 'k', Plaintext: new Uint8Array(1) }))).rejects.toThrow(
      new Error('LocalKms does not support EncryptCommand'),
    );
  });
});
