import {
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentAlreadyCompletedException,
  DeploymentDoesNotExistException,
  DeploymentLimitExceededException,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { CodeDeployDeployments, lambdaAppSpec } from '../../../lambdas/adapters/codedeploy-deployments';
import { ConflictError, NotFoundError, TargetBusyError } from '../../../lambdas/core/errors';
import type { CodeDeploymentRequest } from '../../../lambdas/core/ports';

const codeDeployMock = mockClient(CodeDeployClient);
const client = new CodeDeployClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });

const REQUEST: CodeDeploymentRequest = {
  application: 'cmv',
  deploymentGroup: 'benefit-calculator',
  deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
  functionName: 'benefit-calculator',
  alias: 'live',
  currentVersion: '3',
  targetVersion: '4',
  description: 'CMV change chg-1: benefit-calculator 1.1.0',
  hooks: { beforeAllowTraffic: 'cmv-before-allow-traffic', afterAllowTraffic: 'cmv-after-allow-traffic' },
  alarms: ['cmv-benefit-calculator-error-rate', 'cmv-benefit-calculator-p99-latency'],
};

const APPSPEC =
  '{"version":0.0,"Resources":[{"benefit-calculator":{"Type":"AWS::Lambda::Function","Properties":{"Name":"benefit-calculator","Alias":"live","CurrentVersion":"3","TargetVersion":"4"}}}],' +
  '"Hooks":[{"BeforeAllowTraffic":"cmv-before-allow-traffic"},{"AfterAllowTraffic":"cmv-after-allow-traffic"}]}';

const metadata = { $metadata: {} };

describe('codedeploy-deployments', () => {
  let deployments: CodeDeployDeployments;
  beforeEach(() => {
    codeDeployMock.reset();
    deployments = new CodeDeployDeployments(client);
  });

  describe('lambdaAppSpec()', () => {
    it('writes version 0.0, the function resource moving the alias between versions, and both hooks', () => {
      // Act
      const content = lambdaAppSpec(REQUEST);
      // Assert
      expect(content).toBe(APPSPEC);
      expect(JSON.parse(content)).toMatchObject({ version: 0, Resources: [{ 'benefit-calculator': { Type: 'AWS::Lambda::Function' } }] });
    });

    it('leaves out the hooks that are not set', () => {
      // Act
      const spec = JSON.parse(lambdaAppSpec({ ...REQUEST, hooks: { afterAllowTraffic: 'after' } }));
      // Assert
      expect(spec.Hooks).toEqual([{ AfterAllowTraffic: 'after' }]);
      expect(JSON.parse(lambdaAppSpec({ ...REQUEST, hooks: {} }))).not.toHaveProperty('Hooks');
    });
  });

  describe('CodeDeployDeployments.create()', () => {
    it('creates a deployment of the AppSpec content with the deployment config and returns its id', async () => {
      // Arrange
      codeDeployMock.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABC123' });
      // Act
      const id = await deployments.create(REQUEST);
      // Assert
      expect(id).toBe('d-ABC123');
      expect(codeDeployMock).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
      expect(codeDeployMock).toHaveReceivedCommandWith(CreateDeploymentCommand, {
        applicationName: 'cmv',
        deploymentGroupName: 'benefit-calculator',
        deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        description: 'CMV change chg-1: benefit-calculator 1.1.0',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: APPSPEC } },
      });
    });

    it("names the request's alarms in the deployment, replacing the group's list (overrideAlarmConfiguration)", async () => {
      // Arrange
      codeDeployMock.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABC123' });
      // Act
      await deployments.create(REQUEST);
      // Assert
      expect(codeDeployMock).toHaveReceivedCommandWith(CreateDeploymentCommand, {
        overrideAlarmConfiguration: {
          enabled: true,
          ignorePollAlarmFailure: false,
          alarms: [{ name: 'cmv-benefit-calculator-error-rate' }, { name: 'cmv-benefit-calculator-p99-latency' }],
        },
      });
    });

    it('rejects with TargetBusyError when the group already has an active deployment', async () => {
      // Arrange
      codeDeployMock
        .on(CreateDeploymentCommand)
        .rejects(
          new DeploymentLimitExceededException({ message: "The Deployment Group 'benefit-calculator' already has an active Deployment 'd-OLD'", ...metadata }),
        );
      // Act / Assert
      await expect(deployments.create(REQUEST)).rejects.toThrow(TargetBusyError);
    });
  });

  describe('CodeDeployDeployments.get()', () => {
    it('maps an in-progress deployment', async () => {
      // Arrange
      codeDeployMock.on(GetDeploymentCommand, { deploymentId: 'd-ABC123' }).resolves({
        deploymentInfo: { deploymentId: 'd-ABC123', applicationName: 'cmv', deploymentGroupName: 'benefit-calculator', status: 'InProgress' },
      });
      // Act / Assert
      expect(await deployments.get('d-ABC123')).toEqual({
        deploymentId: 'd-ABC123',
        application: 'cmv',
        deploymentGroup: 'benefit-calculator',
        status: 'InProgress',
      });
    });

    it("maps a failed deployment's error and the deployment CodeDeploy rolled back with", async () => {
      // Arrange
      codeDeployMock.on(GetDeploymentCommand).resolves({
        deploymentInfo: {
          deploymentId: 'd-ABC123',
          applicationName: 'cmv',
          deploymentGroupName: 'benefit-calculator',
          status: 'Failed',
          errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated according to the Amazon CloudWatch metrics.' },
          rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK', rollbackMessage: 'Deployment rolled back' },
        },
      });
      // Act
      const status = await deployments.get('d-ABC123');
      // Assert
      expect(status).toMatchObject({
        status: 'Failed',
        error: { code: 'ALARM_ACTIVE', message: expect.stringContaining('alarms') },
        rollbackDeploymentId: 'd-ROLLBACK',
      });
      expect(codeDeployMock).toHaveReceivedCommandWith(GetDeploymentCommand, { deploymentId: 'd-ABC123' });
    });

    it('rejects with NotFoundError when the deployment does not exist', async () => {
      // Arrange
      codeDeployMock.on(GetDeploymentCommand).rejects(new DeploymentDoesNotExistException({ message: 'no such deployment', ...metadata }));
      // Act / Assert
      await expect(deployments.get('d-NOPE')).rejects.toThrow(NotFoundError);
    });
  });

  describe('CodeDeployDeployments.stop()', () => {
    it('stops the deployment with automatic rollback', async () => {
      // Arrange
      codeDeployMock.on(StopDeploymentCommand).resolves({ status: 'Pending', statusMessage: 'Stopping' });
      // Act
      await deployments.stop('d-ABC123');
      // Assert
      expect(codeDeployMock).toHaveReceivedCommandWith(StopDeploymentCommand, { deploymentId: 'd-ABC123', autoRollbackEnabled: true });
    });

    it('rejects with ConflictError when the deployment has already completed', async () => {
      // Arrange
      codeDeployMock.on(StopDeploymentCommand).rejects(new DeploymentAlreadyCompletedException({ message: 'completed', ...metadata }));
      // Act / Assert
      await expect(deployments.stop('d-ABC123')).rejects.toThrow(ConflictError);
    });
  });

  describe('CodeDeployDeployments.putHookStatus()', () => {
    it("reports the hook execution's status", async () => {
      // Arrange
      codeDeployMock.on(PutLifecycleEventHookExecutionStatusCommand).resolves({ lifecycleEventHookExecutionId: 'hook-1' });
      // Act
      await deployments.putHookStatus('d-ABC123', 'hook-1', 'Failed');
      // Assert
      expect(codeDeployMock).toHaveReceivedCommandWith(PutLifecycleEventHookExecutionStatusCommand, {
        deploymentId: 'd-ABC123',
        lifecycleEventHookExecutionId: 'hook-1',
        status: 'Failed',
      });
    });
  });
});
