import chunk from 'lodash/chunk';
import type { ChangeHistory } from '../compliance-facts';
import { type ComplianceReport, complianceReport } from '../compliance-report';
import { ValidationError } from '../errors';
import type { LedgerEntry } from '../ledger';
import type { AuditQuery, Page } from '../ports';
import type { Services } from './services';

/** Changes read at once (a ledger query and a record each). */
const CONCURRENCY = 10;
/** Ledger entries per page: the most `GET /audit` allows. */
const PAGE = 500;

/**
 * The most changes one report reads: about 2 × 2,000 small reads, 10 at a time, stay well inside
 * API Gateway's 29 s; a longer period, or a busier organisation, narrows `from`/`to` or names a target.
 */
export const MAX_REPORT_CHANGES = 2000;

/** What a report covers: a period [from, to) (ISO-8601, UTC with milliseconds: the ledger's form) and optional filters. */
export interface CompliancePeriod {
  readonly from: string;
  readonly to: string;
  readonly target?: string;
  readonly environment?: string;
}

/**
 * The compliance report of the changes proposed in [from, to) to the registered targets matching
 * `target` and `environment`. Reads through the ports only: the registered targets, the
 * `ChangeProposed` entries of the period, then each change's ledger entries and its record (for the
 * review its plan requires). A filter no registered target matches gives an empty report (as
 * `GET /changes?target=` and `GET /audit?target=` answer an empty list), whose `scope.targets` says so.
 * @param maxChanges - the most changes it reads ({@link MAX_REPORT_CHANGES})
 * @throws ValidationError (400) on `from` when the period holds more changes than `maxChanges`
 */
export async function reportCompliance(svc: Services, period: CompliancePeriod, maxChanges = MAX_REPORT_CHANGES): Promise<ComplianceReport> {
  const targets = (await svc.store.listTargets())
    .filter((t) => (!period.target || t.name === period.target) && (!period.environment || t.environment === period.environment))
    .map((t) => t.name)
    .sort();
  const scope = {
    from: period.from,
    to: period.to,
    ...(period.target ? { target: period.target } : {}),
    ...(period.environment ? { environment: period.environment } : {}),
    targets,
  };
  const filtered = period.target !== undefined || period.environment !== undefined;
  const proposals = filtered
    ? (await Promise.all(targets.map((target) => allPages(svc, { type: 'ChangeProposed', target, from: period.from, to: period.to })))).flat()
    : await allPages(svc, { type: 'ChangeProposed', from: period.from, to: period.to });
  // The ledger's `to` is inclusive; a report's period is not.
  const changeIds = [...new Set(proposals.filter((e) => e.time < period.to && e.changeId).map((e) => e.changeId as string))];
  if (changeIds.length > maxChanges) {
    throw ValidationError.field(
      'from',
      `the period holds ${changeIds.length} changes, more than the ${maxChanges} one report reads: narrow from/to, or name a target`,
    );
  }
  const changes: ChangeHistory[] = [];
  for (const ids of chunk(changeIds, CONCURRENCY)) {
    changes.push(
      ...(await Promise.all(
        ids.map(async (changeId) => {
          const [entries, record] = await Promise.all([allPages(svc, { changeId }), svc.store.getChange(changeId)]);
          return { changeId, entries, reviewRequired: record?.plan.postImplementationReview ?? false };
        }),
      )),
    );
  }
  return complianceReport({ scope, asOf: svc.now().toISOString(), changes });
}

/** Every entry matching `query`, page by page. */
async function allPages(svc: Services, query: Omit<AuditQuery, 'limit' | 'nextToken'>): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page: Page<LedgerEntry> = await svc.ledger.query({ ...query, limit: PAGE, ...(nextToken ? { nextToken } : {}) });
    entries.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return entries;
}
