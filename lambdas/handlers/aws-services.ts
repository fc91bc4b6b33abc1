import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { assumedRolePorts } from '../adapters/assumed-role';
import type { AwsClient } from '../adapters/aws-client';
import { documentClient } from '../adapters/dynamo';
import { requireEnv } from '../adapters/env';
import { stackTargetsFromEnvironment } from '../adapters/stack-targets';
import { CODE_SIGNING_SIGNED_PREFIX } from '../core/code-signing';
import type { LinkKeys } from '../core/ports';
import type { Services, Settings } from '../core/use-cases/services';
import { buildServices, type Port, type ResourceNames, type ServiceClients, type ServicePorts, targetPortsOn, unnamed } from './build-services';
import { traced } from './observability';

/** Approval links live 72 h by default. */
const DEFAULT_LINK_TTL_S = 72 * 3600;

/**
 * The AWS ports a handler calls besides the tables, each a {@link Port} of its module in `./aws`
 * (e.g. `lambdaFunctions` of `./aws/lambda`): a handler names the ones it calls as its `awsPorts`,
 * so that its bundle holds, and its cold start loads, only those adapters and SDK clients. Its
 * role may call exactly these services (test/infra/handler-ports.test.ts holds both to one list).
 * Besides the {@link ServicePorts}, `linkKeys`: the approval links' HMAC keys (current and, after a
 * rotation, previous), a port of AWS only (the local runtime's key is a file).
 */
export interface AwsPorts extends ServicePorts {
  readonly linkKeys?: Port<LinkKeys, SecretsManagerClient>;
}

/**
 * The names of the deployment's resources, from the environment the CDK stack sets: each variable
 * is read when an adapter is built with it, so a handler needs only those of the ports it names.
 * @throws Error (when read) naming a required variable that is not set
 */
function namesFromEnvironment(): ResourceNames {
  return {
    get stateMachineArn() {
      return process.env.STATE_MACHINE_ARN ?? '';
    },
    get artifactBucket() {
      return requireEnv('ARTIFACT_BUCKET');
    },
    get configUri() {
      return requireEnv('CMV_CONFIG_S3_URI');
    },
    get approvalTopicArn() {
      return process.env.APPROVAL_TOPIC_ARN ?? '';
    },
    get eventBusName() {
      return process.env.EVENT_BUS_NAME ?? 'default';
    },
    get digestBucket() {
      return requireEnv('DIGEST_BUCKET');
    },
    get digestKeyId() {
      return requireEnv('DIGEST_KEY_ID');
    },
    get bundleKeyId() {
      return requireEnv('BUNDLE_KEY_ID');
    },
    get wakes() {
      return { groupName: requireEnv('WAKE_SCHEDULE_GROUP'), functionArn: requireEnv('WAKE_FUNCTION_ARN'), roleArn: requireEnv('WAKE_ROLE_ARN') };
    },
    get linkSecretArn() {
      return requireEnv('LINK_SECRET_ARN');
    },
    get codeSigning() {
      return { profileName: requireEnv('CODE_SIGNING_PROFILE_NAME'), signedPrefix: CODE_SIGNING_SIGNED_PREFIX };
    },
  };
}

/** A new SDK client for each port the handler names (`ports` with its SDK clients: {@link buildServices}' `clients`). */
function sdkClients(ports: ServicePorts): Omit<ServiceClients, 'db'> {
  const clients: Partial<Record<keyof ServicePorts, AwsClient>> = {};
  for (const [name, port] of Object.entries(ports) as [keyof ServicePorts, Port<unknown> | undefined][]) {
    if (port) clients[name] = port.sdkClient();
  }
  return clients;
}

/**
 * The services of a Lambda in AWS, from its environment (set by the CDK stack): the tables
 * (CHANGES_TABLE, LEDGER_TABLE; IDEMPOTENCY_TABLE, set on the handlers that keep `Idempotency-Key` answers), and the settings (API_BASE_URL, APPROVAL_LINK_TTL_SECONDS; CMV_STACK_TARGETS, register-target only: the targets the stack grants cover; CODEDEPLOY_APPLICATION and the
 * hook function names CODEDEPLOY_BEFORE_ALLOW_TRAFFIC_HOOK and CODEDEPLOY_AFTER_ALLOW_TRAFFIC_HOOK
 * enable the codedeploy strategy), plus the `ports` the handler names, each on a new SDK client
 * (see {@link AwsPorts} and the variable of each name in {@link ResourceNames}), by {@link buildServices}.
 * A required port not named throws when used; `metrics`, `codeDeploy`, `events`, `digests` and
 * `signer` not named are absent.
 * @throws Error when CHANGES_TABLE or LEDGER_TABLE is not set, or a variable a named port needs
 */
export function awsServices(ports: AwsPorts = {}): Services {
  const idempotency = process.env.IDEMPOTENCY_TABLE;
  const tables = { changes: requireEnv('CHANGES_TABLE'), ledger: requireEnv('LEDGER_TABLE'), ...(idempotency ? { idempotency } : {}) };
  const names = namesFromEnvironment();
  const { linkKeys, ...servicePorts } = ports;
  const codeDeployApplication = process.env.CODEDEPLOY_APPLICATION;
  const settings: Settings = {
    apiBaseUrl: (process.env.API_BASE_URL ?? '').replace(/\/$/, ''),
    stackTargets: stackTargetsFromEnvironment(),
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
    linkKeys: linkKeys ? linkKeys.adapter(linkKeys.sdkClient(), names) : unnamed<LinkKeys>('linkKeys'),
  };
  const { functions, alarms, metrics } = servicePorts;
  // A handler that acts on targets acts on those in other accounts through their deploy roles (STS AssumeRole).
  const deployRoles =
    functions || alarms || metrics
      ? assumedRolePorts((credentials) =>
          targetPortsOn(
            { functions, alarms, metrics },
            { functions: functions?.sdkClient(credentials), alarms: alarms?.sdkClient(credentials), metrics: metrics?.sdkClient(credentials) },
            names,
          ),
        )
      : undefined;
  return buildServices(servicePorts, { db: documentClient({}, traced), ...sdkClients(servicePorts) }, { tables, names, settings, deployRoles });
}
