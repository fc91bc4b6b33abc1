import { CreateDeploymentCommand, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { ConflictError, DeploymentError, NotFoundError, TargetBusyError } from '../core/errors';
import type { CodeDeploymentRequest, CodeDeploymentStatus, CodeDeployments } from '../core/ports';
import type { AwsClient } from './aws-client';

/** The statuses GetDeployment reports (`DeploymentStatus`). */
const STATUSES: ReadonlySet<string> = new Set<CodeDeploymentStatus['status']>([
  'Created',
  'Queued',
  'InProgress',
  'Baking',
  'Ready',
  'Succeeded',
  'Failed',
  'Stopped',
]);

/**
 * The AppSpec of a Lambda deployment (CodeDeploy user guide, "AppSpec 'resources' section for an
 * AWS Lambda deployment"), as the JSON `AppSpecContent` carries it: version 0.0, one
 * `AWS::Lambda::Function` resource moving `Alias` from `CurrentVersion` to `TargetVersion`, and
 * the lifecycle hooks that are set. `version` is written `0.0`, as the guide's JSON example does.
 */
export function lambdaAppSpec(request: CodeDeploymentRequest): string {
  const hooks = [
    ...(request.hooks.beforeAllowTraffic ? [{ BeforeAllowTraffic: request.hooks.beforeAllowTraffic }] : []),
    ...(request.hooks.afterAllowTraffic ? [{ AfterAllowTraffic: request.hooks.afterAllowTraffic }] : []),
  ];
  const body = JSON.stringify({
    Resources: [
      {
        [request.functionName]: {
          Type: 'AWS::Lambda::Function',
          Properties: { Name: request.functionName, Alias: request.alias, CurrentVersion: request.currentVersion, TargetVersion: request.targetVersion },
        },
      },
    ],
    ...(hooks.length > 0 ? { Hooks: hooks } : {}),
  });
  return `{"version":0.0,${body.slice(1)}`;
}

/**
 * CodeDeploy for the codedeploy strategy: CreateDeployment of an AppSpec moving the target's alias
 * (CodeDeploy then shifts traffic per the deployment config, runs the hooks, watches the alarms the
 * request names — `overrideAlarmConfiguration`, which needs codedeploy:UpdateDeploymentGroup — and
 * rolls back), GetDeployment, StopDeployment with rollback, and the hooks' reports.
 * Errors: DeploymentLimitExceededException (another deployment is active in the group) →
 * TargetBusyError; DeploymentDoesNotExistException → NotFoundError;
 * DeploymentAlreadyCompletedException on stop → ConflictError; the rest as the SDK throws them.
 */
export class CodeDeployDeployments implements CodeDeployments {
  constructor(private readonly codedeploy: AwsClient) {}

  async create(request: CodeDeploymentRequest): Promise<string> {
    try {
      const out = await this.codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: request.application,
          deploymentGroupName: request.deploymentGroup,
          deploymentConfigName: request.deploymentConfig,
          description: request.description,
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content: lambdaAppSpec(request) } },
          // The target's alarms as registered (the group's list was fixed when the stack was deployed).
          overrideAlarmConfiguration: { enabled: true, ignorePollAlarmFailure: false, alarms: request.alarms.map((name) => ({ name })) },
        }),
      );
      if (!out.deploymentId) throw new DeploymentError(`CreateDeployment in ${request.application}/${request.deploymentGroup} returned no deployment id`);
      return out.deploymentId;
    } catch (err) {
      if ((err as Error).name === 'DeploymentLimitExceededException') {
        throw new TargetBusyError(`deployment group ${request.deploymentGroup} already has an active deployment: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  async get(deploymentId: string): Promise<CodeDeploymentStatus> {
    const out = await this.codedeploy.send(new GetDeploymentCommand({ deploymentId })).catch((err: Error) => {
      throw err.name === 'DeploymentDoesNotExistException' ? new NotFoundError(`CodeDeploy deployment ${deploymentId} does not exist`) : err;
    });
    const info = out.deploymentInfo;
    if (!info?.status || !STATUSES.has(info.status)) throw new DeploymentError(`GetDeployment ${deploymentId} returned the unknown status ${info?.status}`);
    const error = info.errorInformation;
    return {
      deploymentId: info.deploymentId ?? deploymentId,
      application: info.applicationName ?? '',
      deploymentGroup: info.deploymentGroupName ?? '',
      status: info.status as CodeDeploymentStatus['status'],
      ...(error?.code || error?.message ? { error: { code: error.code ?? '', message: error.message ?? '' } } : {}),
      ...(info.rollbackInfo?.rollbackDeploymentId ? { rollbackDeploymentId: info.rollbackInfo.rollbackDeploymentId } : {}),
    };
  }

  async stop(deploymentId: string): Promise<void> {
    try {
      await this.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    } catch (err) {
      if ((err as Error).name === 'DeploymentAlreadyCompletedException') {
        throw new ConflictError(`CodeDeploy deployment ${deploymentId} has already completed; it cannot be stopped`);
      }
      if ((err as Error).name === 'DeploymentDoesNotExistException') throw new NotFoundError(`CodeDeploy deployment ${deploymentId} does not exist`);
      throw err;
    }
  }

  async putHookStatus(deploymentId: string, hookExecutionId: string, status: 'Succeeded' | 'Failed'): Promise<void> {
    await this.codedeploy.send(new PutLifecycleEventHookExecutionStatusCommand({ deploymentId, lifecycleEventHookExecutionId: hookExecutionId, status }));
  }
}
