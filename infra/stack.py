"""The inngest-lambda stack: wires storage, queue, keys, scheduling, worker, API and alarms."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.alarms import Alarms
from infra.config import StackConfig
from infra.cron import CronSchedule
from infra.http_api import HttpApi
from infra.keys import Keys
from infra.layer_artifacts import LayerArtifacts
from infra.log_retention import log_retention
from infra.ops_dashboard import OpsDashboard
from infra.realtime_api import RealtimeApi
from infra.rest_api import RestFrontDoor
from infra.scheduling import Scheduling
from infra.storage import Storage
from infra.vpc_placement import VpcPlacement
from infra.work_queue import WorkQueue
from infra.worker import Worker


class InngestLambdaStack(Stack):
    """Environment-agnostic: account and region come from the credentials used to deploy."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        layers: LayerArtifacts,
        cron_schedules: Sequence[CronSchedule],
        code_dir: Path,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            description="inngest-lambda: Inngest SDK functions on Lambda, DynamoDB, SQS, Scheduler",
        )
        storage = Storage(
            self,
            "Storage",
            retention_days=config.retention_days,
            index_count=config.table_indexes,
        )
        work = WorkQueue(self, "Work")
        keys = Keys(self, "Keys")
        scheduling = Scheduling(
            self, "Scheduling", queue=work.queue, dead_letter_queue=work.dead_letter_queue
        )
        scheduling.add_cron_schedules(cron_schedules)
        scheduling.add_sweeper()
        front_door = {
            "rate_limit": config.api_rate_limit,
            "burst_limit": config.api_burst_limit,
            "log_retention": log_retention(config.log_retention_days),
            "domain_name": config.domain_name,
            "certificate_arn": config.certificate_arn,
        }
        api: HttpApi | RestFrontDoor = (
            RestFrontDoor(self, "Rest", waf_rate_limit=config.waf_rate_limit, **front_door)
            if config.api_front_door == "rest-waf"
            else HttpApi(self, "Http", **front_door)
        )
        realtime = RealtimeApi(
            self,
            "Realtime",
            rate_limit=config.api_rate_limit,
            burst_limit=config.api_burst_limit,
        )
        placement = (
            VpcPlacement(
                self,
                "Network",
                vpc_id=config.vpc_id,
                subnet_ids=config.subnet_ids,
                security_group_ids=config.security_group_ids,
            )
            if config.vpc_id
            else None
        )
        worker = Worker(
            self,
            "Worker",
            config=config,
            code_dir=code_dir,
            layers=layers,
            table=storage.table,
            bucket=storage.bucket,
            queue=work.queue,
            dead_letter_queue=work.dead_letter_queue,
            schedule_group_name=scheduling.group.schedule_group_name,
            schedules_arn=scheduling.schedules_arn,
            scheduler_role=scheduling.role,
            signing_key=keys.signing_key,
            event_key=keys.event_key,
            dashboard_key=keys.dashboard_key,
            api_url=api.url,
            realtime_endpoint=realtime.management_endpoint,
            placement=placement,
        )
        api.route_everything_to(worker.api_target)
        realtime.route_to(worker.api_target)
        realtime.grant_post(worker.role)
        alarms = Alarms(
            self,
            "Alarms",
            executor=worker.executor_function,
            api_function=worker.api_function,
            queue=work.queue,
            dead_letter_queue=work.dead_letter_queue,
            table=storage.table,
            api_errors=api.error_metrics,
            schedule_group_name=scheduling.group.schedule_group_name,
            topic_arn=config.alarm_topic_arn,
            email=config.alarm_email,
            api_4xx_threshold=config.api_4xx_alarm_threshold,
            rate_blocked=api.rate_blocked_metric if isinstance(api, RestFrontDoor) else None,
            realtime_errors=realtime.error_metric,
        )
        # Beside the alarms: runs, steps, sleeps and the queue per function (EMF metrics).
        ops = OpsDashboard(
            self,
            "Operations",
            executor=worker.executor_function,
            api_function=worker.api_function,
            queue=work.queue,
            dead_letter_queue=work.dead_letter_queue,
        )
        self.executor_function = worker.executor_function
        self.api_function = worker.api_function

        outputs = {
            "ApiUrl": (api.url, "Base URL: POST events to <ApiUrl>/e/<event key>"),
            "RealtimeBaseUrl": (
                realtime.base_url,
                "Browsers' INNGEST_BASE_URL for @inngest/realtime (serves /v1/realtime/connect)",
            ),
            "RealtimeWebSocketUrl": (realtime.stage.url, "The realtime WebSocket stage itself"),
            "EventKeySecretArn": (keys.event_key.secret_arn, "Secret holding the event key"),
            "SigningKeySecretArn": (keys.signing_key.secret_arn, "Secret holding the signing key"),
            "DashboardKeySecretArn": (
                keys.dashboard_key.secret_arn,
                "Secret holding the dashboard login key (the dashboard is at ApiUrl)",
            ),
            "FunctionName": (worker.executor_function.function_name, "The executor Lambda"),
            "LogGroupName": (worker.log_group.log_group_name, "The executor Lambda's logs"),
            "ApiFunctionName": (worker.api_function.function_name, "The API Lambda"),
            "ApiLogGroupName": (worker.api_log_group.log_group_name, "The API Lambda's logs"),
            "TableName": (storage.table.table_name, "DynamoDB table (runs, steps, events)"),
            "DeadLetterQueueUrl": (work.dead_letter_queue.queue_url, "Work the runtime gave up on"),
            "AlarmTopicArn": (alarms.topic.topic_arn, "SNS topic every alarm notifies"),
            "OperationsDashboardName": (
                ops.dashboard.dashboard_name,
                "CloudWatch dashboard: runs, steps, sleeps and the queue per function",
            ),
        }
        if api.regional_domain_name is not None:
            outputs["CustomDomainTarget"] = (
                api.regional_domain_name,
                "Point the custom domain's DNS (CNAME or alias) here",
            )
        for name, (value, description) in outputs.items():
            CfnOutput(self, name, value=value, description=description)
