/**
 * The JSON lines Powertools' Logger writes (to stdout, errors to stderr) while `fn` runs, parsed;
 * lines that are not JSON objects are left out.
 */
export async function captureLogLines(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const keep = (chunk: unknown) => {
    for (const line of String(chunk).split('\n')) {
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed && typeof parsed === 'object') lines.push(parsed as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(keep);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(keep);
  try {
    await fn().catch(() => undefined);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines;
}
