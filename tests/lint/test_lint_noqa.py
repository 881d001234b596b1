"""`# noqa` handling: bare, with codes, mixed with other tools' codes."""

import pytest

from inngest_lambda.lint.noqa import is_silenced, parse_noqa

BODY = """
import time, uuid

@client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e"))
def f(ctx):
    ctx.step.run(str(uuid.uuid4()), print){comment}
    time.sleep(1)
"""


@pytest.mark.parametrize(
    ("comment", "left"),
    [
        ("", {"DUR002", "DUR003", "DUR001"}),
        ("  # noqa", {"DUR001"}),
        ("  # noqa: DUR002", {"DUR003", "DUR001"}),
        ("  # noqa: DUR002,DUR003", {"DUR001"}),
        ("  # noqa: DUR002, DUR003", {"DUR001"}),
        ("  # noqa:DUR003 DUR002", {"DUR001"}),
        ("  # noqa: E501, DUR003", {"DUR002", "DUR001"}),
        ("  # noqa: DUR001", {"DUR002", "DUR003", "DUR001"}),
        ("  # some comment  # noqa: dur002", {"DUR003", "DUR001"}),
    ],
)
def test_noqa_variants(findings, comment, left):
    assert {code for _, code in findings(BODY.format(comment=comment))} == left


def test_noqa_only_applies_to_its_own_line(findings):
    source = BODY.format(comment="").replace("time.sleep(1)", "time.sleep(1)  # noqa: DUR001")
    assert sorted(findings(source)) == [(8, "DUR002"), (8, "DUR003")]


def test_parse_noqa():
    noqa = parse_noqa(["x = 1", "y()  # noqa", "z()  # NOQA: DUR004,DUR005", "# noqa:DUR1"])
    assert noqa == {2: None, 3: frozenset({"DUR004", "DUR005"}), 4: frozenset({"DUR1"})}
    assert is_silenced(noqa, 2, "DUR001")
    assert is_silenced(noqa, 3, "DUR005")
    assert not is_silenced(noqa, 3, "DUR001")
    assert not is_silenced(noqa, 1, "DUR001")


def test_noqa_silences_registration_findings(write_tree):
    from inngest_lambda.lint import lint_paths

    root = write_tree(
        {
            "functions/__init__.py": """
                from .a import one
                functions = [one, *load()]  # noqa: DUR006
            """,
            "functions/a.py": """
                import inngest
                client = inngest.Inngest(app_id="x")

                @client.create_function(fn_id="one", trigger=inngest.TriggerEvent(event="e"))
                def one(ctx):
                    pass

                @client.create_function(fn_id="two", trigger=inngest.TriggerEvent(event="e"))
                def two(ctx):  # noqa: DUR005
                    pass
            """,
        }
    )
    assert lint_paths([root / "functions"]).diagnostics == []
