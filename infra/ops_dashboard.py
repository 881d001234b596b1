"""A CloudWatch dashboard beside the alarms: runs, steps, sleeps and the queue, per function.

The run and step figures are the runtime's embedded-metric-format lines (`metrics.py`): the
functions are not known when the stack is synthesized (apps register at run time), so the
graphs use SEARCH expressions over the FunctionId dimension and draw one line per function.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from inngest_lambda.core import metrics

PERIOD = Duration.minutes(5)
WIDTH = 12  # two graphs per row (the dashboard grid is 24 wide)


def per_function(
    executor: lambda_.IFunction, name: str, stat: str, label: str
) -> cloudwatch.MathExpression:
    """One line per function id for the executor's metric `name`."""
    return cloudwatch.MathExpression(
        expression=(
            f"SEARCH('{{{metrics.NAMESPACE},FunctionName,FunctionId}} "
            f'MetricName="{name}" FunctionName="{executor.function_name}"\', '
            f"'{stat}', {int(PERIOD.to_seconds())})"
        ),
        label=label,
        period=PERIOD,
        using_metrics={},
    )


class OpsDashboard(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        executor: lambda_.IFunction,
        api_function: lambda_.IFunction,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        runs = [
            cloudwatch.GraphWidget(
                title=f"Runs {what.lower()} per function (sum / 5 min)",
                left=[per_function(executor, f"Runs{what}", "Sum", what)],
                width=WIDTH // 2,
            )
            for what in ("Started", "Completed", "Failed", "Cancelled")
        ]
        steps = [
            cloudwatch.GraphWidget(
                title="Step duration per function (ms, p50 and p99)",
                left=[
                    per_function(executor, "StepDuration", "p50", "p50"),
                    per_function(executor, "StepDuration", "p99", "p99"),
                ],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Sleep wake-up lateness per function (ms, p99 and max)",
                left=[
                    per_function(executor, "SleepLateness", "p99", "p99"),
                    per_function(executor, "SleepLateness", "Maximum", "max"),
                ],
                width=WIDTH,
            ),
        ]
        queue_age = cloudwatch.Metric(
            namespace=metrics.NAMESPACE,
            metric_name="QueueAge",
            dimensions_map={"FunctionName": executor.function_name},
            period=PERIOD,
        )
        work = [
            cloudwatch.GraphWidget(
                title="Queue age when handled (ms) and oldest waiting message (s)",
                left=[
                    queue_age.with_(statistic="p99", label="QueueAge p99"),
                    queue_age.with_(statistic="Maximum", label="QueueAge max"),
                ],
                right=[
                    queue.metric_approximate_age_of_oldest_message(
                        period=PERIOD, statistic="Maximum", label="oldest message (s)"
                    )
                ],
                width=WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Dead-lettered work and drive failures",
                left=[
                    dead_letter_queue.metric_approximate_number_of_messages_visible(
                        period=PERIOD, statistic="Maximum", label="DLQ messages"
                    ),
                    cloudwatch.Metric(
                        namespace=metrics.NAMESPACE,
                        metric_name=metrics.DRIVE_FAILURES,
                        dimensions_map={"FunctionName": executor.function_name},
                        period=PERIOD,
                        statistic="Sum",
                        label="drive failures",
                    ),
                ],
                width=WIDTH,
            ),
        ]
        lambdas = [
            cloudwatch.GraphWidget(
                title=f"{label} Lambda: invocations, errors, throttles",
                left=[
                    fn.metric_invocations(period=PERIOD, statistic="Sum"),
                    fn.metric_errors(period=PERIOD, statistic="Sum"),
                    fn.metric_throttles(period=PERIOD, statistic="Sum"),
                ],
                right=[fn.metric_duration(period=PERIOD, statistic="p99", label="p99 duration")],
                width=WIDTH,
            )
            for label, fn in (("Executor", executor), ("API", api_function))
        ]
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            default_interval=Duration.hours(3),
            widgets=[runs, steps, work, lambdas],
        )
