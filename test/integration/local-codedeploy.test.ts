import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateDeploymentCommand, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CreateAliasCommand, CreateFunctionCommand, GetAliasCommand, PublishVersionCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { lambdaAppSpec } from '../../lambdas/adapters/codedeploy-deployments';
import { zipSource } from '../../lambdas/core/artifact';
import { LocalCloudWatch } from '../../lib/local/cloudwatch';
import { type CodeDeployStateChangeEvent, type HookEvent, LocalCodeDeploy, provisionDeploymentGroup } from '../../lib/local/codedeploy';
import { LocalLambda } from '../../lib/local/lambda';

/**
 * The local CodeDeploy stand-in with the real local Lambda and CloudWatch (no mocks): the config's
 * shifts, the hooks' reports, an alarm stopping and rolling back, StopDeployment, one active
 * deployment per group. Speed 600: a minute lasts 100 ms.
 */
jest.setTimeout(180_000);

const FN = 'svc';
const CODE = zipSource({ 'index.js': new TextEncoder().encode('exports.handler = async () => ({ v: process.env.V });') });

describe('LocalCodeDeploy', () => {
  let root: string;
  let lambda: LocalLambda;
  let cloudwatch: LocalCloudWatch;
  let codedeploy: LocalCodeDeploy;
  let hookStatus: 'Succeeded' | 'Failed';
  const hooksCalled: string[] = [];
  const events: CodeDeployStateChangeEvent[] = [];

  const alias = async () =>
    (await lambda.send(new GetAliasCommand({ FunctionName: FN, Name: 'live' }))) as {
      FunctionVersion: string;
      RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
    };
  const deploy = () =>
    codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'cmv',
        deploymentGroupName: FN,
        deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        revision: {
          revisionType: 'AppSpecContent',
          appSpecContent: {
            content: lambdaAppSpec({
              application: 'cmv',
              deploymentGroup: FN,
              deploymentConfig: 'x',
              functionName: FN,
              alias: 'live',
              currentVersion: '1',
              targetVersion: '2',
              description: 'test',
              hooks: { beforeAllowTraffic: 'before-hook', afterAllowTraffic: 'after-hook' },
              alarms: [],
            }),
          },
        },
      }),
    ) as Promise<{ deploymentId: string }>;
  const info = async (id: string) =>
    (
      (await codedeploy.send(new GetDeploymentCommand({ deploymentId: id }))) as {
        deploymentInfo: { status: string; errorInformation?: { code: string }; rollbackInfo?: { rollbackDeploymentId?: string } };
      }
    ).deploymentInfo;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cmv-codedeploy-'));
    cloudwatch = new LocalCloudWatch(600);
    lambda = new LocalLambda(join(root, 'lambda'), cloudwatch);
    await lambda.send(new CreateFunctionCommand({ FunctionName: FN, Handler: 'index.handler', Role: 'r', Code: { ZipFile: CODE } }));
    for (const v of ['one', 'two']) {
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FN, Environment: { Variables: { V: v } } }));
      await lambda.send(new PublishVersionCommand({ FunctionName: FN }));
    }
    await lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '1' }));
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'cmv-svc-error-rate',
        Namespace: 'Test',
        MetricName: 'Boom',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    hookStatus = 'Succeeded';
    hooksCalled.length = 0;
    events.length = 0;
    codedeploy = new LocalCodeDeploy({
      dir: join(root, 'codedeploy'),
      lambda,
      cloudwatch,
      speed: 600,
      onStateChange: (event) => events.push(event),
      invokeHook: async (name: string, event: HookEvent) => {
        hooksCalled.push(name);
        await codedeploy.send(
          new PutLifecycleEventHookExecutionStatusCommand({
            deploymentId: event.DeploymentId,
            lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
            status: hookStatus,
          }),
        );
      },
    });
    await provisionDeploymentGroup(codedeploy, {
      application: 'cmv',
      deploymentGroup: FN,
      deploymentConfig: 'CodeDeployDefault.LambdaAllAtOnce',
      customConfigs: [],
      alarmNames: ['cmv-svc-error-rate'],
    });
  });
  afterEach(async () => {
    await codedeploy.stop();
    await lambda.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('runs the hooks and shifts 10 %, then 100 % five (scaled) minutes later, then succeeds', async () => {
    const { deploymentId } = await deploy();
    const weights: number[] = [];
    for (let s = await info(deploymentId); s.status !== 'Succeeded'; s = await info(deploymentId)) {
      const a = await alias();
      const w = a.FunctionVersion === '2' ? 100 : Math.round((a.RoutingConfig?.AdditionalVersionWeights?.['2'] ?? 0) * 100);
      if (weights.at(-1) !== w) weights.push(w);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(weights).toEqual(expect.arrayContaining([10]));
    expect((await alias()).FunctionVersion).toBe('2');
    expect(hooksCalled).toEqual(['before-hook', 'after-hook']);
  });

  it('sends its state changes to the bus as CodeDeploy does: START, then SUCCESS, with the documented detail and resources', async () => {
    const { deploymentId } = await deploy();
    await codedeploy.settled(deploymentId);

    expect(events.map((e) => e.detail.state)).toEqual(['START', 'SUCCESS']);
    expect(events[1]).toEqual({
      version: '0',
      'detail-type': 'CodeDeploy Deployment State-change Notification',
      source: 'aws.codedeploy',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: 'local',
      resources: ['arn:aws:codedeploy:local:000000000000:application:cmv', `arn:aws:codedeploy:local:000000000000:deploymentgroup:cmv/${FN}`],
      detail: { instanceGroupId: expect.any(String), region: 'local', application: 'cmv', deploymentId, state: 'SUCCESS', deploymentGroup: FN },
    });
  });

  it('refuses a second active deployment in the group, as CodeDeploy does', async () => {
    await deploy();
    await expect(deploy()).rejects.toMatchObject({ name: 'DeploymentLimitExceededException' });
  });

  it('fails on a hook that reports Failed and leaves the alias on the current version', async () => {
    hookStatus = 'Failed';
    const { deploymentId } = await deploy();
    await codedeploy.settled(deploymentId);
    expect(await info(deploymentId)).toMatchObject({ status: 'Failed', errorInformation: { code: 'HOOK_EXECUTION_FAILURE' } });
    expect((await alias()).FunctionVersion).toBe('1');
    expect(events.filter((e) => e.detail.deploymentId === deploymentId).map((e) => e.detail.state)).toEqual(['START', 'FAILURE']);
  });

  it('stops on an alarm in ALARM and rolls back, recording the rollback deployment', async () => {
    const { deploymentId } = await deploy();
    while ((await alias()).RoutingConfig?.AdditionalVersionWeights?.['2'] === undefined) await new Promise((r) => setTimeout(r, 5));
    cloudwatch.record('Test', 'Boom', {}, 1);
    await codedeploy.settled(deploymentId);
    const s = await info(deploymentId);
    expect(s).toMatchObject({ status: 'Stopped', errorInformation: { code: 'ALARM_ACTIVE' } });
    expect(s.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
    // The stopped deployment's STOP, then the rollback deployment's own START and SUCCESS.
    expect(events.map((e) => [e.detail.deploymentId, e.detail.state])).toEqual([
      [deploymentId, 'START'],
      [deploymentId, 'STOP'],
      [s.rollbackInfo?.rollbackDeploymentId, 'START'],
      [s.rollbackInfo?.rollbackDeploymentId, 'SUCCESS'],
    ]);
    expect(await alias()).toMatchObject({ FunctionVersion: '1' });
    expect((await alias()).RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  });

  it('StopDeployment with rollback puts the alias back at once; a second stop is refused', async () => {
    const { deploymentId } = await deploy();
    while ((await alias()).RoutingConfig?.AdditionalVersionWeights?.['2'] === undefined) await new Promise((r) => setTimeout(r, 5));
    await codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    expect(await info(deploymentId)).toMatchObject({ status: 'Stopped', errorInformation: { code: 'MANUAL_STOP' } });
    expect((await alias()).FunctionVersion).toBe('1');
    await expect(codedeploy.send(new StopDeploymentCommand({ deploymentId }))).rejects.toMatchObject({ name: 'DeploymentAlreadyCompletedException' });
  });
});
