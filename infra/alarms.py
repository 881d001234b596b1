"""CloudWatch alarms for every sign that work is being lost, delayed or refused, sent to SNS.

The alarms always reach a topic: the one named by context `alarmTopicArn`, or one this stack
creates (context `alarmEmail` subscribes an address to it; otherwise subscribe to the
`AlarmTopicArn` output). An alarm nobody receives is only a graph.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge
from inngest_lambda import settings
from inngest_lambda.core import metrics

PERIOD = Duration.minutes(5)
# Work older than this in the queue means the executor is not keeping up (or is failing).
OLDEST_MESSAGE_ALARM_SECONDS = 3600
# A Lambda duration above this share of its timeout is one slow request from being killed.
NEAR_TIMEOUT_SHARE = 0.8


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        executor: lambda_.IFunction,
        api_function: lambda_.IFunction,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
        table: dynamodb.ITable,
        api_errors: Callable[..., tuple[cloudwatch.IMetric, cloudwatch.IMetric]],
        schedule_group_name: str,
        topic_arn: str | None = None,
        email: str | None = None,
        api_4xx_threshold: int = 500,
        rate_blocked: Callable[..., cloudwatch.IMetric] | None = None,
        realtime_errors: Callable[..., cloudwatch.IMetric] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if topic_arn:
            self.topic: sns.ITopic = sns.Topic.from_topic_arn(self, "Topic", topic_arn)
        else:
            topic = sns.Topic(self, "Topic", display_name="inngest-lambda alarms", enforce_ssl=True)
            acknowledge(
                topic,
                "AwsSolutions-SNS2",
                "Alarm notifications carry no user data (alarm names and states); CloudWatch"
                " alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and a"
                " customer-managed key would cost at rest.",
            )
            self.topic = topic
        if email:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        def at_least_one(metric: cloudwatch.IMetric) -> dict:
            return {"metric": metric, "threshold": 1}

        sum_ = {"period": PERIOD, "statistic": "Sum"}

        def ours(name: str, function: lambda_.IFunction) -> cloudwatch.IMetric:
            """One of the runtime's own EMF metrics (metrics.py), of one function."""
            return cloudwatch.Metric(
                namespace=metrics.NAMESPACE,
                metric_name=name,
                dimensions_map={"FunctionName": function.function_name},
                **sum_,
            )

        max_ = {"period": PERIOD, "statistic": "Maximum"}
        client_errors, server_errors = api_errors(**sum_)
        self._add(
            "DeadLetters",
            "Messages in the dead-letter queue: work the runtime gave up on (see docs/deploy.md"
            " for the re-drive)",
            **at_least_one(dead_letter_queue.metric_approximate_number_of_messages_visible(**max_)),
        )
        self._add(
            "OldestWork",
            f"The oldest work message is over {OLDEST_MESSAGE_ALARM_SECONDS // 60} minutes old:"
            " the executor is not keeping up, or keeps failing one run",
            metric=queue.metric_approximate_age_of_oldest_message(**max_),
            threshold=OLDEST_MESSAGE_ALARM_SECONDS,
        )
        self._add(
            "DriveFailures",
            "Drives failed inside the executor (caught per message, so Lambda's Errors metric"
            " does not count them); the message is retried, then dead-lettered",
            **at_least_one(ours(metrics.DRIVE_FAILURES, executor)),
        )
        self._add(
            "TableThrottles",
            "DynamoDB throttled reads or writes of the table (a hot partition or an account limit)",
            **at_least_one(
                cloudwatch.MathExpression(
                    expression="r + w",
                    using_metrics={
                        "r": table.metric("ReadThrottleEvents", **sum_),
                        "w": table.metric("WriteThrottleEvents", **sum_),
                    },
                    period=PERIOD,
                    label="Throttle events",
                )
            ),
        )
        self._add(
            "Api5xx",
            "The API answered 5xx",
            **at_least_one(server_errors),
        )
        self._add(
            "Api4xxSurge",
            f"More than {api_4xx_threshold} 4xx answers in 5 minutes (bad keys, bad input, or"
            " 429s from the stage's throttle)",
            metric=client_errors,
            threshold=api_4xx_threshold,
        )
        if rate_blocked is not None:  # the WAF front door: its blocks never reach the stage
            self._add(
                "ApiRateBlockedSurge",
                f"WAF's per-IP rate rule blocked more than {api_4xx_threshold} requests in 5"
                " minutes (a client over wafRateLimit: a flood, or a legitimate sender to let"
                " through)",
                metric=rate_blocked(**sum_),
                threshold=api_4xx_threshold,
            )
        if realtime_errors is not None:
            self._add(
                "RealtimeErrors",
                "The realtime WebSocket API's routes failed ($connect, $disconnect: the API"
                " Lambda erred or timed out), so subscribers could not connect",
                **at_least_one(realtime_errors(**sum_)),
            )
        self._add(
            "RealtimePostFailures",
            "Realtime messages could not be posted to subscribed connections (other than gone"
            " ones): API Gateway throttled or refused the management API",
            # Both functions publish: the API for other backends, the executor for the
            # functions it serves (their publishes stay in-process).
            **at_least_one(
                cloudwatch.MathExpression(
                    expression="a + e",
                    using_metrics={
                        "a": ours(metrics.REALTIME_POST_FAILURES, api_function),
                        "e": ours(metrics.REALTIME_POST_FAILURES, executor),
                    },
                    period=PERIOD,
                    label="Failed realtime posts",
                )
            ),
        )
        self._add(
            "SchedulerDropped",
            "EventBridge Scheduler dropped invocations of this stack's schedules (timers and"
            " cron): a run may not wake up",
            **at_least_one(
                cloudwatch.Metric(
                    namespace="AWS/Scheduler",
                    metric_name="InvocationDroppedCount",
                    dimensions_map={"ScheduleGroup": schedule_group_name},
                    **sum_,
                )
            ),
        )
        for name, function, timeout in (
            ("Executor", executor, settings.LAMBDA_TIMEOUT_SECONDS),
            ("Api", api_function, settings.API_TIMEOUT_SECONDS),
        ):
            self._add(
                f"{name}Errors",
                f"The {name.lower()} Lambda failed invocations (crashes, timeouts)",
                **at_least_one(function.metric_errors(**sum_)),
            )
            self._add(
                f"{name}Throttles",
                f"The {name.lower()} Lambda was throttled (its concurrency limit was reached)",
                **at_least_one(function.metric_throttles(**sum_)),
            )
            self._add(
                f"{name}NearTimeout",
                f"A {name.lower()} invocation took over {int(NEAR_TIMEOUT_SHARE * 100)}% of its"
                f" {timeout} s timeout",
                metric=function.metric_duration(**max_),
                threshold=int(timeout * 1000 * NEAR_TIMEOUT_SHARE),
            )

    def _add(
        self, name: str, description: str, *, metric: cloudwatch.IMetric, threshold: float
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            name,
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms[name] = alarm
