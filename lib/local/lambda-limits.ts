/**
 * Lambda's limits and routing rules that the local Lambda enforces, so that what passes locally
 * passes in AWS: each refusal has the error name and message Lambda sends (recorded against AWS by
 * LocalStack's snapshot tests, tests/aws/services/lambda_/test_lambda_api.snapshot.json, and quoted
 * in reports of the 4 KB limit), not a local paraphrase.
 */

/** Lambda quotas: "Function environment variables: 4 KB" for all of a function's variables together. */
export const ENVIRONMENT_LIMIT_BYTES = 4096;

const err = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * Refuses an environment whose variables, measured as Lambda measures them (the UTF-8 bytes of the
 * JSON of keys and values), exceed 4 KB: CreateFunction and UpdateFunctionConfiguration fail whole.
 * @throws InvalidParameterValueException quoting the string measured, as Lambda does
 */
export function checkEnvironment(variables: Record<string, string>): void {
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured, 'utf8') <= ENVIRONMENT_LIMIT_BYTES) return;
  throw err(
    'InvalidParameterValueException',
    `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
  );
}

/**
 * Refuses an alias routing Lambda refuses (CreateAlias, UpdateAlias): `AdditionalVersionWeights`
 * keys must be version numbers and weights 0.0–1.0 (the API model's constraints, checked first:
 * ValidationException), at most one additional version, never the primary version itself, and no
 * additional version at all when the primary is `$LATEST` (InvalidParameterValueException).
 * Whether the versions exist is the caller's check (ResourceNotFoundException).
 * @param primary - the alias's `FunctionVersion`
 * @param weights - `RoutingConfig.AdditionalVersionWeights`: version → share of traffic (0–1)
 */
export function checkRouting(primary: string, weights: Record<string, number>): void {
  const entries = Object.entries(weights);
  if (entries.length === 0) return;
  const shown = `{${entries.map(([v, w]) => `${v}=${javaDouble(w)}`).join(', ')}}`;
  const invalid = (constraint: string) =>
    err(
      'ValidationException',
      `1 validation error detected: Value '${shown}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: ${constraint}`,
    );
  if (entries.some(([v]) => !/^[0-9]+$/.test(v) || v.length > 1024)) {
    throw invalid(
      'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]',
    );
  }
  if (entries.some(([, w]) => typeof w !== 'number' || Number.isNaN(w) || w < 0 || w > 1)) {
    throw invalid(
      'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]',
    );
  }
  if (entries.length > 1) throw err('InvalidParameterValueException', 'Number of items in AdditionalVersionWeights cannot be greater than 1');
  if (primary in weights) {
    throw err(
      'InvalidParameterValueException',
      `Invalid function version ${primary}. Function version ${primary} is already included in routing configuration.`,
    );
  }
  if (primary === '$LATEST') throw err('InvalidParameterValueException', '$LATEST is not supported for an alias pointing to more than 1 version');
}

/** A number as Java prints a double (Lambda's messages do): `2` → `2.0`. */
function javaDouble(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}
