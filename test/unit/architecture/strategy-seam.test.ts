import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '../../..');
const STRATEGIES_DIR = 'lambdas/core/strategies/';
/** A comparison with a strategy's name: what the strategy modules answer instead. */
const BY_NAME = /strategy ===|strategy !==|=== 'codedeploy'|=== 'alias-weights'|case 'codedeploy'|case 'alias-weights'/;

function tsFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('the deployment strategy seam', () => {
  it('compares no strategy name outside lambdas/core/strategies', () => {
    // Arrange
    const files = ['lambdas', 'lib', 'bin'].flatMap(tsFiles).filter((f) => !relative(root, join(root, f)).startsWith(STRATEGIES_DIR));

    // Act
    const hits = files.flatMap((f) =>
      readFileSync(join(root, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (BY_NAME.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );

    // Assert (the walk found the sources, so the check is not vacuous)
    expect(files).toEqual(expect.arrayContaining(['lambdas/core/use-cases/deploy.ts', 'bin/cmv.ts']));
    expect(hits).toEqual([]);
  });
});
