"""Every example file under examples/ yields exactly the findings its `# expect:` markers name."""

from pathlib import Path

import pytest

from inngest_lambda.lint import lint_paths

EXAMPLES = Path(__file__).parent / "examples"
PER_FILE = {"DUR001", "DUR002", "DUR003", "DUR004"}
FILES = sorted(EXAMPLES.glob("dur00*.py"))


def test_there_is_a_good_and_a_bad_example_for_every_per_file_rule():
    names = {path.stem for path in FILES}
    assert names == {f"{code.lower()}_{kind}" for code in PER_FILE for kind in ("good", "bad")}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_example_file(path, markers):
    result = lint_paths([path])
    assert result.errors == []
    got = sorted((d.line, d.code) for d in result.diagnostics)
    assert got == markers(path.read_text())
    if path.stem.endswith("_good"):
        assert got == []


def test_registry_package_example(markers):
    package = EXAMPLES / "registry" / "functions"
    result = lint_paths([package])
    assert result.errors == []
    got = sorted((Path(d.path).name, d.line, d.code) for d in result.diagnostics)
    want = sorted(
        (path.name, line, code)
        for path in package.rglob("*.py")
        for line, code in markers(path.read_text())
    )
    assert want, "the fixture must contain unregistered functions"
    assert got == want
