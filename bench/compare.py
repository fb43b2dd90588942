"""Answer quality of an earlier commit next to the working tree, set by set.

Run: ``.venv/bin/python bench/compare.py REV [SET_DIR ...]`` (default: the dev set and every
set in ``bench/sets/``; a set directory holds ``questions.jsonl`` and, optionally, ``faq/``;
without one, each side reads its own shipped FAQ).

REV is checked out in a temporary git worktree. Both sides run from a directory outside
the project: ``python -m`` puts the current directory first on ``sys.path``, so a run
started inside the project uses the working tree's code whatever PYTHONPATH says, and an
A/B silently compares the working tree with itself.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from quality import _scorer, _sets, per_language

from croupier.config import DEFAULT_FAQ_DIR

ROOT = Path(__file__).resolve().parent.parent


def _decisions(code: Path, questions: Path, faq: Path, workdir: Path) -> list[dict]:
    """``croupier faq batch`` with the code under ``code``, started from ``workdir``."""
    result = subprocess.run(
        [sys.executable, "-m", "croupier.cli", "faq", "batch", "--faq", str(faq), str(questions)],
        cwd=workdir,
        env={**os.environ, "PYTHONPATH": str(code)},
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _chosen_sets(directories: list[Path]) -> list[tuple[str, Path, Path | None]]:
    if directories:
        return [
            (d.name, d / "questions.jsonl", d / "faq" if (d / "faq").is_dir() else None)
            for d in map(Path.resolve, directories)  # the batches run from another directory
        ]
    return [(name, q, None if faq == DEFAULT_FAQ_DIR else faq) for name, q, faq in _sets()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rev", help="a commit, tag or branch")
    parser.add_argument("sets", nargs="*", type=Path, help="set directories")
    args = parser.parse_args()
    scorer = _scorer()
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.rev],
            check=True,
            capture_output=True,
        )
        try:
            print(f"{'set':16} {'code':9} {'wrong':>6} {'cover':>6} {'esc':>6}   per language")
            for name, questions, faq in _chosen_sets(args.sets):
                items = scorer.load(questions)
                for side, code in ((args.rev[:9], old), ("now", ROOT)):
                    decisions = _decisions(
                        code, questions.resolve(), faq or code / "faq" / "content", Path(scratch)
                    )
                    with contextlib.redirect_stdout(io.StringIO()):
                        totals, _wrong = scorer.score(items, decisions)
                    print(
                        f"{name:16} {side:9} {totals['wrong']:6.3f} {totals['coverage']:6.3f} "
                        f"{totals['esc_recall']:6.3f}   {per_language(totals)}"
                    )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                check=False,
                capture_output=True,
            )


if __name__ == "__main__":
    main()
