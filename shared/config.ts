/**
 * `GET /config.json` on the web origin (../shared/API.md, "Conventions"): what the web app reads at start-up.
 * `cognitoEndpoint` is null in the cloud, where the SDK's default Cognito endpoint applies.
 */
export interface WebConfig {
  apiUrl: string;
  wsUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  cognitoEndpoint: string | null;
}
