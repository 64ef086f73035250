import fs from 'node:fs';
import path from 'node:path';
import {
  Annotations,
  CfnOutput,
  DefaultStackSynthesizer,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import type { HttpApi, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  type CfnBucket,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct, IConstruct } from 'constructs';
import type { WebConfig } from '../../shared/config.ts';
import { APP_NAME } from '../definitions.ts';
import type { StageConfig } from '../stage-config.ts';

export interface WebStackProps extends StackProps {
  config: StageConfig;
  projectRoot: string;
  httpApi: HttpApi;
  webSocketApi: WebSocketApi;
  webSocketStage: WebSocketStage;
  userPoolId: string;
  userPoolClientId: string;
  /** The browser PUTs and GETs attachments there with presigned URLs, so the CSP must let it connect. */
  attachmentsBucket: IBucket;
}

/** The built SPA: Vite's output (web/vite.config.mts: `web/dist`, hashed files under `assets/`). */
export const WEB_DIST = path.join('web', 'dist');
/** What is deployed instead when there is no build, and in the assertion tests (bundling skipped). */
export const WEB_PLACEHOLDER = path.join('infra', 'web-placeholder');

/** Hashed file names never change content: browsers and CloudFront may keep them for a year. */
const IMMUTABLE = [
  CacheControl.setPublic(),
  CacheControl.maxAge(Duration.days(365)),
  CacheControl.immutable(),
];

/**
 * CloudFront Function on the default (S3) behaviour: a path whose last segment has no dot is a route of the
 * SPA (`/w/123/board`), so it gets the app shell. Files (`/assets/x.js`, `/config.json`) pass unchanged, and
 * `/api/*` never comes here (its own behaviour), so the API's own 403/404 replies reach the app untouched.
 */
export const SPA_REWRITE_CODE = `function handler(event) {
  var request = event.request;
  if (!/\\.[^/]*$/.test(request.uri)) {
    request.uri = '/index.html';
  }
  return request;
}`;

/**
 * The web app: a private bucket with the built SPA and its `config.json`, and the CloudFront distribution in front
 * of it that also routes `/api/*` to the HTTP API, so the app and the API share one origin.
 */
export class WebStack extends Stack {
  readonly siteBucket: Bucket;
  readonly distribution: Distribution;
  /** Where people open the app: the first custom domain, else the distribution's own name. */
  readonly url: string;
  /** The folder deployed: web/dist when built (and bundling runs), else the placeholder. */
  readonly siteDirectory: string;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.siteBucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !config.retainData,
    });
    Validations.of(this.siteBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the public build of the SPA and is read only by CloudFront (origin access ' +
        'control); the objects are replaced by each deployment, which CloudTrail records.',
    });

    const apiDomain = `${props.httpApi.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    const webSocketHost = `${props.webSocketApi.apiId}.execute-api.${this.region}.${this.urlSuffix}`;
    const contentSecurityPolicy = [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: https:",
      // The API is 'self' (/api/*); sign-in talks to Cognito directly; live updates over the WebSocket API;
      // attachments go straight to S3 with presigned URLs.
      `connect-src 'self' https://cognito-idp.${this.region}.amazonaws.com wss://${webSocketHost} https://${props.attachmentsBucket.bucketRegionalDomainName}`,
      "font-src 'self'",
      "manifest-src 'self'",
      "worker-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: `${APP_NAME}-${config.stage}-security-headers`,
      comment: 'TeamFlow: CSP, HSTS, no framing, no sniffing, referrer policy',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
    });

    const spaRewrite = new CloudFrontFunction(this, 'SpaRewrite', {
      functionName: `${APP_NAME}-${config.stage}-spa-rewrite`,
      comment: 'Extension-less paths get /index.html (client-side routes of the SPA)',
      code: FunctionCode.fromInline(SPA_REWRITE_CODE),
      runtime: FunctionRuntime.JS_2_0,
    });

    const custom = config.web;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `TeamFlow ${config.stage}`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      ...(custom
        ? {
            domainNames: custom.domainNames,
            certificate: Certificate.fromCertificateArn(this, 'Certificate', custom.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          // Never cached; every viewer header (Authorization), query string and cookie goes to the API, except
          // Host, which must be the API's own name.
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          responseHeadersPolicy: headers,
        },
      },
    });
    this.acknowledgeDistributionFindings(Boolean(custom));
    this.url = custom
      ? `https://${custom.domainNames[0]}`
      : `https://${this.distribution.distributionDomainName}`;

    // The SPA. Tests skip bundling, and a synth before `vite build` has no web/dist: both deploy the placeholder.
    const built = path.join(props.projectRoot, WEB_DIST);
    const useBuild = this.bundlingRequired && fs.existsSync(path.join(built, 'index.html'));
    if (this.bundlingRequired && !useBuild) {
      Annotations.of(this).addWarningV2(
        'teamflow:webNotBuilt',
        `${WEB_DIST} has no index.html: deploying the placeholder page. Build the web app first (npm run deploy does).`,
      );
    }
    this.siteDirectory = useBuild ? built : path.join(props.projectRoot, WEB_PLACEHOLDER);

    const webConfig: WebConfig = {
      apiUrl: `${this.url}/api`,
      wsUrl: props.webSocketStage.url,
      region: this.region,
      userPoolId: props.userPoolId,
      userPoolClientId: props.userPoolClientId,
      cognitoEndpoint: null,
    };
    // Two deployments: hashed assets with a year of caching, never pruned (a browser still running the previous
    // index.html can load its chunks); then the shell (index.html, config.json, anything else at the top) with
    // no-cache, pruned except for assets/, and a CloudFront invalidation.
    const assetsDirectory = path.join(this.siteDirectory, 'assets');
    const assets = fs.existsSync(assetsDirectory)
      ? new BucketDeployment(this, 'DeployAssets', {
          sources: [Source.asset(assetsDirectory)],
          destinationBucket: this.siteBucket,
          destinationKeyPrefix: 'assets/',
          prune: false,
          cacheControl: IMMUTABLE,
          memoryLimit: 512,
        })
      : undefined;
    const shell = new BucketDeployment(this, 'DeployShell', {
      sources: [
        Source.asset(this.siteDirectory, { exclude: ['assets', 'assets/**', 'config.json'] }),
        Source.jsonData('config.json', webConfig),
      ],
      destinationBucket: this.siteBucket,
      exclude: ['assets/*'],
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
    });
    if (assets) shell.node.addDependency(assets);
    this.acknowledgeDeploymentFindings(config);

    new CfnOutput(this, 'WebUrl', { value: this.url });
    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId });
    new CfnOutput(this, 'SiteBucketName', { value: this.siteBucket.bucketName });
  }

  private acknowledgeDistributionFindings(customDomain: boolean): void {
    const distribution = Validations.of(this.distribution);
    distribution.acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'TeamFlow is offered in every country; there is no region to exclude.',
    });
    distribution.acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'No WAF web ACL yet (a per-stage cost): the API behind /api/* is throttled per stage, requires a Cognito ' +
        'token on every route but health, and rate-limits per user; the rest is static files.',
    });
    distribution.acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        "Standard logging needs an ACL-enabled bucket, which this project avoids; the API's requests are in the " +
        "HTTP API's access log, and the static files carry no user data.",
    });
    if (!customDomain) {
      distribution.acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS ' +
          'policy CloudFront fixes; with webDomainNames set the stage gets TLSv1.2_2021.',
      });
    }
  }

  /** The BucketDeployment handler (one Lambda per stack, made by CDK): acknowledged on that function only. */
  private acknowledgeDeploymentFindings(config: StageConfig): void {
    const assetBucket = `cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-${config.account ?? '<AWS::AccountId>'}-${config.region}`;
    const siteBucket = this.getLogicalId(this.siteBucket.node.defaultChild as CfnBucket);
    const wildcards: Array<[string, string]> = [
      ['Action::s3:GetBucket*', 'reads the CDK asset bucket'],
      ['Action::s3:GetObject*', 'reads the zipped build from the CDK asset bucket'],
      ['Action::s3:List*', 'lists the site bucket to sync and prune it'],
      ['Action::s3:Abort*', 'writes the site bucket (multipart uploads)'],
      ['Action::s3:DeleteObject*', 'prunes files of the previous build from the site bucket'],
      [`Resource::arn:${this.partition}:s3:::${assetBucket}/*`, 'reads the build from the CDK asset bucket'],
      [`Resource::<${siteBucket}.Arn>/*`, 'writes every object of the site bucket, and only of it'],
      [
        'Resource::*',
        'creates the CloudFront invalidation (cloudfront:CreateInvalidation/GetInvalidation have no resource-level form in this grant)',
      ],
    ];
    const handlers = this.node.children.filter((child: IConstruct) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    for (const handler of handlers) {
      const findings = Validations.of(handler);
      findings.acknowledge({
        id: 'AwsSolutions-L1',
        reason: "CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib and moves with it.",
      });
      findings.acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's BucketDeployment handler role: only its own logs; the role is made by aws-cdk-lib.",
      });
      for (const [finding, what] of wildcards) {
        findings.acknowledge({
          id: `AwsSolutions-IAM5[${finding}]`,
          reason: `CDK's BucketDeployment handler (grant made by aws-cdk-lib) ${what}; it runs only during a deployment.`,
        });
      }
    }
  }
}
