/**
 * Provisioned concurrency as Lambda keeps it, for the local Lambda stand-in (lambda.ts): one config
 * per published version or alias, never `$LATEST`; allocated in the background (IN_PROGRESS, then
 * READY, or FAILED when the version's execution environments cannot initialize); and refused
 * when it would leave the account's unreserved concurrency under its minimum. Errors and messages
 * as Lambda's API reference (PutProvisionedConcurrencyConfig, GetProvisionedConcurrencyConfig,
 * DeleteProvisionedConcurrencyConfig) and Lambda's answers.
 */

/** One config as the stand-in saves it with its function. Times ISO-8601; `readyAt` when the allocation ends. */
export interface ProvisionedState {
  readonly requested: number;
  status: 'IN_PROGRESS' | 'READY' | 'FAILED';
  reason?: string;
  readonly lastModified: string;
  readonly readyAt: string;
}

/** Lambda's default account concurrency (the "Concurrent executions" quota). */
export const ACCOUNT_CONCURRENCY = 1000;
/** What Lambda keeps unreserved for functions without reserved or provisioned concurrency. */
export const MIN_UNRESERVED = 100;
/** How long Lambda takes to allocate provisioned concurrency, in s of the runtime's clock ("a minute or two" in Lambda; a little here). */
export const ALLOCATION_SECONDS = 30;

const err = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * Refuses what Lambda refuses before it allocates anything.
 * @param qualifier - the version number or alias name of the request
 * @param known - whether the qualifier names a published version or an alias of the function
 * @param others - the amounts requested by every other config of the account
 * @throws InvalidParameterValueException for `$LATEST` (or no qualifier), an amount under 1, or one
 *   that would leave under {@link MIN_UNRESERVED} unreserved
 * @throws ResourceNotFoundException when the version or alias does not exist
 */
export function checkProvisionedRequest(qualifier: string | undefined, known: boolean, executions: number | undefined, others: readonly number[]): void {
  if (!qualifier || qualifier === '$LATEST')
    throw err('InvalidParameterValueException', 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
  if (!known) throw err('ResourceNotFoundException', `Function not found: ${qualifier}`);
  if (!Number.isInteger(executions) || (executions ?? 0) < 1)
    throw err('InvalidParameterValueException', 'ProvisionedConcurrentExecutions must be an integer of at least 1.');
  const reserved = others.reduce((sum, n) => sum + n, 0) + (executions ?? 0);
  if (ACCOUNT_CONCURRENCY - reserved < MIN_UNRESERVED) {
    throw err(
      'InvalidParameterValueException',
      `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`,
    );
  }
}

/** Lambda's refusal of a Get or Delete where there is no config (Get: its own exception; Delete: ResourceNotFoundException, the one its reference lists). */
export function noConfig(call: 'get' | 'delete'): Error {
  const message = 'No Provisioned Concurrency Config found for this function';
  return err(call === 'get' ? 'ProvisionedConcurrencyConfigNotFoundException' : 'ResourceNotFoundException', message);
}

/** The output of Put and Get. */
export function provisionedOut(state: ProvisionedState) {
  return {
    RequestedProvisionedConcurrentExecutions: state.requested,
    AllocatedProvisionedConcurrentExecutions: state.status === 'READY' ? state.requested : 0,
    AvailableProvisionedConcurrentExecutions: state.status === 'READY' ? state.requested : 0,
    Status: state.status,
    ...(state.reason ? { StatusReason: state.reason } : {}),
    LastModified: state.lastModified,
  };
}
