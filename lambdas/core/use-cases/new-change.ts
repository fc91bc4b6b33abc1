import { actorFields } from '../actor';
import { canonicalSha256 } from '../canonical-hash';
import type { Change } from '../change';
import { WriteConflictError } from '../ports';
import type { Caller, Services } from './services';

/** The input of a change's workflow execution (named by the change id): always the same, so that a repeated StartExecution is idempotent. */
export function workflowInput(change: Pick<Change, 'changeId' | 'target'>): Record<string, unknown> {
  return { changeId: change.changeId, target: change.target };
}

/**
 * Writes a new change, its version (tests not yet passed) and its `ChangeProposed` entry in one
 * transaction, each conditioned on not existing yet, then starts its workflow (execution name = change
 * id); a workflow a crash left unstarted is started by the reconciler. Intake and advance both create
 * changes this way.
 * @param details - the entry's details beyond what every new change records (version, base version,
 *   title, type, risk, artifact SHA-256, policy, plan hash, approvals, tests, earliest start)
 * @param onConflict - the error to throw when the change or its version exists already
 * @returns the change with its execution ARN
 */
export async function commitNewChange(
  svc: Services,
  caller: Caller,
  change: Change,
  details: Readonly<Record<string, unknown>>,
  onConflict: () => Error,
): Promise<Change> {
  const { plan } = change;
  try {
    await svc.store.commit(
      [
        { kind: 'change', record: change, expectedRevision: null },
        {
          kind: 'version',
          record: {
            target: change.target,
            version: change.version,
            changeId: change.changeId,
            artifact: change.artifact,
            config: change.config,
            testsPassed: false,
            revision: 1,
            createdAt: change.createdAt,
          },
          expectedRevision: null,
        },
      ],
      {
        type: 'ChangeProposed',
        changeId: change.changeId,
        target: change.target,
        ...actorFields(caller),
        details: {
          version: change.version,
          baseVersion: change.baseVersion,
          title: change.title,
          changeType: change.changeType,
          riskLevel: change.riskLevel,
          artifactSha256: change.artifact.sha256,
          policy: plan.policy,
          // The whole plan's canonical hash: an evidence pack's plan.json must have it.
          planSha256: canonicalSha256(plan),
          approvals: plan.approvals.groups.map((g) => ({ name: g.name, required: g.required, eligible: g.eligible })),
          tests: plan.tests,
          earliestStart: plan.window.earliestStart,
          ...details,
        },
      },
    );
  } catch (err) {
    if (err instanceof WriteConflictError) throw onConflict();
    throw err;
  }
  const executionArn = await svc.workflow.start(change.changeId, workflowInput(change));
  return { ...change, executionArn };
}
