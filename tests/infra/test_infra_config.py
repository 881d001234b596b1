"""infra/config.py: context values (strings from `-c`) and the functions-module env var."""

from infra.config import DEFAULT_LAYERS_DIR, ROOT, StackConfig
from inngest_lambda import settings


def _config(context, environ=None):
    return StackConfig.from_context(context.get, environ or {})


def test_defaults():
    config = _config({})
    assert config.functions_module == settings.DEFAULT_FUNCTIONS_MODULE
    assert config.retention_days == settings.DEFAULT_RETENTION_DAYS
    assert config.reserved_concurrency is None
    assert config.layers_dir == DEFAULT_LAYERS_DIR
    assert config.nag is True
    assert config.accept_previous_signing_key is False


def test_context_strings_are_parsed():
    config = _config(
        {
            "reservedConcurrency": "12",
            "memoryMb": "512",
            "nag": "false",
            "layersDir": "some/dir",
            "logLevel": "debug",
            "acceptPreviousSigningKey": "true",
        }
    )
    assert config.reserved_concurrency == 12
    assert config.memory_mb == 512
    assert config.nag is False
    assert config.layers_dir == ROOT / "some/dir"
    assert config.log_level == "DEBUG"
    assert config.accept_previous_signing_key is True


def test_functions_module_env_var_wins_over_context():
    config = _config({"functionsModule": "from_context"}, {settings.ENV_FUNCTIONS: "from_env"})
    assert config.functions_module == "from_env"
    assert _config({"functionsModule": "from_context"}).functions_module == "from_context"


def test_bad_integer_is_a_clear_error():
    import pytest

    with pytest.raises(ValueError, match="reservedConcurrency"):
        _config({"reservedConcurrency": "lots"})


def test_executor_event_source_is_capped_by_default_within_sqs_bounds():
    import pytest

    assert _config({}).queue_max_concurrency == 10
    assert _config({"queueMaxConcurrency": "200"}).queue_max_concurrency == 200
    for bad in ("1", "1001"):
        with pytest.raises(ValueError, match="queueMaxConcurrency"):
            _config({"queueMaxConcurrency": bad})


def test_custom_domain_needs_its_certificate():
    import pytest

    with pytest.raises(ValueError, match="certificateArn"):
        _config({"domainName": "events.example.com"})
    both = _config({"domainName": "e.example.com", "certificateArn": "arn:aws:acm:x"})
    assert (both.domain_name, both.certificate_arn) == ("e.example.com", "arn:aws:acm:x")


def test_front_door_choices():
    import pytest

    assert _config({}).api_front_door == "http"
    assert _config({"apiFrontDoor": "rest-waf"}).waf_rate_limit == 2000
    with pytest.raises(ValueError, match="apiFrontDoor"):
        _config({"apiFrontDoor": "cloudfront"})
    with pytest.raises(ValueError, match="wafRateLimit"):
        _config({"apiFrontDoor": "rest-waf", "wafRateLimit": "5"})


def test_retention_days_below_one_or_past_what_s3_can_expire_is_refused():
    import pytest

    assert _config({"retentionDays": "1"}).retention_days == 1
    assert _config({"retentionDays": 400}).retention_days == 400  # cdk.json: a number
    assert _config({"retentionDays": ""}).retention_days == settings.DEFAULT_RETENTION_DAYS
    too_long = settings.MAX_RETENTION_DAYS + 1  # its S3 lifecycle (+1 day) overflows 32 bits
    for bad in ("0", "-5", 0, "1.5", "ten", str(too_long)):
        with pytest.raises(ValueError, match=r"context 'retentionDays' .*from 1 to 2,147,483,646"):
            _config({"retentionDays": bad})


def test_log_retention_days_within_cloudwatch_periods_rounds_up_and_the_rest_is_refused():
    import pytest

    from infra.log_retention import log_retention

    assert _config({}).log_retention_days == 30
    assert _config({"logRetentionDays": "3653"}).log_retention_days == 3653
    for bad in ("0", "-1", "3654"):
        with pytest.raises(ValueError, match=r"context 'logRetentionDays' must be 1 to 3653"):
            _config({"logRetentionDays": bad})
    # CloudWatch's own periods are kept as they are, others rounded up to the next one (400
    # days became ten years before, 60 days three months).
    periods = {1: 1, 2: 3, 5: 5, 60: 60, 61: 90, 365: 365, 400: 400, 401: 545, 3653: 3653}
    for days, kept in periods.items():
        assert _cloudwatch_days(log_retention(days)) == kept, days


def _cloudwatch_days(retention) -> int:
    """The RetentionInDays a CDK RetentionDays synthesizes to."""
    import aws_cdk as cdk
    from aws_cdk import aws_logs as logs

    stack = cdk.Stack(cdk.App())
    logs.LogGroup(stack, "G", retention=retention)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    (group,) = template["Resources"].values()
    return group["Properties"]["RetentionInDays"]
