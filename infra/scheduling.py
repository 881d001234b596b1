"""EventBridge Scheduler: the schedule group, the role schedules use to reach the work queue,
and one schedule per cron trigger found in the registry at synth time.

The runtime creates its own one-off schedules (timers longer than SQS's 15-minute delay) in the
same group with the same role, so both are created here and passed to the Lambda.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.cron import CronSchedule
from inngest_lambda import settings

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"


class Scheduling(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        queue: sqs.IQueue,
        dead_letter_queue: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self._queue = queue
        self._dead_letter_queue = dead_letter_queue
        # Deleted with the stack (with the timers in it): a retained group keeps its fixed name
        # and makes destroy-then-deploy of the same stack fail. Runs whose timers go with it
        # are found again by the sweeper once the stack is back (their wake time has passed).
        self.group = scheduler.ScheduleGroup(self, "Group", removal_policy=RemovalPolicy.DESTROY)
        self.role = iam.Role(
            self,
            "Role",
            description="Lets EventBridge Scheduler put inngest-lambda messages on the work queue",
            # Only schedules of this account may assume it (confused-deputy protection).
            assumed_by=iam.ServicePrincipal(
                SCHEDULER_PRINCIPAL,
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            ),
        )
        # The DLQ too: one-off timer schedules the runtime creates name it as their
        # dead-letter target, and Scheduler delivers there with this role.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"],
                resources=[queue.queue_arn, dead_letter_queue.queue_arn],
            )
        )
        # What the runtime may manage: schedules in this group, nothing else.
        self.schedules_arn = stack.format_arn(
            service="scheduler",
            resource="schedule",
            resource_name=f"{self.group.schedule_group_name}/*",
        )

    def add_sweeper(self) -> scheduler.Schedule:
        """The sweeper's rate schedule: `{"kind": "sweep"}` on the work queue every minute
        (inngest_lambda/engine/sweeper.py re-drives the runs nothing is moving)."""
        return scheduler.Schedule(
            self,
            "Sweeper",
            schedule_name=settings.SWEEPER_SCHEDULE,
            schedule_group=self.group,
            description="inngest-lambda sweeper: re-drives runs whose lease or timer passed",
            schedule=scheduler.ScheduleExpression.rate(
                Duration.minutes(settings.SWEEPER_RATE_MINUTES)
            ),
            time_window=scheduler.TimeWindow.off(),
            target=targets.SqsSendMessage(
                self._queue,
                input=scheduler.ScheduleTargetInput.from_text(json.dumps(settings.SWEEPER_MESSAGE)),
                role=self.role,
                dead_letter_queue=self._dead_letter_queue,
                # A missed sweep is made up by the next one a minute later.
                max_event_age=Duration.minutes(5),
                retry_attempts=2,
            ),
        )

    def add_cron_schedules(self, schedules: Sequence[CronSchedule]) -> list[scheduler.Schedule]:
        """One Scheduler schedule per cron trigger, delivering the cron message to the queue."""
        created = []
        for cron in schedules:
            window = (
                scheduler.TimeWindow.flexible(Duration.minutes(cron.window_minutes))
                if cron.window_minutes
                else scheduler.TimeWindow.off()
            )
            created.append(
                scheduler.Schedule(
                    self,
                    f"Cron{cron.name}",
                    schedule_name=cron.name,
                    schedule_group=self.group,
                    description=f"{cron.function_id}: {cron.cron}"[:512],
                    schedule=scheduler.ScheduleExpression.expression(
                        cron.expression,
                        TimeZone.of(cron.timezone) if cron.timezone else None,
                    ),
                    time_window=window,
                    target=targets.SqsSendMessage(
                        self._queue,
                        input=scheduler.ScheduleTargetInput.from_text(cron.message_json()),
                        role=self.role,
                        dead_letter_queue=self._dead_letter_queue,
                        # A late tick is worse than a missed one: give up after an hour.
                        max_event_age=Duration.hours(1),
                    ),
                )
            )
        return created
