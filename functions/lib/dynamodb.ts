import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Created once per container. The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB
// locally, the regional endpoint in the cloud): no code path differs between the two.
export const dynamoClient = new DynamoDBClient({});

export const ddb = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});

/** DynamoDB requests made while serving one request, by operation (e.g. `{ GetItem: 1, Query: 1 }`). */
export type DynamoCalls = Record<string, number>;

const callsOfRequest = new AsyncLocalStorage<DynamoCalls>();

// Counts every command sent, into the counter of the request being served (a context per request, since the
// local runtime serves many at once in one process). Each retry of a command is not counted again: this is the
// work the code asks for.
dynamoClient.middlewareStack.add(
  (next, context) => async (args) => {
    const calls = callsOfRequest.getStore();
    if (calls) {
      const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
      calls[operation] = (calls[operation] ?? 0) + 1;
    }
    return next(args);
  },
  { step: 'initialize', name: 'countDynamoCalls' },
);

/** Runs `work`, counting the DynamoDB requests it makes. */
export async function countingDynamoCalls<T>(
  work: () => Promise<T>,
): Promise<{ result: T; calls: DynamoCalls }> {
  const calls: DynamoCalls = {};
  const result = await callsOfRequest.run(calls, work);
  return { result, calls };
}
