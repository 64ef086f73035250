import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { APP_NAME } from '../definitions.ts';
import type { StageConfig } from '../stage-config.ts';

export interface OpsStackProps extends StackProps {
  config: StageConfig;
  httpApi: HttpApi;
  webSocketApi: WebSocketApi;
  webSocketStage: WebSocketStage;
  table: ITable;
  /** Every function of the stage, by its name in infra/functions.ts. */
  functions: ReadonlyMap<string, IFunction>;
  /** The functions a DynamoDB stream mapping invokes: their IteratorAge says how far behind the stream they are. */
  streamFunctions: readonly string[];
  /** Work queues: depth and age of the oldest message. */
  queues: ReadonlyMap<string, IQueue>;
  /** Every dead-letter queue (including the stream mappings' and the schedules' failure queues): one alarm each. */
  deadLetterQueues: ReadonlyMap<string, IQueue>;
}

const FIVE_MINUTES = Duration.minutes(5);
/** Alarm thresholds; see README "Deploying a stage". */
export const ALARM_THRESHOLDS = {
  /** Percent of HTTP API requests answered 5xx in 5 minutes, two 5-minute periods out of three. */
  http5xxPercent: 5,
  /** Maximum stream iterator age, in milliseconds: a stream function this far behind is stuck or too slow. */
  iteratorAgeMs: 5 * 60 * 1000,
  /** Live-board frames that could not be posted in 5 minutes (after retries). */
  liveFramesFailed: 50,
  /** SES reputation rates (fractions): alarms well under the 5% / 0.1% at which SES reviews an account. */
  sesBounceRate: 0.02,
  sesComplaintRate: 0.0005,
} as const;

/**
 * One CloudWatch dashboard for the stage, and its alarms. Every alarm notifies one SNS topic (encrypted with a
 * key CloudWatch may use, TLS-only), which emails the stage's `alarmEmail` when cdk.json sets one.
 */
export class OpsStack extends Stack {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OpsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = `${APP_NAME}-${config.stage}`;

    const key = new Key(this, 'AlarmTopicKey', {
      description: `${prefix}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to an encrypted topic only if the key lets them (the aws/sns key would not).
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: `${prefix}-alarms`,
      displayName: `TeamFlow ${config.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new EmailSubscription(config.alarmEmail));
    const notify = new SnsAction(this.topic);
    const alarm = (id: string, alarmProps: ConstructorParameters<typeof Alarm>[2]): Alarm => {
      const made = new Alarm(this, id, { treatMissingData: TreatMissingData.NOT_BREACHING, ...alarmProps });
      made.addAlarmAction(notify);
      made.addOkAction(notify);
      this.alarms.push(made);
      return made;
    };

    // HTTP API.
    const requests = props.httpApi.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const clientErrors = props.httpApi.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const serverErrors = props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    const latency = (statistic: string) =>
      props.httpApi.metricLatency({ period: FIVE_MINUTES, statistic, label: `latency ${statistic}` });
    alarm('Http5xxRate', {
      alarmName: `${prefix}-http-5xx-rate`,
      alarmDescription: `More than ${ALARM_THRESHOLDS.http5xxPercent}% of HTTP API requests failed with a 5xx.`,
      metric: new MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: { requests, errors: serverErrors },
        period: FIVE_MINUTES,
        label: '5xx %',
      }),
      threshold: ALARM_THRESHOLDS.http5xxPercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    // Functions.
    const functionNames = [...props.functions.keys()].sort();
    const perFunction = (make: (fn: IFunction, name: string) => IMetric): IMetric[] =>
      functionNames.map((name) => make(props.functions.get(name) as IFunction, name));
    const lambdaMetric = (fn: IFunction, name: string, metricName: string, statistic: string) =>
      new Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { FunctionName: fn.functionName },
        statistic,
        period: FIVE_MINUTES,
        label: name,
      });
    for (const name of functionNames) {
      const fn = props.functions.get(name) as IFunction;
      alarm(`${name}-errors`, {
        alarmName: `${prefix}-${name}-errors`,
        alarmDescription: `Function ${name} failed (an uncaught error or a timeout).`,
        metric: lambdaMetric(fn, name, 'Errors', 'Sum'),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm(`${name}-throttles`, {
        alarmName: `${prefix}-${name}-throttles`,
        alarmDescription: `Function ${name} was throttled (account or reserved concurrency exhausted).`,
        metric: lambdaMetric(fn, name, 'Throttles', 'Sum'),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    const iteratorAges = props.streamFunctions.map((name) => {
      const fn = props.functions.get(name);
      if (!fn) throw new Error(`Stream function "${name}" is not among the stage's functions`);
      const metric = lambdaMetric(fn, name, 'IteratorAge', 'Maximum');
      alarm(`${name}-iterator-age`, {
        alarmName: `${prefix}-${name}-iterator-age`,
        alarmDescription: `The ${name} stream mapping is more than ${ALARM_THRESHOLDS.iteratorAgeMs / 60_000} minutes behind the table's stream.`,
        metric,
        threshold: ALARM_THRESHOLDS.iteratorAgeMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      });
      return metric;
    });

    // DynamoDB.
    const tableMetric = (metricName: string, statistic = 'Sum') =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: props.table.tableName },
        statistic,
        period: FIVE_MINUTES,
        label: metricName,
      });
    const tableThrottles = [tableMetric('ReadThrottleEvents'), tableMetric('WriteThrottleEvents')];
    alarm('TableThrottles', {
      alarmName: `${prefix}-table-throttles`,
      alarmDescription: 'DynamoDB throttled reads or writes on the table.',
      metric: new MathExpression({
        expression: 'reads + writes',
        usingMetrics: { reads: tableThrottles[0] as IMetric, writes: tableThrottles[1] as IMetric },
        period: FIVE_MINUTES,
        label: 'throttle events',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    // Queues: one alarm per dead-letter queue, on the first message.
    const queueMetric = (queue: IQueue, label: string, metricName: string, statistic = 'Maximum') =>
      new Metric({
        namespace: 'AWS/SQS',
        metricName,
        dimensionsMap: { QueueName: queue.queueName },
        statistic,
        period: FIVE_MINUTES,
        label,
      });
    const dlqDepths = [...props.deadLetterQueues.entries()].map(([name, queue]) => {
      const depth = queueMetric(queue, name, 'ApproximateNumberOfMessagesVisible');
      alarm(`${name}-messages`, {
        alarmName: `${prefix}-${name}-messages`,
        alarmDescription: `Dead-letter queue ${name} holds messages: something failed every retry. Inspect and redrive.`,
        metric: depth,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      return depth;
    });

    // WebSocket API.
    const webSocketMetric = (metricName: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: props.webSocketApi.apiId, Stage: props.webSocketStage.stageName },
        statistic: 'Sum',
        period: FIVE_MINUTES,
        label: metricName,
      });

    // The live board's broadcast (functions/stream/broadcast.ts publishes these with Powertools: namespace
    // TeamFlow/<stage>, dimension service). A failed frame closes its connection so the client catches up, but
    // many of them mean people are not seeing changes live.
    const liveMetric = (metricName: string) =>
      new Metric({
        namespace: `TeamFlow/${config.stage}`,
        metricName,
        dimensionsMap: { service: APP_NAME },
        statistic: 'Sum',
        period: FIVE_MINUTES,
        label: metricName,
      });
    alarm('BroadcastFramesFailed', {
      alarmName: `${prefix}-broadcast-frames-failed`,
      alarmDescription:
        `More than ${ALARM_THRESHOLDS.liveFramesFailed} live-board frames in 5 minutes could not be posted ` +
        '(throttled or 5xx from @connections after retries); their connections were closed to catch up.',
      metric: liveMetric('FramesFailed'),
      threshold: ALARM_THRESHOLDS.liveFramesFailed,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    // Notification email (issue 13): SES pauses an account whose bounce or complaint rate stays high, so an alarm
    // well before its review thresholds (5% bounces, 0.1% complaints); bounced and complaining addresses are
    // already mailed no more (functions/workers/ses-events.ts).
    for (const [id, metricName, threshold] of [
      ['SesBounceRate', 'Reputation.BounceRate', ALARM_THRESHOLDS.sesBounceRate],
      ['SesComplaintRate', 'Reputation.ComplaintRate', ALARM_THRESHOLDS.sesComplaintRate],
    ] as const) {
      alarm(id, {
        alarmName: `${prefix}-${metricName.toLowerCase().replace('reputation.', 'ses-')}`,
        alarmDescription: `The account's SES ${metricName} is over ${threshold * 100}%.`,
        metric: new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: FIVE_MINUTES }),
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    const wide = (title: string, left: IMetric[], right?: IMetric[]) =>
      new GraphWidget({ title, left, ...(right ? { right } : {}), width: 12, height: 6 });
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${prefix}` });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# TeamFlow ${config.stage}\nAlarms notify the SNS topic \`${prefix}-alarms\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      wide('HTTP API: requests, 4xx, 5xx', [requests, clientErrors, serverErrors]),
      wide('HTTP API: latency (ms)', [latency('p50'), latency('p95'), latency('p99')]),
    );
    this.dashboard.addWidgets(
      wide(
        'Functions: errors',
        perFunction((fn, name) => lambdaMetric(fn, name, 'Errors', 'Sum')),
      ),
      wide(
        'Functions: throttles',
        perFunction((fn, name) => lambdaMetric(fn, name, 'Throttles', 'Sum')),
      ),
    );
    this.dashboard.addWidgets(
      wide(
        'Functions: duration p95 (ms)',
        perFunction((fn, name) => lambdaMetric(fn, name, 'Duration', 'p95')),
      ),
      wide(
        'Functions: concurrent executions',
        perFunction((fn, name) => lambdaMetric(fn, name, 'ConcurrentExecutions', 'Maximum')),
      ),
    );
    this.dashboard.addWidgets(
      wide(
        'DynamoDB: consumed capacity',
        [tableMetric('ConsumedReadCapacityUnits'), tableMetric('ConsumedWriteCapacityUnits')],
        tableThrottles,
      ),
      wide('Table stream: iterator age (ms)', iteratorAges),
    );
    const workQueues = [...props.queues.entries()];
    this.dashboard.addWidgets(
      wide(
        'Queues: depth',
        workQueues.map(([name, queue]) => queueMetric(queue, name, 'ApproximateNumberOfMessagesVisible')),
      ),
      wide(
        'Queues: age of oldest message (s)',
        workQueues.map(([name, queue]) => queueMetric(queue, name, 'ApproximateAgeOfOldestMessage')),
      ),
    );
    this.dashboard.addWidgets(
      wide('Dead-letter queues: depth', dlqDepths),
      wide(
        'WebSocket: connections and messages',
        [webSocketMetric('ConnectCount'), webSocketMetric('MessageCount')],
        [webSocketMetric('IntegrationError'), webSocketMetric('ExecutionError')],
      ),
    );
    this.dashboard.addWidgets(
      wide(
        'Live board: frames sent, connections gone, frames failed',
        [liveMetric('FramesSent')],
        [liveMetric('ConnectionsGone'), liveMetric('FramesFailed')],
      ),
    );
  }
}
