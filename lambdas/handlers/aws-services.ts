import { randomUUID } from 'node:crypto';
import { DynamoChangeStore } from '../adapters/change-store';
import { documentClient } from '../adapters/dynamo';
import { requireEnv } from '../adapters/env';
import { DynamoLedgerReader } from '../adapters/ledger-reader';
import { policyFromEnvironment } from '../adapters/policy-document';
import { StaticDirectory } from '../adapters/static-directory';
import type { DigestSigner } from '../core/digest';
import type { AlarmWatch, ArtifactStore, CodeDeployments, DigestStore, EventBus, FunctionHost, MetricsReader, Notifier, Workflow } from '../core/ports';
import type { Services, Settings } from '../core/use-cases/services';

/** Approval links live 72 h by default. */
const DEFAULT_LINK_TTL_S = 72 * 3600;

/**
 * The AWS adapters a handler calls besides the tables, each built by a factory of its own module in
 * `./aws` (e.g. `lambdaFunctions` of `./aws/lambda`): a handler names the ones it calls as its
 * `awsPorts`, so that its bundle holds, and its cold start loads, only those SDK clients. Its role
 * may call exactly these services (test/infra/handler-ports.test.ts holds both to one list).
 */
export interface AwsPorts {
  readonly workflow?: () => Workflow;
  readonly artifacts?: () => ArtifactStore;
  readonly functions?: () => FunctionHost;
  readonly alarms?: () => AlarmWatch;
  readonly metrics?: () => MetricsReader;
  /** Also needs CODEDEPLOY_APPLICATION: without it, the codedeploy strategy is off whatever the handler names. */
  readonly codeDeploy?: () => CodeDeployments;
  readonly events?: () => EventBus;
  readonly notifier?: () => Notifier;
  /** The approval links' HMAC secret. */
  readonly linkSecret?: () => Settings['linkSecret'];
  /** The signed digests of the ledger (the digest bucket). */
  readonly digests?: () => DigestStore;
  /** The digest key (KMS Sign, GetPublicKey). */
  readonly signer?: () => DigestSigner;
}

/**
 * A port the handler did not name: any use of it throws, naming the port, instead of calling AWS
 * without a client (and its role without a grant).
 */
function unnamed<T extends object>(port: keyof AwsPorts): T {
  return new Proxy({} as T, {
    get: (_, member) => {
      throw new Error(`this handler has no ${port} port (reached through ${String(member)}): name it in the handler's awsPorts and grant its role the calls`);
    },
  });
}

/**
 * The services of a Lambda in AWS, from its environment (set by the CDK stack): the tables
 * (CHANGES_TABLE, LEDGER_TABLE), the directory (CMV_USERS_JSON), the policy (CMV_POLICY_JSON,
 * optional) and the settings (API_BASE_URL, APPROVAL_LINK_TTL_SECONDS; CODEDEPLOY_APPLICATION and the
 * hook function names CODEDEPLOY_BEFORE_ALLOW_TRAFFIC_HOOK and CODEDEPLOY_AFTER_ALLOW_TRAFFIC_HOOK
 * enable the codedeploy strategy), plus the `ports` the handler names (see {@link AwsPorts} and the
 * environment each factory reads). A required port not named throws when used; `metrics`,
 * `codeDeploy`, `events`, `digests` and `signer` not named are absent.
 * @throws Error when CHANGES_TABLE or LEDGER_TABLE is not set
 */
export function awsServices(ports: AwsPorts = {}): Services {
  const db = documentClient();
  const tables = { changes: requireEnv('CHANGES_TABLE'), ledger: requireEnv('LEDGER_TABLE') };
  const codeDeployApplication = process.env.CODEDEPLOY_APPLICATION;
  return {
    store: new DynamoChangeStore(db, tables),
    ledger: new DynamoLedgerReader(db, tables.ledger),
    workflow: ports.workflow?.() ?? unnamed('workflow'),
    artifacts: ports.artifacts?.() ?? unnamed('artifacts'),
    functions: ports.functions?.() ?? unnamed('functions'),
    alarms: ports.alarms?.() ?? unnamed('alarms'),
    ...(ports.metrics ? { metrics: ports.metrics() } : {}),
    ...(codeDeployApplication && ports.codeDeploy ? { codeDeploy: ports.codeDeploy() } : {}),
    ...(ports.events ? { events: ports.events() } : {}),
    ...(ports.digests ? { digests: ports.digests() } : {}),
    ...(ports.signer ? { signer: ports.signer() } : {}),
    notifier: ports.notifier?.() ?? unnamed('notifier'),
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
      linkSecret: ports.linkSecret?.() ?? (async () => unnamed<Settings>('linkSecret').linkSecret()),
    },
    now: () => new Date(),
    newId: () => randomUUID(),
  };
}
