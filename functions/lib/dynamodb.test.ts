import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { RateLimitedError } from './errors.ts';
import { admittedBy, ddb, dynamoClient } from './dynamodb.ts';

// No table and no account: the client only needs a region and some credentials to get as far as the wire.
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'unit';
process.env.AWS_SECRET_ACCESS_KEY ??= 'unit';

// The commands that reach the wire, in order; answered here, so no table is needed. The gate under test runs
// in the `initialize` step, before this one.
const sent: string[] = [];
dynamoClient.middlewareStack.add(
  (_next, context) => async () => {
    sent.push(String(context.commandName).replace(/Command$/, ''));
    return { output: { $metadata: {} }, response: {} } as never;
  },
  { step: 'finalizeRequest', name: 'answerHere' },
);

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const get = () => ddb.send(new GetCommand({ TableName: 't', Key: { pk: 'a', sk: 'b' } }));
const put = () => ddb.send(new PutCommand({ TableName: 't', Item: { pk: 'a', sk: 'b' } }));
const transact = () =>
  ddb.send(
    new TransactWriteCommand({ TransactItems: [{ Put: { TableName: 't', Item: { pk: 'a', sk: 'c' } } }] }),
  );
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

beforeEach(() => {
  sent.length = 0;
});

describe('admittedBy', () => {
  it('lets reads go at once and holds writes until the admission passes', async () => {
    const admission = deferred();
    const done = admittedBy(admission.promise, async () => {
      await get();
      await Promise.all([put(), transact()]);
      return 'written';
    });
    await settle();
    expect(sent).toEqual(['GetItem']);
    admission.resolve();
    await expect(done).resolves.toBe('written');
    expect(sent).toEqual(['GetItem', 'PutItem', 'TransactWriteItems']);
  });

  it('a refused admission is the answer, and nothing is written', async () => {
    const admission = deferred();
    const done = admittedBy(admission.promise, async () => {
      await get();
      await put();
      return 'written';
    });
    await settle();
    admission.reject(new RateLimitedError(30));
    await expect(done).rejects.toBeInstanceOf(RateLimitedError);
    await settle();
    expect(sent).toEqual(['GetItem']);
  });

  it('does not hold writes made outside it', async () => {
    const admission = deferred();
    const done = admittedBy(admission.promise, get);
    await put();
    expect(sent).toContain('PutItem');
    admission.resolve();
    await done;
  });
});
