import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type State = { Type: string; Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[] };
const definition = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'statemachines', 'change-lifecycle.asl.json'), 'utf8')) as {
  States: Record<string, State>;
};
const lambdaTasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task' && !/codebuild/.test(JSON.stringify(s)));

describe('statemachines/change-lifecycle.asl.json', () => {
  it.each(lambdaTasks.map(([name, s]) => [name, s] as const))(
    '%s retries LedgerContention, so contention on the ledger never fails an accepted change',
    (_name, state) => {
      const retrier = state.Retry?.find((r) => r.ErrorEquals.includes('LedgerContention') || r.ErrorEquals.includes('States.ALL'));
      expect(retrier).toBeDefined();
      expect(retrier?.MaxAttempts ?? 3).toBeGreaterThanOrEqual(3);
    },
  );
});
