import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { BusEvent } from '../../../lambdas/core/ports';
import type { Services } from '../../../lambdas/core/use-cases/services';
import { makeHandler } from '../../../lambdas/handlers/events/publish-ledger';
import { captureLogLines } from './log-capture';

const record = (seq: number, kind = 'entry', eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT') => ({
  eventName,
  dynamodb: {
    SequenceNumber: `s${seq}`,
    NewImage: marshall({
      chain: 'target:t',
      kind,
      seq,
      time: '2026-11-22T10:00:00.000Z',
      type: 'ChangeProposed',
      changeId: 'c',
      actor: 'alice',
      details: {},
      prevHash: 'p',
      hash: `h${seq}`,
    }) as never,
  },
});

/** The publisher with a bus that fails on the events whose seq is in `failOn`. */
function publisher(failOn: number[] = []) {
  const published: BusEvent[] = [];
  const svc = {
    events: {
      publish: async (events: readonly BusEvent[]) => {
        if (events.some((e) => failOn.includes(e.detail.seq as number))) throw new Error('throttled');
        published.push(...events);
      },
    },
  } as unknown as Services;
  return { handler: makeHandler(svc), published };
}

describe('publish-ledger handler', () => {
  it('publishes each inserted ledger entry in order and skips the head item and non-inserts', async () => {
    const { handler, published } = publisher();
    const event = { Records: [record(1), record(0, 'head'), record(2), record(3, 'entry', 'MODIFY')] } as DynamoDBStreamEvent;

    await expect(handler(event)).resolves.toEqual({ batchItemFailures: [] });
    expect(published.map((e) => e.detail.hash)).toEqual(['h1', 'h2']);
  });

  it('reports the failed record and every later one, so the retry keeps the order', async () => {
    const { handler, published } = publisher([2]);
    const event = { Records: [record(1), record(2), record(3)] } as DynamoDBStreamEvent;

    let response: unknown;
    const lines = await captureLogLines(async () => {
      response = await handler(event);
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 's2' }, { itemIdentifier: 's3' }] });
    expect(published.map((e) => e.detail.seq)).toEqual([1]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'ledger event not published', sequenceNumber: 's2' }));
  });
});
