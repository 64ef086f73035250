import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Created once per container. The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_DYNAMODB
// locally, the regional endpoint in the cloud): no code path differs between the two.
export const dynamoClient = new DynamoDBClient({});

export const ddb = DynamoDBDocumentClient.from(dynamoClient, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
