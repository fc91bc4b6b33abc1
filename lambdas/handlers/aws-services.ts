import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoChangeStore } from '../adapters/change-store';
import { CloudWatchAlarmWatch } from '../adapters/cloudwatch-alarms';
import { CloudWatchMetricsReader } from '../adapters/cloudwatch-metrics';
import { CodeDeployDeployments } from '../adapters/codedeploy-deployments';
import { documentClient } from '../adapters/dynamo';
import { requireEnv } from '../adapters/env';
import { EventBridgeBus } from '../adapters/event-bridge';
import { LambdaFunctionHost } from '../adapters/lambda-functions';
import { DynamoLedgerReader } from '../adapters/ledger-reader';
import { policyFromEnvironment } from '../adapters/policy-file';
import { S3ArtifactStore } from '../adapters/s3-artifacts';
import { SnsNotifier } from '../adapters/sns-notifier';
import { StaticDirectory } from '../adapters/static-directory';
import { StepFunctionsWorkflow } from '../adapters/step-functions';
import { EventBridgeWakeScheduler } from '../adapters/wake-scheduler';
import type { Services } from '../core/use-cases/services';

/** Approval links live 72 h by default. */
const DEFAULT_LINK_TTL_S = 72 * 3600;

/**
 * The services of a Lambda in AWS, from its environment (set by the CDK stack):
 * CHANGES_TABLE, LEDGER_TABLE, STATE_MACHINE_ARN, ARTIFACT_BUCKET, APPROVAL_TOPIC_ARN,
 * API_BASE_URL, LINK_SECRET_ARN, CMV_USERS_JSON, APPROVAL_LINK_TTL_SECONDS and CMV_POLICY_JSON (optional);
 * CODEDEPLOY_APPLICATION and the hook function names CODEDEPLOY_BEFORE_ALLOW_TRAFFIC_HOOK and
 * CODEDEPLOY_AFTER_ALLOW_TRAFFIC_HOOK enable the codedeploy strategy; EVENT_BUS_NAME (default: `default`) is where CMV's events go;
 * WAKE_SCHEDULE_GROUP, WAKE_FUNCTION_ARN and WAKE_ROLE_ARN are where the workflow's wake-ups are scheduled (read at the first one).
 * Clients are created lazily by each adapter's first call; unused ones cost nothing.
 */
export function awsServices(): Services {
  const db = documentClient();
  const tables = { changes: requireEnv('CHANGES_TABLE'), ledger: requireEnv('LEDGER_TABLE') };
  let secret: Promise<string> | undefined;
  let wakes: EventBridgeWakeScheduler | undefined;
  const codeDeployApplication = process.env.CODEDEPLOY_APPLICATION;
  const cloudwatch = new CloudWatchClient({});
  return {
    store: new DynamoChangeStore(db, tables),
    ledger: new DynamoLedgerReader(db, tables.ledger),
    workflow: new StepFunctionsWorkflow(new SFNClient({}), process.env.STATE_MACHINE_ARN ?? ''),
    wakes: {
      // Only the steps that enter a timed wait schedule wake-ups: the others need neither the client nor its settings.
      wakeAt: (name, at, changeId) => {
        wakes ??= new EventBridgeWakeScheduler(new SchedulerClient({}), {
          groupName: requireEnv('WAKE_SCHEDULE_GROUP'),
          functionArn: requireEnv('WAKE_FUNCTION_ARN'),
          roleArn: requireEnv('WAKE_ROLE_ARN'),
        });
        return wakes.wakeAt(name, at, changeId);
      },
    },
    artifacts: new S3ArtifactStore(new S3Client({}), requireEnv('ARTIFACT_BUCKET')),
    functions: new LambdaFunctionHost(new LambdaClient({})),
    alarms: new CloudWatchAlarmWatch(cloudwatch),
    metrics: new CloudWatchMetricsReader(cloudwatch),
    ...(codeDeployApplication ? { codeDeploy: new CodeDeployDeployments(new CodeDeployClient({})) } : {}),
    events: new EventBridgeBus(new EventBridgeClient({}), process.env.EVENT_BUS_NAME ?? 'default'),
    notifier: new SnsNotifier(new SNSClient({}), process.env.APPROVAL_TOPIC_ARN ?? ''),
    directory: new StaticDirectory(JSON.parse(process.env.CMV_USERS_JSON ?? '{"users":[]}')),
    policy: policyFromEnvironment(),
    settings: {
      apiBaseUrl: (process.env.API_BASE_URL ?? '').replace(/\/$/, ''),
      ...(codeDeployApplication
        ? {
            codeDeploy: {
              application: codeDeployApplication,
              hooks: {
                beforeAllowTraffic: process.env.CODEDEPLOY_BEFORE_ALLOW_TRAFFIC_HOOK,
                afterAllowTraffic: process.env.CODEDEPLOY_AFTER_ALLOW_TRAFFIC_HOOK,
              },
            },
          }
        : {}),
      approvalLinkTtlSeconds: Number(process.env.APPROVAL_LINK_TTL_SECONDS ?? DEFAULT_LINK_TTL_S),
      linkSecret: () => {
        secret ??= new SecretsManagerClient({})
          .send(new GetSecretValueCommand({ SecretId: requireEnv('LINK_SECRET_ARN') }))
          .then((out) => out.SecretString ?? '');
        return secret;
      },
    },
    now: () => new Date(),
    newId: () => randomUUID(),
  };
}
