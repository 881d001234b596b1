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
