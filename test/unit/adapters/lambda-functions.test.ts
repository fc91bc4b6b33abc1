import {
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  PreconditionFailedException,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { LambdaFunctionHost } from '../../../lambdas/adapters/lambda-functions';
import { ConflictError, DeploymentError, NotFoundError } from '../../../lambdas/core/errors';
import { CodeRefusedError } from '../../../lambdas/core/ports';

const lambdaMock = mockClient(LambdaClient);
const client = new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

const FN = 'benefit-calculator';
const ZIP = new Uint8Array([80, 75, 5, 6, 1, 2, 3]);
const SHA = 'q1w2e3r4t5y6u7i8o9p0aSdFgHjKlZxCvBnM1234567=';
const ENV = { MAX_WEEKLY_BENEFIT: '1105' };

/** The bytes Lambda returns as an invocation payload. */
const payloadOf = (value: unknown) => Buffer.from(JSON.stringify(value)) as unknown as InvokeCommandOutput['Payload'];

describe('lambda-functions', () => {
  let host: LambdaFunctionHost;
  beforeEach(() => {
    lambdaMock.reset();
    host = new LambdaFunctionHost(client);
  });

  describe('LambdaFunctionHost.publish()', () => {
    beforeEach(() => {
      // $LATEST once updated: the artifact's code and the environment and description CMV last set.
      let description: string | undefined;
      lambdaMock.on(UpdateFunctionCodeCommand).resolves({ FunctionName: FN, LastUpdateStatus: 'InProgress', RevisionId: 'rev-code' });
      lambdaMock.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: FN, LastUpdateStatus: 'Successful' } });
      lambdaMock.on(UpdateFunctionConfigurationCommand).callsFake((input: { Description?: string }) => {
        description = input.Description;
        return { FunctionName: FN, LastUpdateStatus: 'InProgress', RevisionId: 'rev-config-in-progress' };
      });
      lambdaMock
        .on(GetFunctionConfigurationCommand)
        .callsFake(() => ({ FunctionName: FN, CodeSha256: SHA, Environment: { Variables: ENV }, Description: description, RevisionId: 'rev-config-done' }));
    });

    it("uploads the code, waits, sets the environment and the change's description, waits, and publishes with the expected hash and the checked RevisionId", async () => {
      // Arrange
      lambdaMock.on(PublishVersionCommand).resolves({ Version: '7', CodeSha256: SHA });

      // Act
      const published = await host.publish(FN, ZIP, ENV, SHA, 'benefit-calculator 1.1.0 (chg-1)');

      // Assert
      expect(published).toEqual({ functionVersion: '7', codeSha256: SHA });
      expect(lambdaMock).toHaveReceivedCommandWith(UpdateFunctionCodeCommand, { FunctionName: FN, ZipFile: ZIP });
      expect(lambdaMock).toHaveReceivedCommandWith(UpdateFunctionConfigurationCommand, {
        FunctionName: FN,
        Environment: { Variables: ENV },
        Description: 'benefit-calculator 1.1.0 (chg-1)',
      });
      expect(lambdaMock).toHaveReceivedCommandWith(PublishVersionCommand, {
        FunctionName: FN,
        CodeSha256: SHA,
        RevisionId: 'rev-config-done',
        Description: 'benefit-calculator 1.1.0 (chg-1)',
      });
      expect(lambdaMock).toHaveReceivedCommandWith(GetFunctionCommand, { FunctionName: FN });
      expect(lambdaMock).toHaveReceivedCommandTimes(GetFunctionCommand, 2);
      expect(lambdaMock).toHaveReceivedCommandTimes(PublishVersionCommand, 1);
    });

    it('sends the commands in order with a wait after each update and a check of $LATEST before publishing', async () => {
      lambdaMock.on(PublishVersionCommand).resolves({ Version: '7', CodeSha256: SHA });

      await host.publish(FN, ZIP, ENV, SHA, 'x');

      const names = lambdaMock.calls().map((call) => call.args[0].constructor.name);
      expect(names).toEqual([
        'UpdateFunctionCodeCommand',
        'GetFunctionCommand',
        'UpdateFunctionConfigurationCommand',
        'GetFunctionCommand',
        'GetFunctionConfigurationCommand',
        'PublishVersionCommand',
      ]);
    });

    it('truncates the version description to the 256 characters Lambda allows', async () => {
      lambdaMock.on(PublishVersionCommand).resolves({ Version: '7', CodeSha256: SHA });

      await host.publish(FN, ZIP, ENV, SHA, 'd'.repeat(300));

      expect(lambdaMock).toHaveReceivedCommandWith(PublishVersionCommand, { Description: 'd'.repeat(256) });
    });

    it('rejects with DeploymentError when PublishVersion returns another CodeSha256', async () => {
      lambdaMock.on(PublishVersionCommand).resolves({ Version: '7', CodeSha256: 'someOtherHash=' });

      const error = await host.publish(FN, ZIP, ENV, SHA, 'x').catch((err: unknown) => err);

      expect(error).toBeInstanceOf(DeploymentError);
      expect((error as Error).message).toBe(`published code hash someOtherHash= does not match the artifact's ${SHA}`);
    });

    it('rejects with DeploymentError when PublishVersion returns no version', async () => {
      lambdaMock.on(PublishVersionCommand).resolves({ CodeSha256: SHA });

      await expect(host.publish(FN, ZIP, ENV, SHA, 'x')).rejects.toThrow(DeploymentError);
    });

    it('rejects without publishing when the code update fails', async () => {
      lambdaMock.on(GetFunctionCommand).resolves({ Configuration: { FunctionName: FN, LastUpdateStatus: 'Failed' } });

      await expect(host.publish(FN, ZIP, ENV, SHA, 'x')).rejects.toThrow();

      expect(lambdaMock).toHaveReceivedCommandTimes(UpdateFunctionConfigurationCommand, 0);
      expect(lambdaMock).toHaveReceivedCommandTimes(PublishVersionCommand, 0);
    });
    it.each(['CodeVerificationFailedException', 'InvalidCodeSignatureException'])(
      'answers Lambda refusing the code (%s) as CodeRefusedError, publishing nothing',
      async (name) => {
        lambdaMock.on(UpdateFunctionCodeCommand).rejects(Object.assign(new Error('Lambda cannot deploy the function.'), { name }));

        const err = await host.publish(FN, ZIP, ENV, SHA, 'x').catch((e: unknown) => e);

        expect(err).toBeInstanceOf(CodeRefusedError);
        expect((err as Error).message).toBe(`Lambda refused the code: ${name}: Lambda cannot deploy the function.`);
        expect(lambdaMock).toHaveReceivedCommandTimes(PublishVersionCommand, 0);
      },
    );
  });

  describe('LambdaFunctionHost.getAlias()', () => {
    it('maps the alias with its additional version and weight', async () => {
      lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '6', RoutingConfig: { AdditionalVersionWeights: { '7': 0.1 } }, RevisionId: 'rev-1' });

      const alias = await host.getAlias(FN, 'live');

      expect(alias).toEqual({ functionVersion: '6', additionalVersion: '7', additionalWeight: 0.1, revisionId: 'rev-1' });
      expect(lambdaMock).toHaveReceivedCommandWith(GetAliasCommand, { FunctionName: FN, Name: 'live' });
    });

    it('maps an alias without routing to its version alone', async () => {
      lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '6', RevisionId: 'rev-1' });

      expect(await host.getAlias(FN, 'live')).toEqual({ functionVersion: '6', revisionId: 'rev-1' });
    });

    it('rejects with DeploymentError when the alias has no revision id', async () => {
      lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '6' });

      await expect(host.getAlias(FN, 'live')).rejects.toThrow(DeploymentError);
    });

    it('rejects with NotFoundError when the function or the alias does not exist (ResourceNotFoundException)', async () => {
      lambdaMock.on(GetAliasCommand).rejects(new ResourceNotFoundException({ message: 'Alias not found: live', $metadata: {} }));

      const alias = host.getAlias(FN, 'live');

      await expect(alias).rejects.toThrow(NotFoundError);
      await expect(alias).rejects.toThrow(`alias live of ${FN} does not exist: Alias not found: live`);
    });

    it('passes other errors through unchanged', async () => {
      lambdaMock.on(GetAliasCommand).rejects(new Error('Rate exceeded'));

      await expect(host.getAlias(FN, 'live')).rejects.toThrow('Rate exceeded');
    });
  });

  describe('LambdaFunctionHost.updateAlias()', () => {
    it('sends the weights and the RevisionId when there is an additional version', async () => {
      // Arrange
      lambdaMock.on(UpdateAliasCommand).resolves({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } }, RevisionId: 'rev-2' });

      // Act
      const alias = await host.updateAlias(FN, 'live', { functionVersion: '1', additionalVersion: '2', additionalWeight: 0.1 }, 'rev-1');

      // Assert
      expect(lambdaMock).toHaveReceivedCommandWith(UpdateAliasCommand, {
        FunctionName: FN,
        Name: 'live',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } },
        RevisionId: 'rev-1',
      });
      expect(alias).toEqual({ functionVersion: '1', additionalVersion: '2', additionalWeight: 0.1, revisionId: 'rev-2' });
    });

    it('sends empty weights when there is no additional version', async () => {
      lambdaMock.on(UpdateAliasCommand).resolves({ FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} }, RevisionId: 'rev-3' });

      const alias = await host.updateAlias(FN, 'live', { functionVersion: '2' }, 'rev-2');

      expect(lambdaMock).toHaveReceivedCommandWith(UpdateAliasCommand, {
        FunctionVersion: '2',
        RoutingConfig: { AdditionalVersionWeights: {} },
        RevisionId: 'rev-2',
      });
      expect(alias).toEqual({ functionVersion: '2', revisionId: 'rev-3' });
    });

    it('rejects with ConflictError when Lambda reports a stale RevisionId (PreconditionFailedException)', async () => {
      lambdaMock.on(UpdateAliasCommand).rejects(new PreconditionFailedException({ message: 'x', $metadata: {} }));

      await expect(host.updateAlias(FN, 'live', { functionVersion: '2' }, 'stale')).rejects.toThrow(ConflictError);
    });

    it('rejects with ConflictError naming the version when Lambda no longer has it (ResourceNotFoundException)', async () => {
      lambdaMock.on(UpdateAliasCommand).rejects(new ResourceNotFoundException({ message: 'Function not found: fn:7', $metadata: {} }));

      await expect(host.updateAlias(FN, 'live', { functionVersion: '7' }, 'rev')).rejects.toThrow(
        new ConflictError(`alias live of ${FN} cannot route to version 7: Function not found: fn:7`),
      );
    });

    it('passes other errors through unchanged', async () => {
      const throttled = new Error('Rate exceeded');
      throttled.name = 'TooManyRequestsException';
      lambdaMock.on(UpdateAliasCommand).rejects(throttled);

      await expect(host.updateAlias(FN, 'live', { functionVersion: '2' }, 'rev-1')).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    });
  });

  describe('LambdaFunctionHost.invoke()', () => {
    it('invokes the alias with a JSON payload and returns the parsed result', async () => {
      // Arrange
      lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, ExecutedVersion: '7', Payload: payloadOf({ weeklyBenefitAmount: 440 }) });

      // Act
      const result = await host.invoke(FN, 'live', { claimId: 'C-1001' });

      // Assert
      expect(result).toEqual({ executedVersion: '7', ok: true, payload: { weeklyBenefitAmount: 440 } });
      expect(lambdaMock).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: FN, Qualifier: 'live' });
      const sent = lambdaMock.commandCalls(InvokeCommand)[0].args[0].input.Payload;
      expect(JSON.parse(Buffer.from(sent as Uint8Array).toString('utf8'))).toEqual({ claimId: 'C-1001' });
    });

    it('returns ok false with the error payload when the function failed', async () => {
      const error = { errorType: 'ValidationError', errorMessage: 'baseQuarters must have 4 quarters' };
      lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, ExecutedVersion: '7', FunctionError: 'Unhandled', Payload: payloadOf(error) });

      expect(await host.invoke(FN, 'live', {})).toEqual({ executedVersion: '7', ok: false, payload: error });
    });
  });

  describe('LambdaFunctionHost.deleteVersion()', () => {
    it('deletes the published version', async () => {
      lambdaMock.on(DeleteFunctionCommand).resolves({});

      await host.deleteVersion(FN, '3');

      expect(lambdaMock).toHaveReceivedCommandWith(DeleteFunctionCommand, { FunctionName: FN, Qualifier: '3' });
    });

    it('rejects with ConflictError when an alias routes to the version', async () => {
      lambdaMock.on(DeleteFunctionCommand).rejects(new ResourceConflictException({ message: 'in use by [live]', $metadata: {} }));

      await expect(host.deleteVersion(FN, '3')).rejects.toThrow(ConflictError);
      await expect(host.deleteVersion(FN, '3')).rejects.toThrow('in use by [live]');
    });

    it('rejects with NotFoundError when the version does not exist', async () => {
      lambdaMock.on(DeleteFunctionCommand).rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));

      await expect(host.deleteVersion(FN, '9')).rejects.toThrow(NotFoundError);
    });
  });
});
