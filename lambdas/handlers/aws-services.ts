import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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
import { S3ArtifactStore } from '../adapters/s3-artifacts';
import { S3DeploymentConfig } from '../adapters/s3-deployment-config';
import { SecretsManagerLinkKeys } from '../adapters/secrets-manager-link-keys';
import { SnsNotifier } from '../adapters/sns-notifier';
import { StepFunctionsWorkflow } from '../adapters/step-functions';
import type { Services } from '../core/use-cases/services';

/** Approval links live 72 h by default. */
const DEFAULT_LINK_TTL_S = 72 * 3600;

/**
 * The services of a Lambda in AWS, from its environment (set by the CDK stack):
 * CHANGES_TABLE, LEDGER_TABLE, STATE_MACHINE_ARN, ARTIFACT_BUCKET, APPROVAL_TOPIC_ARN,
 * API_BASE_URL, LINK_SECRET_ARN, CMV_CONFIG_S3_URI (the users and the policy: `S3DeploymentConfig`), APPROVAL_LINK_TTL_SECONDS;
 * CODEDEPLOY_APPLICATION and the hook function names CODEDEPLOY_BEFORE_ALLOW_TRAFFIC_HOOK and
 * CODEDEPLOY_AFTER_ALLOW_TRAFFIC_HOOK enable the codedeploy strategy; EVENT_BUS_NAME (default: `default`) is where CMV's events go.
 * Clients are created lazily by each adapter's first call; unused ones cost nothing.
 */
export function awsServices(): Services {
  const db = documentClient();
  const tables = { changes: requireEnv('CHANGES_TABLE'), ledger: requireEnv('LEDGER_TABLE') };
  const codeDeployApplication = process.env.CODEDEPLOY_APPLICATION;
  const cloudwatch = new CloudWatchClient({});
  const s3 = new S3Client({});
  const config = new S3DeploymentConfig(s3, requireEnv('CMV_CONFIG_S3_URI'));
  return {
    store: new DynamoChangeStore(db, tables),
    ledger: new DynamoLedgerReader(db, tables.ledger),
    workflow: new StepFunctionsWorkflow(new SFNClient({}), process.env.STATE_MACHINE_ARN ?? ''),
    artifacts: new S3ArtifactStore(s3, requireEnv('ARTIFACT_BUCKET')),
    functions: new LambdaFunctionHost(new LambdaClient({})),
    alarms: new CloudWatchAlarmWatch(cloudwatch),
    metrics: new CloudWatchMetricsReader(cloudwatch),
    ...(codeDeployApplication ? { codeDeploy: new CodeDeployDeployments(new CodeDeployClient({})) } : {}),
    events: new EventBridgeBus(new EventBridgeClient({}), process.env.EVENT_BUS_NAME ?? 'default'),
    notifier: new SnsNotifier(new SNSClient({}), process.env.APPROVAL_TOPIC_ARN ?? ''),
    directory: config.directory,
    policy: () => config.policy(),
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
      linkKeys: new SecretsManagerLinkKeys(new SecretsManagerClient({}), requireEnv('LINK_SECRET_ARN')),
    },
    now: () => new Date(),
    newId: () => randomUUID(),
  };
}
