/** The environment variable naming the endpoint of the integration suite's one DynamoDB Local. */
export const SHARED_DYNAMODB_ENV = 'CMV_TEST_SHARED_DYNAMODB';
