"""The command line: output format, ordering, summary, exit statuses, dispatch."""

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent / "examples"
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>DUR\d{3}) \S.*$")


def lint(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "inngest_lambda", "lint", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_clean_files_exit_0():
    result = lint(*sorted(EXAMPLES.glob("*_good.py")))
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""
    assert "All checks passed" in result.stderr


def test_findings_exit_1_with_sorted_flake8_style_lines():
    result = lint(EXAMPLES / "dur003_bad.py", EXAMPLES / "dur001_bad.py")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    keys = [(m["path"], int(m["line"]), int(m["col"])) for m in map(LINE.match, lines)]
    assert keys == sorted(keys)
    assert keys[0][0].endswith("dur001_bad.py")
    assert re.search(r"Found \d+ problem\(s\) in 2 files", result.stderr)


def test_select_filters_codes():
    result = lint("--select", "dur003", EXAMPLES / "dur003_bad.py")
    assert result.returncode == 1
    assert {LINE.match(line)["code"] for line in result.stdout.splitlines()} == {"DUR003"}
    assert lint("--select", "DUR004", EXAMPLES / "dur003_bad.py").returncode == 0


def test_unparsable_file_exits_2_and_says_where(tmp_path):
    (tmp_path / "broken.py").write_text("def broken(:\n")
    (tmp_path / "fine.py").write_text("x = 1\n")
    result = lint(tmp_path)
    assert result.returncode == 2
    assert re.search(r"broken\.py:1:\d+: error: cannot parse: SyntaxError", result.stderr)


def test_missing_path_exits_2(tmp_path):
    result = lint(tmp_path / "nope")
    assert result.returncode == 2
    assert "nope: error: no such file or directory" in result.stderr


def test_usage_errors_exit_2():
    assert lint("--no-such-flag").returncode == 2
    unknown_code = lint("--select", "XYZ999")
    assert unknown_code.returncode == 2
    assert "unknown rule code" in unknown_code.stderr


def test_default_path_is_functions(tmp_path):
    (tmp_path / "functions").mkdir()
    (tmp_path / "functions" / "__init__.py").write_text("functions = []\n")
    result = lint(cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 file" in result.stderr
    assert lint(cwd=tmp_path / "functions").returncode == 2  # no ./functions there


def test_registration_through_the_cli():
    result = lint(EXAMPLES / "registry" / "functions")
    assert result.returncode == 1
    assert result.stdout.count("DUR005") == 3


def test_list_rules():
    result = lint("--list-rules")
    assert result.returncode == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == [
        f"DUR00{i}" for i in range(1, 7)
    ]


def test_dispatcher_rejects_unknown_commands():
    result = subprocess.run(
        [sys.executable, "-m", "inngest_lambda", "frobnicate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown command" in result.stderr
