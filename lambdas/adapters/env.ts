/**
 * Reads a required environment variable once.
 * @throws Error naming the variable when it is missing or empty
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
}
