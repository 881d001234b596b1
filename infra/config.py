"""Deployment knobs, read from CDK context (`cdk.json` or `-c key=value`) with safe defaults.

Kept apart from the constructs so the defaults are visible in one place and testable without
synthesizing anything. Values given on the command line arrive as strings, hence the parsing.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from infra import network_config
from inngest_lambda import settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LAYERS_DIR = ROOT / "build" / "layers"

ContextGetter = Callable[[str], Any]
MAX_LOG_RETENTION_DAYS = 3653  # ten years: CloudWatch Logs' longest retention short of never


def _int(value: Any, key: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"context {key!r} must be an integer, got {value!r}") from exc


def _queue_concurrency(value: Any) -> int:
    """SQS event sources accept a MaximumConcurrency of 2 to 1,000."""
    parsed = _int(value, "queueMaxConcurrency")
    if parsed is None:
        return StackConfig.queue_max_concurrency
    if not 2 <= parsed <= 1000:
        raise ValueError(f"context 'queueMaxConcurrency' must be 2-1000, got {parsed}")
    return parsed


def _retention_days(value: Any) -> int:
    """Runs' retention: 1 day or more (0 used to mean the default, a negative value was taken)."""
    if value is None or value == "":
        return StackConfig.retention_days
    return settings.retention_days(value, "context 'retentionDays'")


def _log_retention_days(value: Any) -> int:
    """CloudWatch Logs' retention, rounded up to a period it allows (`infra/log_retention.py`);
    past its longest finite one, or under a day, it cannot be honoured."""
    parsed = _int(value, "logRetentionDays")
    if parsed is None:
        return StackConfig.log_retention_days
    if not 1 <= parsed <= MAX_LOG_RETENTION_DAYS:
        raise ValueError(
            f"context 'logRetentionDays' must be 1 to {MAX_LOG_RETENTION_DAYS} days "
            f"(CloudWatch Logs' longest finite retention), got {parsed}"
        )
    return parsed


def _table_indexes(value: Any) -> int | None:
    parsed = _int(value, "tableIndexes")
    if parsed is None:
        return None
    limit = len(settings.INDEX_UPGRADE_ORDER)
    if not 0 <= parsed <= limit:
        raise ValueError(f"context 'tableIndexes' must be 0 to {limit}, got {parsed}")
    return parsed


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclasses.dataclass(frozen=True)
class StackConfig:
    """What a deployment may tune; everything else is fixed by the stack or settings.py."""

    stack_name: str = "InngestLambda"
    # Built by `make layers` (layers/build.py); tests point this at a small fake.
    layers_dir: Path = DEFAULT_LAYERS_DIR
    functions_module: str = settings.DEFAULT_FUNCTIONS_MODULE
    # The executor function (SQS work) and the API function (HTTP) are sized separately.
    memory_mb: int = 1024
    api_memory_mb: int = 1024
    # None: no reservation (new accounts have only 10 unreserved concurrency to spare). A
    # reservation also caps the function, so neither can starve the other or the account.
    reserved_concurrency: int | None = None
    api_reserved_concurrency: int | None = None
    # Upper bound on concurrent executor invocations the SQS event source starts (2-1000): a
    # backlog of work can never take more than this much of the account's concurrency.
    queue_max_concurrency: int = 10
    retention_days: int = settings.DEFAULT_RETENTION_DAYS
    log_level: str = "INFO"
    log_retention_days: int = 30
    api_rate_limit: int = 50
    api_burst_limit: int = 100
    # Existing SNS topic the alarms notify; without it the stack creates one (subscribe to it,
    # or give alarm_email to have the stack subscribe an address).
    alarm_topic_arn: str | None = None
    alarm_email: str | None = None
    # "http": an HTTP API (cheapest). "rest-waf": a REST API behind an AWS WAF web ACL that
    # rate-limits each client IP (waf_rate_limit requests per 5 minutes) and drops known bad
    # inputs and IPs with a poor reputation.
    api_front_door: str = "http"
    waf_rate_limit: int = 2000
    # 4xx answers per 5 minutes that count as a surge (bad keys, throttling, a broken client).
    api_4xx_alarm_threshold: int = 500
    # A custom domain for the API (an ACM certificate in the stack's region covering it), so
    # the event URL survives a redeploy that replaces the API.
    domain_name: str | None = None
    certificate_arn: str | None = None
    # During a signing-key rotation: also accept the secret's previous version (AWSPREVIOUS) as
    # INNGEST_SIGNING_KEY_FALLBACK. Only valid once the secret has been rotated at least once.
    accept_previous_signing_key: bool = False
    # Any value; changing it changes the function's configuration, which makes Lambda replace
    # every warm execution environment, so all of them re-read the keys at once.
    keys_version: str | None = None
    # Lambda SnapStart on both functions (published version + `live` alias that the queue and
    # the HTTP API invoke). Off by default: it cuts cold starts but bills the cached snapshot
    # of every function for as long as the version exists (see docs/benchmarks.md).
    snap_start: bool = False
    # Run the cdk-nag AwsSolutions pack on every synth.
    nag: bool = True
    # Both functions in the user's VPC (infra/vpc_placement.py): its id, the subnets the
    # functions' ENIs go in, and the security groups they carry (None: the stack makes one with
    # all egress and no ingress). No VPC by default.
    vpc_id: str | None = None
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] | None = None
    # HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY for both functions (upper-case names).
    proxy: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # Upgrading a table that predates its secondary indexes: how many of them (in
    # settings.INDEX_UPGRADE_ORDER) the table has after this deploy, one more per deploy
    # (docs/upgrading.md). None: all of them (new stacks, and stacks that have them all).
    table_indexes: int | None = None
    # OpenTelemetry traces of runs (docs/tracing.md): "off", "xray" (X-Ray's OTLP endpoint,
    # SigV4, plus Lambda's active tracing) or "otlp" (to `otlp_endpoint`).
    tracing: str = "off"
    otlp_endpoint: str | None = None

    @classmethod
    def from_context(
        cls, get: ContextGetter, environ: Mapping[str, str] | None = None
    ) -> StackConfig:
        """Build from `node.try_get_context`; the functions module comes from the environment
        first (settings.ENV_FUNCTIONS, like the runtime), then context `functionsModule`."""
        env = os.environ if environ is None else environ
        d = cls()
        layers_dir = get("layersDir")
        return cls(
            stack_name=get("stackName") or d.stack_name,
            layers_dir=(ROOT / layers_dir) if layers_dir else d.layers_dir,
            functions_module=env.get(settings.ENV_FUNCTIONS)
            or get("functionsModule")
            or d.functions_module,
            memory_mb=_int(get("memoryMb"), "memoryMb") or d.memory_mb,
            api_memory_mb=_int(get("apiMemoryMb"), "apiMemoryMb") or d.api_memory_mb,
            reserved_concurrency=_int(get("reservedConcurrency"), "reservedConcurrency"),
            api_reserved_concurrency=_int(get("apiReservedConcurrency"), "apiReservedConcurrency"),
            queue_max_concurrency=_queue_concurrency(get("queueMaxConcurrency")),
            retention_days=_retention_days(get("retentionDays")),
            log_level=str(get("logLevel") or d.log_level).upper(),
            log_retention_days=_log_retention_days(get("logRetentionDays")),
            api_rate_limit=_int(get("apiRateLimit"), "apiRateLimit") or d.api_rate_limit,
            api_burst_limit=_int(get("apiBurstLimit"), "apiBurstLimit") or d.api_burst_limit,
            alarm_topic_arn=get("alarmTopicArn") or None,
            alarm_email=get("alarmEmail") or None,
            api_4xx_alarm_threshold=_int(get("api4xxAlarmThreshold"), "api4xxAlarmThreshold")
            or d.api_4xx_alarm_threshold,
            api_front_door=str(get("apiFrontDoor") or d.api_front_door),
            waf_rate_limit=_int(get("wafRateLimit"), "wafRateLimit") or d.waf_rate_limit,
            domain_name=get("domainName") or None,
            certificate_arn=get("certificateArn") or None,
            accept_previous_signing_key=_bool(get("acceptPreviousSigningKey")),
            keys_version=str(get("keysVersion")) if get("keysVersion") else None,
            snap_start=_bool(get("snapStart")),
            nag=_bool(get("nag")) if get("nag") is not None else d.nag,
            vpc_id=network_config.resource_id(get("vpcId"), "vpcId", "vpc"),
            subnet_ids=network_config.resource_ids(
                get("subnetIds"), "subnetIds", "subnet", network_config.MAX_SUBNETS
            )
            or (),
            security_group_ids=network_config.resource_ids(
                get("securityGroupIds"),
                "securityGroupIds",
                "sg",
                network_config.MAX_SECURITY_GROUPS,
            ),
            proxy=network_config.proxy_environment(get("proxy")),
            table_indexes=_table_indexes(get("tableIndexes")),
            tracing=str(get("tracing") or d.tracing).strip().lower(),
            otlp_endpoint=get("otlpEndpoint") or None,
        )._checked()

    def _checked(self) -> StackConfig:
        if bool(self.domain_name) != bool(self.certificate_arn):
            raise ValueError("context 'domainName' and 'certificateArn' go together")
        if self.api_front_door not in ("http", "rest-waf"):
            raise ValueError(
                f"context 'apiFrontDoor' must be http or rest-waf, got {self.api_front_door!r}"
            )
        if not 10 <= self.waf_rate_limit <= 2_000_000_000:
            raise ValueError("context 'wafRateLimit' must be 10 to 2,000,000,000 per 5 minutes")
        if bool(self.vpc_id) != bool(self.subnet_ids):
            raise ValueError(
                "context 'vpcId' and 'subnetIds' go together: the VPC's id and the subnets"
                " (of that VPC) the functions run in"
            )
        if self.security_group_ids is not None and not self.vpc_id:
            raise ValueError("context 'securityGroupIds' needs 'vpcId' and 'subnetIds'")
        self._check_tracing()
        return self

    def _check_tracing(self) -> None:
        if self.tracing not in ("off", "xray", "otlp"):
            raise ValueError(f"context 'tracing' must be off, xray or otlp, got {self.tracing!r}")
        if self.tracing == "otlp" and not self.otlp_endpoint:
            raise ValueError(
                "context 'tracing=otlp' needs 'otlpEndpoint' (the collector's traces URL, "
                "e.g. https://collector.example.com:4318/v1/traces)"
            )
        if self.otlp_endpoint and not self.otlp_endpoint.startswith(("https://", "http://")):
            raise ValueError(
                f"context 'otlpEndpoint' must be an http(s) URL, got {self.otlp_endpoint!r}"
            )
        if self.otlp_endpoint and self.tracing != "otlp":
            raise ValueError("context 'otlpEndpoint' is only used with 'tracing=otlp'")
