"""DUR005/DUR006: functions must be in the registry's `functions` list, resolved statically."""

from inngest_lambda.lint import lint_paths

FN = """
import inngest
client = inngest.Inngest(app_id="x")

@client.create_function(fn_id="{name}", trigger=inngest.TriggerEvent(event="e"))
def {name}(ctx):
    pass
"""


def module(*names: str) -> str:
    return "\n".join(FN.format(name=name) for name in names)


def run(root, *paths):
    result = lint_paths([root / p for p in paths] or [root / "functions"])
    assert result.errors == []
    return [(d.path.relative_to(root).as_posix(), d.line, d.code) for d in result.diagnostics]


def test_all_registered_via_relative_absolute_and_attribute_imports(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": """
                from functions.b import two
                from . import c
                from .a import one as first
                functions = [first, two, c.three]
            """,
            "functions/a.py": module("one"),
            "functions/b.py": module("two"),
            "functions/c.py": module("three"),
        }
    )
    assert run(root) == []


def test_unregistered_function_is_reported_at_its_def(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": "from .a import one\nfunctions = [one]\n",
            "functions/a.py": module("one", "two"),
        }
    )
    assert run(root) == [("functions/a.py", 14, "DUR005")]


def test_message(write_tree):
    root = write_tree({"functions/__init__.py": "functions = []\n", "functions/a.py": module("x")})
    (diagnostic,) = lint_paths([root / "functions"]).diagnostics
    assert diagnostic.message.startswith(
        "`x` (fn_id 'x') is not in the `functions` list in "
    ) and diagnostic.message.endswith("functions/__init__.py; it never runs")


def test_list_building_forms(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": """
                from . import a
                from .sub import functions as sub_functions
                from .b import BATCH
                functions = list([a.one]) + sub_functions
                functions += (a.two,)
                functions.append(a.three)
                functions.extend(BATCH)
                functions.insert(0, a.four)
            """,
            "functions/a.py": module("one", "two", "three", "four"),
            "functions/b.py": module("five") + "\nBATCH = [five]\n",
            "functions/sub/__init__.py": "from .s import six\nfunctions = [six]\n",
            "functions/sub/s.py": module("six"),
        }
    )
    assert run(root) == []


def test_reexport_chain_and_assignment_form(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": """
                from .api import handler, wrapped
                functions = [handler, wrapped]
            """,
            "functions/api.py": "from .impl import handler\nfrom .impl import wrapped\n",
            "functions/impl.py": module("handler")
            + "\ndef _w(ctx):\n    pass\n\n"
            + "wrapped = client.create_function(fn_id='w', trigger=None)(_w)\n"
            + "missing = client.create_function(fn_id='m', trigger=None)(_w)\n",
        }
    )
    assert run(root) == [("functions/impl.py", 13, "DUR005")]


def test_linting_one_file_still_finds_the_registry(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": "from .a import one\nfunctions = [one]\n",
            "functions/a.py": module("one"),
            "functions/b.py": module("two"),
        }
    )
    assert run(root, "functions/a.py") == []
    assert run(root, "functions/b.py") == [("functions/b.py", 6, "DUR005")]


def test_dynamic_registry_is_reported_not_guessed(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": """
                from .a import one
                from .loader import discover
                functions = [one, *discover()]
            """,
            "functions/a.py": module("one", "two"),
            "functions/loader.py": "def discover():\n    return []\n",
        }
    )
    result = lint_paths([root / "functions"])
    assert [(d.path.name, d.line, d.code) for d in result.diagnostics] == [
        ("__init__.py", 4, "DUR006")
    ]
    assert "`discover()`" in result.diagnostics[0].message
    assert "registration of `two` is unchecked" in result.diagnostics[0].message


def test_dynamic_registry_is_fine_when_everything_resolves_anyway(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": "from .a import one\nfunctions = [one, *load()]\n",
            "functions/a.py": module("one"),
        }
    )
    assert run(root) == []


def test_loops_and_outside_imports_are_unresolvable(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": """
                from shared.fns import other
                functions = [other]
                for extra in ():
                    functions.append(extra)
            """,
            "functions/a.py": module("one"),
        }
    )
    assert sorted(run(root)) == [
        ("functions/__init__.py", 2, "DUR006"),
        ("functions/__init__.py", 4, "DUR006"),
    ]


def test_missing_registry_list(write_tree):
    root = write_tree({"functions/__init__.py": "", "functions/a.py": module("one")})
    result = lint_paths([root / "functions"])
    assert [d.code for d in result.diagnostics] == ["DUR005"]
    assert "has no `functions` list" in result.diagnostics[0].message


def test_outermost_registry_wins(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": "functions = []\n",
            "functions/sub/__init__.py": "from .a import one\nfunctions = [one]\n",
            "functions/sub/a.py": module("one"),
        }
    )
    assert run(root) == [("functions/sub/a.py", 6, "DUR005")]


def test_standalone_files(write_tree):
    root = write_tree(
        {
            "alone.py": module("one"),
            "single.py": module("a", "b") + "\nfunctions = [a]\n",
        }
    )
    assert run(root, "alone.py") == []
    assert run(root, "single.py") == [("single.py", 14, "DUR005")]


def test_circular_imports_do_not_hang(write_tree):
    root = write_tree(
        {
            "functions/__init__.py": "from .a import x\nfunctions = [x]\n",
            "functions/a.py": "from .b import x\n" + module("one"),
            "functions/b.py": "from .a import x\n",
        }
    )
    assert [code for _, _, code in run(root)] == ["DUR006"]
