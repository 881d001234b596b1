"""infra/registry.py: cron triggers read from the function registry at synth time."""

from types import SimpleNamespace

import pytest

from infra.registry import RegistryError, cron_schedules, load_cron_schedules
from inngest_lambda import settings


def test_reads_cron_triggers_from_the_registry(monkeypatch):
    from infra_support import ROOT, TEST_REGISTRY

    schedules = load_cron_schedules(TEST_REGISTRY, search_path=ROOT)
    assert [
        (s.function_id, s.cron, s.expression, s.timezone, s.window_minutes) for s in schedules
    ] == [
        (
            "cron-test-weekly-report",
            "TZ=Europe/Paris 0 9 * * 1",
            "cron(0 9 ? * MON *)",
            "Europe/Paris",
            1,
        ),
        ("cron-test-sweep", "*/15 * * * *", "cron(0/15 * * * ? *)", None, None),
    ]


def test_default_registry_is_the_functions_package():
    from infra_support import ROOT

    assert settings.DEFAULT_FUNCTIONS_MODULE == "functions"
    schedules = load_cron_schedules(settings.DEFAULT_FUNCTIONS_MODULE, search_path=ROOT)
    assert isinstance(schedules, list)


def test_missing_registry_is_a_clear_error():
    with pytest.raises(RegistryError, match="INNGEST_LAMBDA_FUNCTIONS"):
        load_cron_schedules("no_such_registry_module_xyz")


def _fake_function(fn_id, *triggers):
    config = SimpleNamespace(main=SimpleNamespace(triggers=list(triggers)))
    return SimpleNamespace(id=fn_id, get_config=lambda app_url: config)


def test_unschedulable_cron_names_the_function():
    fn = _fake_function("app-bad", SimpleNamespace(cron="0 0 1 * 1", jitter=None))
    with pytest.raises(RegistryError, match="app-bad"):
        cron_schedules([fn])


def test_duplicate_triggers_make_one_schedule():
    trigger = SimpleNamespace(cron="0 * * * *", jitter=None)
    fn = _fake_function("app-dup", trigger, trigger, SimpleNamespace(event="x"))
    assert len(cron_schedules([fn])) == 1
