import { actorFields } from '../actor';
import { AuditReadNotRecordedError, LedgerContentionError } from '../errors';
import { AUDIT_QUERIED } from '../ledger';
import type { Caller, Services } from './services';

/**
 * Records a read of the audit trail before it is answered: an `AuditQueried` entry on the chain
 * `audit-reads` naming the reader (id, roles, source IP, user agent), the endpoint and the query as
 * parsed. Called after the read ran and before its answer leaves: a refused or malformed request
 * writes nothing (the API's access log keeps those), and no answer leaves unrecorded.
 * @param endpoint - method and route, e.g. `GET /audit`
 * @param query - the query's parameters as the handler parsed them
 * @throws LedgerContentionError (503, Retry-After) when the chain stayed busy
 * @throws AuditReadNotRecordedError (503) when the entry could not be written for any other reason: the read is refused
 */
export async function recordAuditRead(svc: Services, caller: Caller, endpoint: string, query: Record<string, unknown>): Promise<void> {
  try {
    await svc.store.commit([], { type: AUDIT_QUERIED, ...actorFields(caller), details: { endpoint, query } });
  } catch (err) {
    if (err instanceof LedgerContentionError) throw err;
    console.error(JSON.stringify({ level: 'ERROR', message: 'audit read not recorded', endpoint, error: (err as Error).message }));
    throw new AuditReadNotRecordedError(`the read of the audit trail could not be recorded, so it is not answered; try again (${endpoint})`);
  }
}
