"""Two variants of the briefing step, alternated in one run: how each optimisation's gain was measured.

    python -m benchmarks.ab --a /work/main/src:/work/main/templates --b src:templates --runs 5 [--cold]

Each variant is ``SRC:TEMPLATES`` (the code on PYTHONPATH, the templates folder). Both render the shipped data's
briefing (charts drawn once beforehand) in a fresh process, A, B, A, B, …; prints the CPU-second medians and
whether the two PDFs are byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.run import BRIEFING_ONLY, ROOT, build_cmd, measure


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--data", default=str(ROOT / "data"))
    ap.add_argument("--cold", action="store_true",
                    help="each run without the last build's chapter-end decisions and page map, as a cold build")
    args = ap.parse_args()
    variants = {}
    for key in ("a", "b"):
        src, templates = getattr(args, key).split(":")
        variants[key] = (str(Path(src).resolve()), str(Path(templates).resolve()))
    with tempfile.TemporaryDirectory(prefix="borderwar-ab-") as tmp:
        outs = {}
        for key, (src, templates) in variants.items():
            env = {**os.environ, "PYTHONPATH": src}
            out = Path(tmp) / key
            measure(build_cmd(Path(args.data), out, "--templates", templates), env=env)
            outs[key] = (out, env)
        cpu = {"a": [], "b": []}
        for _ in range(args.runs):
            for key, (src, templates) in variants.items():
                out, env = outs[key]
                cmd = [sys.executable, "-c", BRIEFING_ONLY, args.data, templates, str(out), *(["cold"] * args.cold)]
                cpu[key].append(measure(cmd, env=env)["cpu_s"])
        digests = {k: hashlib.sha256((o / "briefing.pdf").read_bytes()).hexdigest()[:12] for k, (o, _) in outs.items()}
        for key in ("a", "b"):
            shutil.copy(outs[key][0] / "briefing.pdf", f"/tmp/ab-{key}.pdf")
    med = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"A {variants['a']}: median {med['a']:.2f} CPU s {cpu['a']}")
    print(f"B {variants['b']}: median {med['b']:.2f} CPU s {cpu['b']}")
    print(f"B - A = {med['b'] - med['a']:+.2f} CPU s; PDFs identical: {digests['a'] == digests['b']} {digests}")


if __name__ == "__main__":
    main()
