"""CloudWatch alarms for the three signs that work is being lost or delayed."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

PERIOD = Duration.minutes(5)


class Alarms(Construct):
    """DLQ not empty, Lambda errors, Lambda throttles. Optionally notify an SNS topic."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        dead_letter_queue: sqs.IQueue,
        topic_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        common = {
            "threshold": 1,
            "evaluation_periods": 1,
            "comparison_operator": cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            "treat_missing_data": cloudwatch.TreatMissingData.NOT_BREACHING,
        }
        self.dead_letters = cloudwatch.Alarm(
            self,
            "DeadLetters",
            alarm_description="Messages in the dead-letter queue: work the runtime gave up on",
            metric=dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic="Maximum"
            ),
            **common,
        )
        self.errors = cloudwatch.Alarm(
            self,
            "Errors",
            alarm_description="The worker Lambda failed invocations (crashes, timeouts)",
            metric=function.metric_errors(period=PERIOD, statistic="Sum"),
            **common,
        )
        self.throttles = cloudwatch.Alarm(
            self,
            "Throttles",
            alarm_description="The worker Lambda was throttled (concurrency limit reached)",
            metric=function.metric_throttles(period=PERIOD, statistic="Sum"),
            **common,
        )
        if topic_arn:
            topic = sns.Topic.from_topic_arn(self, "Topic", topic_arn)
            for alarm in (self.dead_letters, self.errors, self.throttles):
                alarm.add_alarm_action(actions.SnsAction(topic))
