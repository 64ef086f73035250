import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import {
  AccountRecovery,
  UserPool,
  UserPoolClient,
  VerificationEmailStyle,
  type AuthFlow,
} from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { tableName, userPool as poolDefinition, userPoolClientName, userPoolName } from '../definitions.ts';
import { TeamFlowFunction, type FunctionSettings } from './function.ts';

export interface AuthStackProps extends StackProps {
  settings: FunctionSettings;
  table: ITable;
}

type ExplicitAuthFlow = (typeof poolDefinition.explicitAuthFlows)[number];

// ALLOW_REFRESH_TOKEN_AUTH has no switch: CDK always enables it, as every client needs it.
const AUTH_FLOW_SWITCHES: Record<ExplicitAuthFlow, keyof AuthFlow | undefined> = {
  ALLOW_USER_PASSWORD_AUTH: 'userPassword',
  ALLOW_USER_SRP_AUTH: 'userSrp',
  ALLOW_REFRESH_TOKEN_AUTH: undefined,
};

function authFlows(flows: readonly ExplicitAuthFlow[]): AuthFlow {
  const result: { -readonly [K in keyof AuthFlow]: AuthFlow[K] } = {};
  for (const flow of flows) {
    const key = AUTH_FLOW_SWITCHES[flow];
    if (key) result[key] = true;
  }
  return result;
}

/** The user pool people sign in to, its web app client, and the trigger that creates their profile. */
export class AuthStack extends Stack {
  readonly userPool: UserPool;
  readonly postConfirmation: TeamFlowFunction;
  readonly webClient: UserPoolClient;
  /** What API Gateway's JWT authorizer and the WebSocket $connect function check ID tokens against. */
  readonly jwtIssuer: string;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { settings, table } = props;
    const { config } = settings;

    // The trigger gets only the table: giving it the pool's id or issuer would make pool and function depend on
    // each other (the pool names the function as its trigger).
    const postConfirmation = (this.postConfirmation = new TeamFlowFunction(
      this,
      poolDefinition.postConfirmationFunction,
      {
        settings,
        environment: { TABLE_NAME: tableName(config.stage) },
      },
    ));
    // Exactly what UserService.register does (read the profile, create or update it); no Query, no Delete.
    Grant.addToPrincipal({
      grantee: postConfirmation,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resourceArns: [table.tableArn],
    });

    const password = poolDefinition.passwordPolicy;
    this.userPool = new UserPool(this, poolDefinition.id, {
      userPoolName: userPoolName(config.stage),
      selfSignUpEnabled: true,
      signInAliases: { email: poolDefinition.usernameAttributes.includes('email') },
      signInCaseSensitive: false,
      autoVerify: { email: poolDefinition.autoVerifiedAttributes.includes('email') },
      standardAttributes: { email: { required: true, mutable: true } },
      userVerification: { emailStyle: VerificationEmailStyle.CODE },
      passwordPolicy: {
        minLength: password.minimumLength,
        requireLowercase: password.requireLowercase,
        requireUppercase: password.requireUppercase,
        requireDigits: password.requireDigits,
        requireSymbols: password.requireSymbols,
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      lambdaTriggers: { postConfirmation },
      deletionProtection: config.retainData,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const poolFindings = Validations.of(this.userPool);
    poolFindings.acknowledge({
      id: 'AwsSolutions-COG1',
      reason:
        'The password policy is infra/definitions.ts (8+ characters with upper, lower and digits, no symbol ' +
        'required), as NIST SP 800-63B advises against composition rules beyond length; Cognito still blocks ' +
        'repeated failed sign-ins.',
    });
    poolFindings.acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is not part of the product yet (the web app has no enrolment flow); turning it on as REQUIRED would ' +
        'lock every user out. Planned as OPTIONAL with TOTP.',
    });
    poolFindings.acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection needs the Cognito Plus feature plan (billed per active user); the pool uses the ' +
        'Essentials plan until the product needs adaptive authentication.',
    });

    const validity = poolDefinition.tokenValidity;
    this.webClient = this.userPool.addClient(poolDefinition.clientId, {
      // The same name the local bootstrap gives the client.
      userPoolClientName: userPoolClientName(config.stage),
      generateSecret: false,
      authFlows: authFlows(poolDefinition.explicitAuthFlows),
      // The web app signs in with the API (USER_PASSWORD_AUTH / SRP), not the hosted UI: without this CDK would
      // enable the OAuth code and implicit grants with a placeholder callback URL.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.minutes(validity.idTokenMinutes),
      accessTokenValidity: Duration.minutes(validity.accessTokenMinutes),
      refreshTokenValidity: Duration.days(validity.refreshTokenDays),
    });

    this.jwtIssuer = `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`;

    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.webClient.userPoolClientId });
  }
}
