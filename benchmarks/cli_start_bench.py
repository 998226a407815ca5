"""Command-line start-up: how long a quick command (`clients`, `jobs`) takes from launch to exit.

Creates a library with one client (so the schema is current and nothing migrates), then runs each command
through the real launcher N times and prints the median, fastest and slowest wall time, and the share of the
median spent importing modules (``python -X importtime``, largest top-level packages listed).

    .venv/bin/python benchmarks/cli_start_bench.py            # 10 runs of each
    .venv/bin/python benchmarks/cli_start_bench.py --runs 20
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (["clients"], ["jobs"], ["campaigns"])


def launch(library: Path, *args: str, python_options: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *python_options, str(ROOT / "main.py"), "--data-dir", str(library), *args],
                          capture_output=True, text=True, timeout=120, check=True)


def top_imports(library: Path, command: list[str], count: int = 6) -> list[tuple[str, float]]:
    """The slowest modules imported at the top level of the import tree (cumulative seconds)."""
    lines = launch(library, *command, python_options=("-X", "importtime")).stderr.splitlines()
    found = []
    for line in lines:
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        if cumulative.strip().isdigit() and name.startswith(" ") and not name.startswith("  "):
            found.append((name.strip(), int(cumulative) / 1e6))
    return sorted(found, key=lambda item: -item[1])[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pairframe-clibench-") as folder:
        library = Path(folder) / "library"
        launch(library, "client", "add", "Acme")
        for command in COMMANDS:
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                launch(library, *command)
                times.append(time.perf_counter() - started)
            print(f"pairframe {' '.join(command):<10} median {statistics.median(times):.2f} s, "
                  f"fastest {min(times):.2f} s, slowest {max(times):.2f} s over {args.runs} runs")
        heaviest = top_imports(library, COMMANDS[0])
        print("largest top-level imports of `clients`: " + ", ".join(f"{n} {s:.2f} s" for n, s in heaviest))


if __name__ == "__main__":
    main()
