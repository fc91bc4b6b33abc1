import { stackTargetsFromEnvironment } from '../../../lambdas/adapters/stack-targets';

describe('stackTargetsFromEnvironment()', () => {
  it('reads the targets the stack grants from CMV_STACK_TARGETS', () => {
    // Arrange
    const env = { CMV_STACK_TARGETS: '[{"name":"benefit-calculator","functionName":"benefit-calculator","alias":"live"}]' };
    // Act / Assert
    expect(stackTargetsFromEnvironment(env)).toEqual([{ name: 'benefit-calculator', functionName: 'benefit-calculator', alias: 'live' }]);
  });

  it('sets no limit when the variable is unset', () => {
    expect(stackTargetsFromEnvironment({})).toBeUndefined();
  });

  it('rejects a value that is not JSON, or not a list of targets, naming the variable', () => {
    expect(() => stackTargetsFromEnvironment({ CMV_STACK_TARGETS: 'benefit-calculator' })).toThrow(/CMV_STACK_TARGETS is not JSON/);
    expect(() => stackTargetsFromEnvironment({ CMV_STACK_TARGETS: '[{"name":"x"}]' })).toThrow(
      /CMV_STACK_TARGETS is not a list of \{name, functionName, alias\}/,
    );
  });
});
