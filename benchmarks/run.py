"""Speed, memory and size of the build, and how they grow.

    python -m benchmarks.run                 # everything (≈ a few minutes at 10,000 events)
    python -m benchmarks.run --sizes 100,1000 --repeat 1

Prints a table and writes benchmarks/results/latest.json. Every figure is measured in a fresh process
(os.wait4 gives its CPU time and peak RSS). Targets, checked at the end:
cold build ≤ 1.3 × the floor; no-op ≤ 0.3 s; 10,000 events ≤ 120 s and ≤ 2 GB with t(10k)/t(1k) ≤ 12;
the real briefing's PDF ≤ 2 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# The floor: what this stack costs at least — import Matplotlib and WeasyPrint, render the final HTML
# the build produced (charts already drawn) to PDF, in one fresh process.
FLOOR = r"""
import sys, weasyprint, matplotlib.pyplot
from pathlib import Path
out = Path(sys.argv[1])
for html in sys.argv[2:]:
    path = out / html
    weasyprint.HTML(filename=str(path), base_url=str(out) + "/").write_pdf(str(path.with_suffix(".floor.pdf")))
"""


def measure(args, env=None) -> dict:
    """Run a command in a fresh process; wall time, CPU time and peak RSS of that process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed ({code}):\n{stderr.decode()[-3000:]}")
    return {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def build_cmd(data: Path, out: Path, *extra) -> list[str]:
    return [sys.executable, "-m", "borderwar_report", "build", "-q", "--data", str(data), "--out", str(out),
            "--templates", str(ROOT / "templates"), *extra]


def best_of(n, fn):
    runs = [fn() for _ in range(n)]
    return min(runs, key=lambda r: r["wall_s"]) | {"runs": len(runs),
                                                    "median_wall_s": statistics.median(r["wall_s"] for r in runs)}


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def real_data(work: Path, repeat: int) -> dict:
    data = work / "data"
    shutil.copytree(ROOT / "data", data)
    out = work / "out"

    def cold():
        shutil.rmtree(out, ignore_errors=True)
        return measure(build_cmd(data, out))

    results = {"cold_build": best_of(repeat, cold)}
    htmls = [p.name for p in sorted(out.glob("*.html"))]
    results["floor"] = best_of(repeat, lambda: measure([sys.executable, "-c", FLOOR, str(out), *htmls]))
    results["floor"]["html_rendered"] = htmls
    results["build_over_floor"] = round(results["cold_build"]["wall_s"] / results["floor"]["wall_s"], 2)
    results["noop"] = best_of(max(3, repeat), lambda: measure(build_cmd(data, out)))

    event = sorted((data / "events").glob("*.yaml"))[len(list((data / "events").glob("*.yaml"))) // 2]
    original = event.read_text(encoding="utf-8")

    def one_record_edit():
        text = event.read_text(encoding="utf-8")
        event.write_text(text + "\n# edit\n" if text == original else original, encoding="utf-8")
        return measure(build_cmd(data, out))

    results["rebuild_after_record_edit"] = best_of(repeat, one_record_edit)
    templates = work / "templates"
    shutil.copytree(ROOT / "templates", templates)
    measure(build_cmd(data, out, "--templates", str(templates)))  # settle on the copied templates
    css = sorted(templates.glob("*.css"))[0]
    css_text = css.read_text(encoding="utf-8")

    def template_edit():
        now = css.read_text(encoding="utf-8")
        css.write_text(now + "\n/* edit */\n" if now == css_text else css_text, encoding="utf-8")
        return measure(build_cmd(data, out, "--templates", str(templates)))

    results["rebuild_after_template_edit"] = best_of(repeat, template_edit)
    results["sizes_bytes"] = {p.relative_to(out).as_posix(): p.stat().st_size
                              for p in sorted(out.rglob("*")) if p.is_file() and p.suffix in {".pdf", ".svg",
                                                                                                ".png", ".pptx"}
                              and ".floor." not in p.name}
    results["briefing_pages"] = pdf_pages(out / "briefing.pdf")
    return results


def scaling(work: Path, sizes: list[int]) -> dict:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import write_dataset

    rows = {}
    for n in sizes:
        data = write_dataset(n, work / f"syn-{n}")
        out = work / f"syn-{n}-out"
        m = measure(build_cmd(data, out))
        m["briefing_pages"] = pdf_pages(out / "briefing.pdf")
        m["briefing_bytes"] = (out / "briefing.pdf").stat().st_size
        m["poster_pages"] = pdf_pages(out / "timeline-poster.pdf")
        m["handout_pages"] = pdf_pages(out / "handout.pdf")
        rows[str(n)] = m
        print(f"  {n:>6} events: {m['wall_s']:.1f} s, {m['peak_rss_mb']:.0f} MB, {m['briefing_pages']} pages",
              file=sys.stderr)
    keys = [str(n) for n in sizes]
    growth = {f"{b}/{a}": round(rows[b]["wall_s"] / rows[a]["wall_s"], 2) for a, b in zip(keys, keys[1:])}
    return {"by_size": rows, "time_growth": growth}


def verdicts(res: dict) -> list[tuple[str, bool, str]]:
    out = []
    real = res.get("real", {})
    if real:
        out.append(("cold build ≤ 1.3 × floor", real["build_over_floor"] <= 1.3, f"{real['build_over_floor']}×"))
        out.append(("no-op ≤ 0.3 s", real["noop"]["wall_s"] <= 0.3, f"{real['noop']['wall_s']} s"))
        size = real["sizes_bytes"]["briefing.pdf"]
        out.append(("briefing PDF ≤ 2 MB", size <= 2_000_000, f"{size / 1e6:.2f} MB"))
    by = res.get("scaling", {}).get("by_size", {})
    if "10000" in by:
        big = by["10000"]
        out.append(("10,000 events ≤ 120 s", big["wall_s"] <= 120, f"{big['wall_s']} s"))
        out.append(("10,000 events ≤ 2 GB", big["peak_rss_mb"] <= 2048, f"{big['peak_rss_mb']} MB"))
    if "10000" in by and "1000" in by:
        ratio = by["10000"]["wall_s"] / by["1000"]["wall_s"]
        out.append(("t(10k)/t(1k) ≤ 12", ratio <= 12, f"{ratio:.1f}"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000", help="synthetic data set sizes (events)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per real-data measurement (best is kept)")
    ap.add_argument("--skip-real", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    res: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="borderwar-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_real:
            print("real data…", file=sys.stderr)
            res["real"] = real_data(work, args.repeat)
        if sizes:
            print("scaling…", file=sys.stderr)
            res["scaling"] = scaling(work, sizes)
    res["targets"] = [{"target": t, "met": ok, "measured": v} for t, ok, v in verdicts(res)]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(res, indent=2) + "\n")
    print_table(res)


def print_table(res: dict) -> None:
    real = res.get("real")
    if real:
        print("\n| measurement | wall s | CPU s | peak RSS MB |\n|---|---|---|---|")
        for key in ("cold_build", "floor", "noop", "rebuild_after_record_edit", "rebuild_after_template_edit"):
            m = real[key]
            print(f"| {key.replace('_', ' ')} | {m['wall_s']} | {m['cpu_s']} | {m['peak_rss_mb']} |")
        print(f"\nbuild / floor = {real['build_over_floor']}; briefing {real['briefing_pages']} pages")
        print("\n| output | bytes |\n|---|---|")
        for name, size in real["sizes_bytes"].items():
            print(f"| {name} | {size:,} |")
    scale = res.get("scaling")
    if scale:
        print("\n| events | wall s | CPU s | peak RSS MB | briefing pages | briefing bytes | poster pages |")
        print("|---|---|---|---|---|---|---|")
        for n, m in scale["by_size"].items():
            print(f"| {int(n):,} | {m['wall_s']} | {m['cpu_s']} | {m['peak_rss_mb']} | {m['briefing_pages']} | "
                  f"{m['briefing_bytes']:,} | {m['poster_pages']} |")
        print(f"\ntime growth: {scale['time_growth']}")
    print("\n| target | met | measured |\n|---|---|---|")
    for t in res["targets"]:
        print(f"| {t['target']} | {'yes' if t['met'] else 'NO'} | {t['measured']} |")


if __name__ == "__main__":
    main()
