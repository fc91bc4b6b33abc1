import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { LambdaFunctionHost } from '../../lambdas/adapters/lambda-functions';
import { zipSource } from '../../lambdas/core/artifact';
import { ConflictError } from '../../lambdas/core/errors';
import { LocalCloudWatch } from '../../lib/local/cloudwatch';
import { LocalLambda } from '../../lib/local/lambda';

const CODE = zipSource({ 'index.js': new TextEncoder().encode('exports.handler = async () => ({ v: process.env.V });') });
const BROKEN = zipSource({ 'index.js': new TextEncoder().encode('throw new RangeError("MAX must be a number");') });
const FN = 'svc';
/** Allocation (30 s of the runtime's clock) is over at once at this speed, and never within a test at speed 1. */
const INSTANT = 1e9;

/** The local Lambda's provisioned concurrency, as Lambda's API reference describes it. */
describe('LocalLambda provisioned concurrency', () => {
  let root: string;
  const started: LocalLambda[] = [];

  const lambdaAt = async (speed: number, code = CODE) => {
    const lambda = new LocalLambda(join(root, String(started.length)), new LocalCloudWatch(), undefined, speed);
    started.push(lambda);
    await lambda.send(new CreateFunctionCommand({ FunctionName: FN, Handler: 'index.handler', Role: 'r', Code: { ZipFile: code } }));
    for (const v of ['a', 'b']) {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, Environment: { Variables: { V: v } } }));
      await lambda.send(new PublishVersionCommand({ FunctionName: FN }));
    }
    await lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '1' }));
    return lambda;
  };
  const put = (lambda: LocalLambda, Qualifier: string | undefined, n: number) =>
    lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier, ProvisionedConcurrentExecutions: n }));
  const get = (lambda: LocalLambda, Qualifier: string) => lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier }));

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cmv-lambda-pc-'));
  });
  afterEach(async () => {
    for (const l of started.splice(0)) await l.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('allocates on a published version: IN_PROGRESS first, READY with all of it allocated once the allocation time passed', async () => {
    // Arrange
    const slow = await lambdaAt(1);
    const fast = await lambdaAt(INSTANT);

    // Act
    const answered = await put(slow, '2', 5);
    const meanwhile = await get(slow, '2');
    await put(fast, '2', 5);
    const ready = await get(fast, '2');

    // Assert
    expect(answered).toMatchObject({ Status: 'IN_PROGRESS', RequestedProvisionedConcurrentExecutions: 5, AllocatedProvisionedConcurrentExecutions: 0 });
    expect(meanwhile).toMatchObject({ Status: 'IN_PROGRESS' });
    expect(ready).toMatchObject({ Status: 'READY', RequestedProvisionedConcurrentExecutions: 5, AllocatedProvisionedConcurrentExecutions: 5 });
  });

  it('accepts an alias as the qualifier', async () => {
    const lambda = await lambdaAt(INSTANT);
    await expect(put(lambda, 'live', 2)).resolves.toMatchObject({ Status: 'IN_PROGRESS' });
  });

  it('refuses $LATEST and no qualifier with InvalidParameterValueException, and an unknown version with ResourceNotFoundException', async () => {
    const lambda = await lambdaAt(INSTANT);
    await expect(put(lambda, '$LATEST', 1)).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringMatching(/unpublished/) });
    await expect(put(lambda, undefined, 1)).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(put(lambda, '9', 1)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(put(lambda, '2', 0)).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it("refuses an amount that leaves the account's unreserved concurrency under 100, counting the other configs", async () => {
    // Arrange: 1000 in the account; 800 already provisioned on version 1.
    const lambda = await lambdaAt(INSTANT);
    await put(lambda, '1', 800);

    // Act / Assert: 100 more leaves exactly 100 (allowed); 101 leaves 99 (refused); re-putting version 1's own amount is not counted twice.
    await expect(put(lambda, '2', 101)).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    });
    await expect(put(lambda, '2', 100)).resolves.toMatchObject({ Status: 'IN_PROGRESS' });
    await expect(put(lambda, '1', 800)).resolves.toMatchObject({ Status: 'IN_PROGRESS' });
  });

  it('ends FAILED, with the init error as the reason, on a version whose handler fails to load', async () => {
    const lambda = await lambdaAt(INSTANT, BROKEN);
    await put(lambda, '2', 1);
    await expect(get(lambda, '2')).resolves.toMatchObject({ Status: 'FAILED', StatusReason: expect.stringMatching(/MAX must be a number/) });
  });

  it('answers Get of none with ProvisionedConcurrencyConfigNotFoundException and Delete of none with ResourceNotFoundException; Delete removes it', async () => {
    // Arrange
    const lambda = await lambdaAt(INSTANT);
    await put(lambda, '2', 3);

    // Act
    await lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: '2' }));

    // Assert
    await expect(get(lambda, '2')).rejects.toMatchObject({ name: 'ProvisionedConcurrencyConfigNotFoundException' });
    await expect(lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: FN, Qualifier: '2' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('drops the config of a version that is deleted', async () => {
    const lambda = await lambdaAt(INSTANT);
    await put(lambda, '2', 3);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: FN, Qualifier: '2' }));
    await expect(get(lambda, '2')).rejects.toMatchObject({ name: 'ProvisionedConcurrencyConfigNotFoundException' });
  });

  it('keeps its configs across a restart (saved with the function)', async () => {
    const lambda = await lambdaAt(INSTANT);
    await put(lambda, '2', 3);
    const again = new LocalLambda(join(root, '0'), new LocalCloudWatch(), undefined, INSTANT);
    started.push(again);
    await again.load([FN]);
    await expect(get(again, '2')).resolves.toMatchObject({ Status: 'READY', RequestedProvisionedConcurrentExecutions: 3 });
  });

  describe('through LambdaFunctionHost', () => {
    it('reads none as undefined, deletes none as false, and turns a refusal into a ConflictError', async () => {
      const lambda = await lambdaAt(INSTANT);
      const host = new LambdaFunctionHost(lambda as never);
      expect(await host.getProvisionedConcurrency(FN, '2')).toBeUndefined();
      expect(await host.deleteProvisionedConcurrency(FN, '2')).toBe(false);
      await expect(host.putProvisionedConcurrency(FN, '2', 950)).rejects.toBeInstanceOf(ConflictError);
      expect(await host.putProvisionedConcurrency(FN, '2', 4)).toEqual({ requested: 4, allocated: 0, status: 'IN_PROGRESS' });
      expect(await host.getProvisionedConcurrency(FN, '2')).toEqual({ requested: 4, allocated: 4, status: 'READY' });
      expect(await host.deleteProvisionedConcurrency(FN, '2')).toBe(true);
    });
  });
});
