/**
 * Typed errors of CMV. Each has a `name` that the ASL `Catch` and the HTTP mapping use, and an
 * HTTP `statusCode`: below 500 the message is shown to the caller (middy's convention), 500 and
 * above become an opaque "internal error".
 */

/** One invalid field: `path` is the dotted path in the request body (e.g. `code.diff`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** Base of every error CMV raises on purpose. */
export abstract class CmvError extends Error {
  abstract readonly statusCode: number;
  /** middy's http-error-handler shows the message only when `expose` is true. */
  get expose(): boolean {
    return this.statusCode < 500;
  }
}

/** 400: the request is malformed; `errors` names each bad field and why. */
export class ValidationError extends CmvError {
  override readonly name = 'ValidationError';
  readonly statusCode = 400;
  constructor(
    message: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(message);
  }
  /** A validation error about one field. */
  static field(path: string, message: string): ValidationError {
    return new ValidationError(`${path}: ${message}`, [{ path, message }]);
  }
}

/** 401: no known caller. */
export class UnauthorizedError extends CmvError {
  override readonly name = 'UnauthorizedError';
  readonly statusCode = 401;
}

/** 403: the caller is known but may not do this (e.g. a requester approving their own change). */
export class ForbiddenError extends CmvError {
  override readonly name = 'ForbiddenError';
  readonly statusCode = 403;
}

/** 404: the change, target or version does not exist. */
export class NotFoundError extends CmvError {
  override readonly name = 'NotFoundError';
  readonly statusCode = 404;
}

/** 406: the caller does not accept the only representation there is (e.g. the evidence pack's zip). */
export class NotAcceptableError extends CmvError {
  override readonly name = 'NotAcceptableError';
  readonly statusCode = 406;
}

/** 409: the request conflicts with the current state (version exists, change not awaiting approval, stale revision). */
export class ConflictError extends CmvError {
  override readonly name = 'ConflictError';
  readonly statusCode = 409;
}

/** 422: the request is well formed but cannot be processed as sent (e.g. an `Idempotency-Key` reused with another request). */
export class UnprocessableError extends CmvError {
  override readonly name = 'UnprocessableError';
  readonly statusCode = 422;
}

/**
 * 409: the alias changed between reading it and updating it (a stale RevisionId; the Lambda adapter
 * maps Lambda's refusal to it). `syncAlias` reads again and retries; elsewhere it is a 409.
 */
export class StaleAliasError extends ConflictError {}

/**
 * 409: the code of a version could not be signed (its signing job failed), or Lambda refused the
 * signed code (its code signing configuration): the change fails with this reason.
 */
export class CodeSigningError extends CmvError {
  override readonly name = 'CodeSigningFailed';
  readonly statusCode = 409;
}

/** The signing job of a version's code is still running after the wait a task allows: the workflow retries `CodeSigningInProgress` (the same job). */
export class CodeSigningInProgressError extends CmvError {
  override readonly name = 'CodeSigningInProgress';
  readonly statusCode = 503;
}

/** Another change is deploying to the target; the workflow retries `TargetBusy` until it is free (one deployment per target). */
export class TargetBusyError extends CmvError {
  override readonly name = 'TargetBusy';
  readonly statusCode = 409;
}

/**
 * 503: a write could not commit because other writers kept moving the head of its ledger chain (every
 * state change of a target appends to the target's chain). Nothing was written; trying again later succeeds. The API
 * answers 503 with `Retry-After` ({@link retryAfterSeconds}, s); every workflow task retries it.
 */
export class LedgerContentionError extends CmvError {
  override readonly name = 'LedgerContention';
  readonly statusCode = 503;
  readonly retryAfterSeconds = 1;
}

/**
 * 503: a read of the audit trail could not be recorded (the `AuditQueried` entry did not commit), so
 * it is refused: no one reads the trail without the read being on it. Nothing was answered; try again.
 */
export class AuditReadNotRecordedError extends CmvError {
  override readonly name = 'AuditReadNotRecorded';
  readonly statusCode = 503;
}

/** Raised by deploy steps when the artifact, alias or function is not in the state required; ASL → rollback. */
export class DeploymentError extends CmvError {
  override readonly name = 'DeploymentError';
  readonly statusCode = 500;
}

/**
 * 409: CMV could not assume a target's deploy role (STS refused AssumeRole: the role does not exist,
 * does not trust CMV's handler roles, or CMV's role may not assume it). The message names the role
 * and STS's reason; a change deploying there fails with it.
 */
export class DeployRoleError extends CmvError {
  override readonly name = 'DeployRoleError';
  readonly statusCode = 409;
}

/** A digest with this seq is stored already (the digest store refused a conditional put, HTTP 412): another writer made it first. */
export class DigestExistsError extends CmvError {
  override readonly name = 'DigestExists';
  readonly statusCode = 409;
}

/**
 * A workflow task token that can no longer be used: its wait already ended (answered, timed out, or
 * the execution stopped). The workflow adapter maps the orchestrator's refusals to it; such a token
 * is spent, not failed.
 */
export class SpentTaskTokenError extends CmvError {
  override readonly name = 'SpentTaskToken';
  readonly statusCode = 500;
}

/**
 * A workflow execution of this name exists already (starting one is idempotent by name): the
 * workflow adapter maps the orchestrator's refusal to it.
 */
export class WorkflowExistsError extends CmvError {
  override readonly name = 'WorkflowExists';
  readonly statusCode = 500;
}
