"""The HTTP layer's seam: a built `Runtime` is the `Services` the routes call (and the
`Deployment` admin operations take), and nothing in `http/` or `admin/` reaches for the runtime."""

from __future__ import annotations

import ast
import pathlib
import typing

import inngest

from inngest_lambda.admin.operations import Deployment
from inngest_lambda.apps.registry import Registry
from inngest_lambda.events.ingest import Ingestor
from inngest_lambda.http.services import Services
from inngest_lambda.runtime import get_runtime
from inngest_lambda.settings import Settings
from inngest_lambda.storage.store import Store

PACKAGE = pathlib.Path(__file__).parents[3] / "layers" / "runtime" / "inngest_lambda"
TYPES = {
    "inngest": inngest,
    "Registry": Registry,
    "Ingestor": Ingestor,
    "Settings": Settings,
    "Store": Store,
}


def _members_have_their_types(protocol: type, obj: object) -> list[str]:
    wrong = []
    for name, hint in typing.get_type_hints(protocol, localns=TYPES).items():
        value = getattr(obj, name)
        if hint is typing.Any:
            continue
        expected = typing.get_origin(hint) or hint
        if expected is typing.Union or isinstance(hint, type(str | None)):
            expected = tuple(typing.get_args(hint))
        if not isinstance(value, expected):
            wrong.append(f"{name}: {type(value).__name__} is not {hint}")
    return wrong


def test_a_built_runtime_is_the_services_the_routes_call(fresh_runtime):
    rt = get_runtime()
    assert isinstance(rt, Services)
    assert _members_have_their_types(Services, rt) == []
    assert isinstance(rt.dev_mode, bool)


def test_a_built_runtime_is_what_admin_operations_take(fresh_runtime):
    rt = get_runtime()
    assert isinstance(rt, typing.runtime_checkable(Deployment))
    assert _members_have_their_types(Deployment, rt) == []


def test_an_object_missing_a_member_is_not_services(fresh_runtime):
    class Partial:
        def __init__(self, rt: object) -> None:
            for name in typing.get_type_hints(Services, localns=TYPES):
                if name != "ingestor":
                    setattr(self, name, getattr(rt, name))
            self.dev_mode = True

    assert not isinstance(Partial(get_runtime()), Services)


def test_no_http_or_admin_module_imports_the_runtime():
    importers = []
    for folder in ("http", "admin"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                if "inngest_lambda.runtime" in names:
                    importers.append(str(path.relative_to(PACKAGE)))
    assert importers == []
