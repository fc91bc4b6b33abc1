import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StartSigningJobCommand } from '@aws-sdk/client-signer';
import { PublishCommand } from '@aws-sdk/client-sns';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsClient } from '../../../lambdas/adapters/aws-client';
import type { Services, Settings } from '../../../lambdas/core/use-cases/services';
import { cloudWatchAlarms, cloudWatchMetrics } from '../../../lambdas/handlers/aws/cloudwatch';
import { codeDeployDeployments } from '../../../lambdas/handlers/aws/codedeploy';
import { eventBridgeBus } from '../../../lambdas/handlers/aws/eventbridge';
import { kmsBundleSigner, kmsDigestSigner } from '../../../lambdas/handlers/aws/kms';
import { lambdaFunctions } from '../../../lambdas/handlers/aws/lambda';
import { s3Artifacts, s3DeploymentConfig } from '../../../lambdas/handlers/aws/s3';
import { s3DigestStore } from '../../../lambdas/handlers/aws/s3-digests';
import { eventBridgeWakes } from '../../../lambdas/handlers/aws/scheduler';
import { signerCodeSigner } from '../../../lambdas/handlers/aws/signer';
import { snsNotifier } from '../../../lambdas/handlers/aws/sns';
import { stepFunctionsWorkflow } from '../../../lambdas/handlers/aws/step-functions';
import { buildServices, type Deployment, type Port, type ResourceNames, type ServicePorts } from '../../../lambdas/handlers/build-services';

/** Every port, as the local runtime wires them all. */
const PORTS: Required<ServicePorts> = {
  workflow: stepFunctionsWorkflow,
  wakes: eventBridgeWakes,
  artifacts: s3Artifacts,
  functions: lambdaFunctions,
  alarms: cloudWatchAlarms,
  metrics: cloudWatchMetrics,
  codeDeploy: codeDeployDeployments,
  notifier: snsNotifier,
  events: eventBridgeBus,
  digests: s3DigestStore,
  signer: kmsDigestSigner,
  bundleSigner: kmsBundleSigner,
  codeSigner: signerCodeSigner,
  config: s3DeploymentConfig,
};
type PortName = keyof ServicePorts;

const NAMES: ResourceNames = {
  stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:cmv',
  artifactBucket: 'artifacts',
  configUri: 's3://assets/config.json',
  approvalTopicArn: 'arn:aws:sns:eu-west-1:123456789012:approvals',
  eventBusName: 'cmv-bus',
  digestBucket: 'digests',
  digestKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/digest',
  bundleKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/bundle',
  wakes: { groupName: 'cmv-wakes', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:wake', roleArn: 'arn:aws:iam::123456789012:role/wakes' },
  linkSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:link',
  codeSigning: { profileName: 'cmv_code', signedPrefix: 'code-signing/signed/' },
};
const SETTINGS: Settings = {
  apiBaseUrl: 'https://cmv.example.org',
  linkKeys: { signing: async () => 'k', verifying: async () => ['k'] },
  approvalLinkTtlSeconds: 3600,
  codeDeploy: { application: 'cmv', hooks: {} },
};
const DEPLOYMENT: Deployment = { tables: { changes: 'changes', ledger: 'ledger' }, names: NAMES, settings: SETTINGS };

/** A client that records each command it is sent and fails it (what the service would answer is not the point here). */
function recording(): AwsClient & { readonly sent: object[] } {
  const sent: object[] = [];
  return {
    sent,
    send: async (command) => {
      sent.push(command);
      throw new Error('recorded');
    },
  };
}

/** A port whose adapter is the client and names it was built with. */
const fakePort = <A>(): Port<A> => ({ sdkClient: () => recording(), adapter: (client, names) => ({ client, names }) as A });

describe('buildServices()', () => {
  describe('with every port and a client for each', () => {
    const clients = Object.fromEntries(['db', ...Object.keys(PORTS)].map((name) => [name, recording()])) as Record<
      PortName | 'db',
      ReturnType<typeof recording>
    >;
    let svc: Services;
    beforeAll(() => {
      svc = buildServices(PORTS, clients, DEPLOYMENT);
    });
    beforeEach(() => {
      for (const client of Object.values(clients)) client.sent.length = 0;
    });

    it.each<[PortName | 'db', (s: Services) => Promise<unknown>, new (...args: never[]) => object, Record<string, unknown>]>([
      ['db', (s) => s.store.getChange('c1'), GetCommand, { TableName: 'changes' }],
      ['workflow', (s) => s.workflow.start('c1', {}), StartExecutionCommand, { stateMachineArn: NAMES.stateMachineArn, name: 'c1' }],
      [
        'wakes',
        (s) => s.wakes.wakeAt('w1', new Date('2026-03-01T10:00:00Z'), 'c1'),
        CreateScheduleCommand,
        { GroupName: 'cmv-wakes', Target: expect.objectContaining({ Arn: NAMES.wakes.functionArn, RoleArn: NAMES.wakes.roleArn }) },
      ],
      ['artifacts', (s) => s.artifacts.write('a.zip', new Uint8Array(1), 'application/zip'), PutObjectCommand, { Bucket: 'artifacts', Key: 'a.zip' }],
      ['functions', (s) => s.functions.getAlias('svc', 'live'), GetAliasCommand, { FunctionName: 'svc', Name: 'live' }],
      ['alarms', (s) => s.alarms.describe(['svc-errors']), DescribeAlarmsCommand, { AlarmNames: ['svc-errors'] }],
      ['metrics', (s) => s.metrics?.versionStats('svc', 'live', ['1'], new Date(0), new Date(60_000)) ?? Promise.resolve(), GetMetricDataCommand, {}],
      ['codeDeploy', (s) => s.codeDeploy?.get('d-1') ?? Promise.resolve(), GetDeploymentCommand, { deploymentId: 'd-1' }],
      [
        'notifier',
        (s) => s.notifier.send({ subject: 's', text: 't', to: ['ana@example.org'], changeId: 'c1' }),
        PublishCommand,
        { TopicArn: NAMES.approvalTopicArn },
      ],
      [
        'events',
        (s) => s.events?.publish([{ detailType: 'Change Proposed', detail: {}, time: '2026-03-01T10:00:00Z' }]) ?? Promise.resolve(),
        PutEventsCommand,
        { Entries: [expect.objectContaining({ EventBusName: 'cmv-bus' })] },
      ],
      ['digests', (s) => s.digests?.get(1) ?? Promise.resolve(), GetObjectCommand, { Bucket: 'digests' }],
      ['signer', (s) => s.signer?.publicKey() ?? Promise.resolve(), GetPublicKeyCommand, { KeyId: NAMES.digestKeyId }],
      ['bundleSigner', (s) => s.bundleSigner?.publicKey() ?? Promise.resolve(), GetPublicKeyCommand, { KeyId: NAMES.bundleKeyId }],
      [
        'codeSigner',
        (s) => s.codeSigner?.start({ uri: 's3://artifacts/a.zip', versionId: 'v1' }, 't') ?? Promise.resolve(),
        StartSigningJobCommand,
        { profileName: 'cmv_code', destination: { s3: { bucketName: 'artifacts', prefix: 'code-signing/signed/' } } },
      ],
      ['config', (s) => s.directory.find('ana'), GetObjectCommand, { Bucket: 'assets', Key: 'config.json' }],
    ])('builds the %s adapter on the client given for it, with the names', async (name, use, command, input) => {
      // Act
      await expect(use(svc)).rejects.toThrow('recorded');

      // Assert: that client, and no other, got the command
      expect(clients[name].sent).toEqual([expect.any(command)]);
      expect((clients[name].sent[0] as { input: object }).input).toMatchObject(input);
      const others = Object.entries(clients).filter(([other, client]) => other !== name && client.sent.length > 0);
      expect(others.map(([other]) => other)).toEqual([]);
    });
  });

  it('gives a required port without its wiring or its client one that throws on use, naming the port', async () => {
    // Act: the workflow port's wiring without a client, no wiring of the others
    const svc = buildServices({ workflow: fakePort() }, { db: recording() }, DEPLOYMENT);

    // Assert
    expect(() => svc.workflow.start('c1', {})).toThrow(/^this handler has no workflow port \(reached through start\)/);
    expect(() => svc.wakes.wakeAt('w', new Date(), 'c1')).toThrow(/no wakes port/);
    expect(() => svc.artifacts.uriFor('k')).toThrow(/no artifacts port/);
    expect(() => svc.functions.getAlias('f', 'live')).toThrow(/no functions port/);
    expect(() => svc.alarms.describe([])).toThrow(/no alarms port/);
    expect(() => svc.notifier.send({} as never)).toThrow(/no notifier port/);
    expect(() => svc.directory.find('u1')).toThrow(/no config port/);
    await expect(async () => svc.policy()).rejects.toThrow(/no config port/);
  });

  it('leaves the optional ports without a wiring absent, as the use cases expect', () => {
    // Act
    const svc = buildServices({}, { db: recording(), metrics: recording(), events: recording() }, DEPLOYMENT);

    // Assert: absent, not throwing (use cases test for them)
    expect(['metrics', 'codeDeploy', 'events', 'digests', 'signer'].filter((port) => port in svc)).toEqual([]);
  });

  it('builds the codeDeploy port only when the settings name the CodeDeploy application', () => {
    // Arrange
    const { codeDeploy: _, ...withoutCodeDeploy } = SETTINGS;
    const ports = { codeDeploy: fakePort<never>() };

    // Act
    const off = buildServices(ports, { db: recording(), codeDeploy: recording() }, { ...DEPLOYMENT, settings: withoutCodeDeploy });
    const on = buildServices(ports, { db: recording(), codeDeploy: recording() }, DEPLOYMENT);

    // Assert
    expect([off.codeDeploy, on.codeDeploy]).toEqual([undefined, expect.anything()]);
  });

  it('passes the settings on as they are, a getter read on each use (the local API learns its port after)', () => {
    // Arrange
    let port = 0;
    const settings: Settings = {
      ...SETTINGS,
      get apiBaseUrl() {
        return `http://127.0.0.1:${port}`;
      },
    };

    // Act
    const svc = buildServices({}, { db: recording() }, { ...DEPLOYMENT, settings });
    port = 4321;

    // Assert
    expect(svc.settings.apiBaseUrl).toBe('http://127.0.0.1:4321');
  });

  it('takes the clock and the id source of the deployment, the wall clock and random UUIDs by default', () => {
    // Arrange
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });

    try {
      // Act
      const given = buildServices({}, { db: recording() }, { ...DEPLOYMENT, now: () => new Date(0), newId: () => 'id-1' });
      const defaults = buildServices({}, { db: recording() }, DEPLOYMENT);

      // Assert
      expect([given.now(), given.newId()]).toEqual([new Date(0), 'id-1']);
      expect(defaults.now()).toEqual(new Date('2030-01-01T00:00:00Z'));
      expect(defaults.newId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    } finally {
      jest.useRealTimers();
    }
  });
});
