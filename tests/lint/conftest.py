"""Shared helpers for the linter tests: lint a source string, or write a package to disk."""

import re
import textwrap
from pathlib import Path

import pytest

from inngest_lambda.lint import lint_source

HEADER = """\
import inngest
client = inngest.Inngest(app_id="t")
"""
_EXPECT = re.compile(r"#.*expect: ((?:DUR\d{3}\s*)+)")


def expected(text: str, select: set[str] | None = None) -> list[tuple[int, str]]:
    """The `# expect: DUR001 DUR002` markers of a source, as sorted (line, code) pairs."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            found += [(number, code) for code in match.group(1).split()]
    return sorted(f for f in found if select is None or f[1] in select)


@pytest.fixture
def check():
    """Assert that linting a snippet yields exactly its `# expect:` markers."""

    def run(source: str, select: set[str] | None = None) -> None:
        text = HEADER + textwrap.dedent(source)
        got = sorted((d.line, d.code) for d in lint_source(text, "example.py", select))
        assert got == expected(text, select)

    return run


@pytest.fixture
def findings():
    """Lint a dedented source string (per-file rules); returns [(line, code), ...]."""

    def run(source: str, select: set[str] | None = None, header: bool = True):
        text = (HEADER if header else "") + textwrap.dedent(source)
        return [(d.line, d.code) for d in lint_source(text, "example.py", select)]

    return run


@pytest.fixture
def messages():
    """Like `findings` but returns the formatted lines, for message assertions."""

    def run(source: str):
        return [d.format() for d in lint_source(HEADER + textwrap.dedent(source), "ex.py")]

    return run


@pytest.fixture
def write_tree(tmp_path):
    """Write {relative path: source} under tmp_path and return tmp_path."""

    def run(files: dict[str, str]) -> Path:
        for name, source in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source))
        return tmp_path

    return run


@pytest.fixture
def markers():
    """The `expected` function, for tests that lint files rather than strings."""
    return expected
