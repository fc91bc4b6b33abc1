import type { FunctionHost } from '../../../lambdas/core/ports';
import { awsServices } from '../../../lambdas/handlers/aws-services';

const ENV = { CHANGES_TABLE: 'changes', LEDGER_TABLE: 'ledger', CODEDEPLOY_APPLICATION: 'cmv' };

describe('awsServices()', () => {
  const saved = { ...process.env };
  beforeEach(() => Object.assign(process.env, ENV));
  afterEach(() => {
    process.env = { ...saved };
  });

  it('builds the ports the handler names, with their factories', () => {
    // Arrange
    const functions = {} as FunctionHost;

    // Act
    const svc = awsServices({ functions: () => functions });

    // Assert
    expect(svc.functions).toBe(functions);
  });

  it('gives a port the handler did not name as one that throws on use, naming the port', async () => {
    // Act
    const svc = awsServices({});

    // Assert
    expect(() => svc.workflow.start('c1', {})).toThrow(/^this handler has no workflow port \(reached through start\)/);
    expect(() => svc.artifacts.read('s3://b/k')).toThrow(/no artifacts port/);
    expect(() => svc.notifier.send({} as never)).toThrow(/no notifier port/);
    await expect(svc.settings.linkSecret()).rejects.toThrow(/no linkSecret port/);
  });

  it('leaves the optional ports the handler did not name absent, as the use cases expect', () => {
    // Act
    const svc = awsServices({});

    // Assert: absent, not throwing (use cases test for them)
    expect([svc.metrics, svc.codeDeploy, svc.events]).toEqual([undefined, undefined, undefined]);
    expect(svc.settings.codeDeploy).toEqual({ application: 'cmv', hooks: { beforeAllowTraffic: undefined, afterAllowTraffic: undefined } });
  });
});
