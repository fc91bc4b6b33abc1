import { createHash, randomUUID } from 'node:crypto';
import {
  ApplicationAlreadyExistsException,
  ApplicationNameRequiredException,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeploymentAlreadyCompletedException,
  DeploymentConfigAlreadyExistsException,
  DeploymentConfigNameRequiredException,
  DeploymentGroupAlreadyExistsException,
  DeploymentGroupDoesNotExistException,
  DeploymentGroupNameRequiredException,
  DeploymentLimitExceededException,
  GetDeploymentCommand,
  InvalidComputePlatformException,
  InvalidDeploymentConfigNameException,
  InvalidLifecycleEventHookExecutionIdException,
  InvalidLifecycleEventHookExecutionStatusException,
  LifecycleEventAlreadyCompletedException,
  PutLifecycleEventHookExecutionStatusCommand,
  RevisionRequiredException,
  RoleRequiredException,
  StopDeploymentCommand,
  type TrafficRoutingConfig,
} from '@aws-sdk/client-codedeploy';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { PREDEFINED_PREFIX } from '../../lambdas/core/deployment-config';
import type { CustomDeploymentConfig } from '../../lambdas/core/target-settings';
import { DeploymentEngine, type DeploymentEngineOptions } from './codedeploy-engine';
import { alarmsFrom, autoRollbackFrom, parseAppSpec, routingFrom } from './codedeploy-input';
import { ACTIVE, CodeDeployRecords, deploymentId, groupKey, meta, type StoredConfig, type StoredDeployment, type StoredGroup } from './codedeploy-records';
import { CommandTable } from './command-table';

export type { CodeDeployStateChangeEvent, HookEvent } from './codedeploy-records';

/** Options of a {@link LocalCodeDeploy}: where its state file lives, and what its engine runs deployments with. */
export interface LocalCodeDeployOptions extends DeploymentEngineOptions {
  /** Where the state file (`codedeploy.json`) lives. */
  readonly dir: string;
}

/**
 * Local stand-in for CodeDeploy on the Lambda compute platform, with the same commands, outputs and
 * errors (the SDK's own exception classes): CreateApplication, CreateDeploymentConfig (TimeBasedCanary,
 * TimeBasedLinear, AllAtOnce; the `CodeDeployDefault.Lambda…` configs exist already), CreateDeploymentGroup
 * (alarms, auto-rollback events), CreateDeployment of an `AppSpecContent` revision (JSON or YAML; a
 * second active deployment in a group → DeploymentLimitExceededException), GetDeployment,
 * StopDeployment (MANUAL_STOP; rolled back when its `autoRollbackEnabled` or the group's events say so)
 * and PutLifecycleEventHookExecutionStatus.
 *
 * This is the control plane: the API and its records ({@link CodeDeployRecords}). A created
 * deployment runs by itself in the {@link DeploymentEngine} (./codedeploy-engine.ts: traffic shifts,
 * hooks, alarms, rollback). {@link load} reads the records back and fails (and rolls back)
 * deployments that were running when the process stopped.
 */
export class LocalCodeDeploy implements AwsClient {
  private readonly records: CodeDeployRecords;
  private readonly engine: DeploymentEngine;

  private static readonly commands = new CommandTable<LocalCodeDeploy>('LocalCodeDeploy')
    .on(CreateApplicationCommand, (s, c) => s.createApplication(c.input))
    .on(CreateDeploymentConfigCommand, (s, c) => s.createDeploymentConfig(c.input))
    .on(CreateDeploymentGroupCommand, (s, c) => s.createDeploymentGroup(c.input))
    .on(CreateDeploymentCommand, (s, c) => s.createDeployment(c.input))
    .on(GetDeploymentCommand, (s, c) => ({ deploymentInfo: info(s.records.deployment(c.input.deploymentId)), ...meta }))
    .on(StopDeploymentCommand, (s, c) => s.stopDeployment(c.input))
    .on(PutLifecycleEventHookExecutionStatusCommand, (s, c) => s.putHookStatus(c.input));

  constructor(private readonly options: LocalCodeDeployOptions) {
    this.records = new CodeDeployRecords(options.dir, options.log);
    this.engine = new DeploymentEngine(this.records, options);
  }

  /**
   * Reads the state of an earlier run; deployments it left running are failed and rolled back (their
   * runs are gone). A state file that does not parse is moved to `codedeploy.json.corrupt-<time>` and
   * reported on the log and stderr; the stand-in then starts empty (the runtime creates a target's
   * deployment group again when a change deploys with it).
   */
  async load(): Promise<void> {
    if (!(await this.records.load())) return;
    for (const d of Object.values(this.records.data.deployments).filter((x) => ACTIVE.has(x.status))) {
      await this.engine.end(d, 'Failed', 'INTERNAL_ERROR', 'The local CodeDeploy stopped while the deployment was in progress.', 'DEPLOYMENT_FAILURE');
    }
  }

  /** Ends every running deployment's polling (their status stays as it is); for tests and shutdown. */
  async stop(): Promise<void> {
    await this.engine.stop();
    await this.records.saved();
  }

  /** Resolves when the deployment's run has ended (tests). */
  async settled(id: string): Promise<void> {
    await this.engine.settled(id);
  }

  /** Answers the commands listed above; refuses any other. */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    return LocalCodeDeploy.commands.dispatch(this, command);
  }

  private async createApplication(input: CreateApplicationCommand['input']): Promise<unknown> {
    const { applicationName: name, computePlatform } = input;
    if (!name) throw new ApplicationNameRequiredException({ message: 'The application name must be specified.', ...meta });
    if (computePlatform !== 'Lambda') {
      throw new InvalidComputePlatformException({
        message: `LocalCodeDeploy stands in for the Lambda compute platform only, got ${computePlatform}`,
        ...meta,
      });
    }
    if (this.records.data.applications[name]) throw new ApplicationAlreadyExistsException({ message: `${name} already exists in your account`, ...meta });
    const id = randomUUID();
    this.records.data.applications[name] = { id, createTime: new Date().toISOString() };
    await this.records.save();
    return { applicationId: id, ...meta };
  }

  private async createDeploymentConfig(input: CreateDeploymentConfigCommand['input']): Promise<unknown> {
    const { deploymentConfigName: name, computePlatform, trafficRoutingConfig } = input;
    if (!name) throw new DeploymentConfigNameRequiredException({ message: 'Deployment config name must be specified.', ...meta });
    if (name.startsWith(PREDEFINED_PREFIX)) {
      throw new InvalidDeploymentConfigNameException({ message: `Deployment config names may not start with ${PREDEFINED_PREFIX}: ${name}`, ...meta });
    }
    if (computePlatform !== 'Lambda') {
      throw new InvalidComputePlatformException({
        message: `LocalCodeDeploy stands in for the Lambda compute platform only, got ${computePlatform}`,
        ...meta,
      });
    }
    if (this.records.data.configs[name]) throw new DeploymentConfigAlreadyExistsException({ message: `Deployment config already exists: ${name}`, ...meta });
    const config: StoredConfig = { name, id: randomUUID(), routing: routingFrom(trafficRoutingConfig), createTime: new Date().toISOString() };
    this.records.data.configs[name] = config;
    await this.records.save();
    return { deploymentConfigId: config.id, ...meta };
  }

  private async createDeploymentGroup(input: CreateDeploymentGroupCommand['input']): Promise<unknown> {
    this.records.application(input.applicationName);
    if (!input.deploymentGroupName) throw new DeploymentGroupNameRequiredException({ message: 'Deployment group name must be specified.', ...meta });
    if (!input.serviceRoleArn) throw new RoleRequiredException({ message: 'Service role ARN must be specified.', ...meta });
    const key = groupKey(input.applicationName ?? '', input.deploymentGroupName);
    if (this.records.data.groups[key]) {
      throw new DeploymentGroupAlreadyExistsException({
        message: `A deployment group named ${input.deploymentGroupName} already exists in application ${input.applicationName}`,
        ...meta,
      });
    }
    const deploymentConfigName = input.deploymentConfigName ?? 'CodeDeployDefault.LambdaAllAtOnce';
    this.records.routing(deploymentConfigName);
    const group: StoredGroup = {
      application: input.applicationName ?? '',
      name: input.deploymentGroupName,
      id: randomUUID(),
      serviceRoleArn: input.serviceRoleArn,
      deploymentConfigName,
      alarms: alarmsFrom(input.alarmConfiguration),
      autoRollback: autoRollbackFrom(input.autoRollbackConfiguration),
    };
    this.records.data.groups[key] = group;
    await this.records.save();
    return { deploymentGroupId: group.id, ...meta };
  }

  private async createDeployment(input: CreateDeploymentCommand['input']): Promise<unknown> {
    this.records.application(input.applicationName);
    if (!input.deploymentGroupName) throw new DeploymentGroupNameRequiredException({ message: 'Deployment group name must be specified.', ...meta });
    const group = this.records.data.groups[groupKey(input.applicationName ?? '', input.deploymentGroupName)];
    if (!group) throw new DeploymentGroupDoesNotExistException({ message: `No Deployment Group found for name: ${input.deploymentGroupName}`, ...meta });
    const configName = input.deploymentConfigName ?? group.deploymentConfigName;
    this.records.routing(configName);
    const content = input.revision?.revisionType === 'AppSpecContent' ? input.revision.appSpecContent?.content : undefined;
    if (!content) throw new RevisionRequiredException({ message: 'A Lambda deployment needs an AppSpecContent revision.', ...meta });
    const appSpec = parseAppSpec(content);
    const active = Object.values(this.records.data.deployments).find(
      (x) => x.application === group.application && x.group === group.name && ACTIVE.has(x.status),
    );
    if (active) {
      throw new DeploymentLimitExceededException({ message: `The Deployment Group '${group.name}' already has an active Deployment '${active.id}'`, ...meta });
    }
    const d: StoredDeployment = {
      id: deploymentId(),
      application: group.application,
      group: group.name,
      configName,
      ...(input.description ? { description: input.description } : {}),
      creator: 'user',
      appSpec,
      sha256: createHash('sha256').update(content).digest('hex'),
      alarms: input.overrideAlarmConfiguration ? alarmsFrom(input.overrideAlarmConfiguration) : group.alarms,
      autoRollback: input.autoRollbackConfiguration ? autoRollbackFrom(input.autoRollbackConfiguration) : group.autoRollback,
      status: 'Created',
      createTime: new Date().toISOString(),
      hooks: [],
    };
    this.records.data.deployments[d.id] = d;
    await this.records.save();
    this.options.log?.(`CodeDeploy ${d.id}: ${appSpec.functionName}:${appSpec.alias} ${appSpec.currentVersion} → ${appSpec.targetVersion} (${configName})`);
    // Like CodeDeploy, the deployment runs after CreateDeployment has answered with its id.
    this.engine.start(d);
    return { deploymentId: d.id, ...meta };
  }

  private async stopDeployment(input: StopDeploymentCommand['input']): Promise<unknown> {
    const d = this.records.deployment(input.deploymentId);
    if (!ACTIVE.has(d.status)) throw new DeploymentAlreadyCompletedException({ message: `The deployment ${d.id} has already completed.`, ...meta });
    const rollback = input.autoRollbackEnabled ?? d.autoRollback.events.includes('DEPLOYMENT_STOP_ON_REQUEST');
    await this.engine.end(d, 'Stopped', 'MANUAL_STOP', 'The deployment was stopped by a StopDeployment request.', rollback ? 'always' : 'never');
    return { status: 'Succeeded', statusMessage: `Deployment ${d.id} stopped${rollback ? ' and rolled back' : ''}.`, ...meta };
  }

  private async putHookStatus(input: PutLifecycleEventHookExecutionStatusCommand['input']): Promise<unknown> {
    const { deploymentId: id, lifecycleEventHookExecutionId: hookId, status } = input;
    const d = this.records.deployment(id);
    const hook = d.hooks.find((h) => h.id === hookId);
    if (!hook) {
      throw new InvalidLifecycleEventHookExecutionIdException({ message: `No lifecycle event hook execution ${hookId} in deployment ${d.id}`, ...meta });
    }
    if (status !== 'Succeeded' && status !== 'Failed') {
      throw new InvalidLifecycleEventHookExecutionStatusException({ message: `The status must be Succeeded or Failed, got ${status}`, ...meta });
    }
    if (hook.status !== 'InProgress' || !ACTIVE.has(d.status)) {
      throw new LifecycleEventAlreadyCompletedException({ message: `The ${hook.hook} lifecycle event of ${d.id} has already completed.`, ...meta });
    }
    hook.status = status;
    await this.records.save();
    return { lifecycleEventHookExecutionId: hook.id, ...meta };
  }
}

/** A deployment as GetDeployment answers it (`deploymentInfo`). */
function info(d: StoredDeployment) {
  return {
    applicationName: d.application,
    deploymentGroupName: d.group,
    deploymentConfigName: d.configName,
    deploymentId: d.id,
    // GetDeployment never returns the AppSpec content, only its hash.
    revision: { revisionType: 'AppSpecContent', appSpecContent: { sha256: d.sha256 } },
    status: d.status,
    ...(d.error ? { errorInformation: d.error } : {}),
    createTime: new Date(d.createTime),
    ...(d.startTime ? { startTime: new Date(d.startTime) } : {}),
    ...(d.completeTime ? { completeTime: new Date(d.completeTime) } : {}),
    ...(d.description ? { description: d.description } : {}),
    creator: d.creator,
    autoRollbackConfiguration: { enabled: d.autoRollback.enabled, events: [...d.autoRollback.events] },
    ...(d.rollbackInfo ? { rollbackInfo: d.rollbackInfo } : {}),
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    computePlatform: 'Lambda',
  };
}

/** What CodeDeploy needs for one registered target: see {@link provisionDeploymentGroup}. */
export interface DeploymentGroupSpec {
  readonly application: string;
  /** The deployment group's name: the target's name (CMV creates deployments in the group named after the target). */
  readonly deploymentGroup: string;
  /** The group's default config (a full `CodeDeployDefault.Lambda…` name or a custom config's name). */
  readonly deploymentConfig: string;
  readonly customConfigs: readonly CustomDeploymentConfig[];
  readonly alarmNames: readonly string[];
}

/**
 * Creates what the CDK stack creates for a target, through the API: the application, the target's
 * custom deployment configs and its deployment group (its alarms; auto-rollback on failure, on
 * alarm and on stop). What already exists is kept as it is (a restart finds it in the state file).
 */
export async function provisionDeploymentGroup(codedeploy: { send(command: unknown): Promise<unknown> }, spec: DeploymentGroupSpec): Promise<void> {
  const unlessExists = async (command: unknown, exists: string) => {
    try {
      await codedeploy.send(command);
    } catch (err) {
      if ((err as Error).name !== exists) throw err;
    }
  };
  await unlessExists(new CreateApplicationCommand({ applicationName: spec.application, computePlatform: 'Lambda' }), 'ApplicationAlreadyExistsException');
  for (const c of spec.customConfigs) {
    const trafficRoutingConfig: TrafficRoutingConfig =
      c.type === 'canary'
        ? { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: c.percentage, canaryInterval: c.intervalMinutes } }
        : { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: c.percentage, linearInterval: c.intervalMinutes } };
    await unlessExists(
      new CreateDeploymentConfigCommand({ deploymentConfigName: c.name, computePlatform: 'Lambda', trafficRoutingConfig }),
      'DeploymentConfigAlreadyExistsException',
    );
  }
  await unlessExists(
    new CreateDeploymentGroupCommand({
      applicationName: spec.application,
      deploymentGroupName: spec.deploymentGroup,
      serviceRoleArn: 'arn:aws:iam::000000000000:role/cmv-local-codedeploy',
      deploymentConfigName: spec.deploymentConfig,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      alarmConfiguration: { enabled: spec.alarmNames.length > 0, alarms: spec.alarmNames.map((name) => ({ name })) },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] },
    }),
    'DeploymentGroupAlreadyExistsException',
  );
}
