"""`expressions.library`: the cel extension loads lazily, without its CLI."""

import os
import subprocess
import sys
from pathlib import Path

RUNTIME = Path(__file__).resolve().parents[3] / "layers" / "runtime"


def test_cel_is_imported_lazily_and_without_the_cli():
    script = (
        "import sys\n"
        "from inngest_lambda import expressions\n"
        "assert 'cel' not in sys.modules and 'cel.cel' not in sys.modules\n"
        "assert expressions.matches('event.x == 1', {'event': {'x': 1}})\n"
        "assert 'cel.cel' in sys.modules and 'cel' not in sys.modules\n"
        "assert 'typer' not in sys.modules and 'rich' not in sys.modules\n"
        "import cel\n"  # a later full import must reuse the loaded extension
        "assert cel.evaluate('1 + 1') == 2 and cel.compile is sys.modules['cel.cel'].compile\n"
    )
    env = {**os.environ, "PYTHONPATH": str(RUNTIME)}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=60)
