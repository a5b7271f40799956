"""Speed, memory and size of the build, and how they grow.

    python -m benchmarks.run                 # everything (≈ a few minutes at 10,000 events)
    python -m benchmarks.run --sizes 100,1000 --repeat 1

Prints a table and writes benchmarks/results/latest.json. Every figure is measured in a fresh process
(os.wait4 gives its CPU time, including the side process it forks; memory is sampled over the whole process
tree and summed). The briefing is set beside a plain document of the same page count (benchmarks/plain.py),
alternated in one run, and the briefing step once more in one piece (BORDERWAR_SERIAL=1: no parallel parts).
Targets (issue #17), checked at the end: the briefing step of a cold build (no chapter-end decisions or page map
from a last build) ≤ 1.5 × the plain document per page, in wall time (the briefing step alone lays out in
parallel parts; the plain document is one process; CPU is printed beside it); no-op ≤ 0.1 s; 10,000 events
≤ 40 s and ≤ 1.2 GB summed, no-op there ≤ 0.3 s; 50,000 events finish in ≤ 300 s and ≤ 4 GB with
t(50k)/t(10k) ≤ 5; the real briefing's PDF ≤ 2 MB.
"""

from __future__ import annotations

import argparse
import contextlib
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

def _tree(pid: int) -> list[int]:
    """pid and all its descendants, from /proc (Linux)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
        except OSError:
            pass
    return out


def _rss_kb(pid: int) -> int:
    """RSS of one process in KiB, from /proc/PID/statm: a counter the kernel keeps, cheap to read."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kb(pid: int) -> int:
    """PSS of one process in KiB (shares a forked child's copy-on-write pages out fairly), from smaps_rollup,
    which walks the process's page tables: about 11 ms for a 850 MB process, so it is read less often."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(args, env=None, timeout: float | None = None) -> dict:
    """Run a command in a fresh process: wall time, CPU time (of it and its children, from wait4), the peak
    RSS of its largest process, and the peak of RSS and of PSS summed over its whole process tree (sampled from
    /proc, RSS every 0.1 s, PSS every second: reading PSS walks page tables, and at 10 times a second it took
    about a fifth of a core from a 10,000-event build). Past ``timeout`` s the tree is killed and the result
    says ``finished: false``."""
    import signal
    import threading

    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    peak = {"rss": 0, "pss": 0, "largest": 0}
    done = threading.Event()

    def sample():
        rounds = 0
        while not done.wait(0.1):
            tree = _tree(proc.pid)
            sizes = [_rss_kb(p) for p in tree]
            peak["rss"] = max(peak["rss"], sum(sizes))
            peak["largest"] = max([peak["largest"], *sizes])
            if rounds % 10 == 0:
                peak["pss"] = max(peak["pss"], sum(_pss_kb(p) for p in tree))
            rounds += 1

    def watchdog():
        if not done.wait(timeout):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if timeout:
        threading.Thread(target=watchdog, daemon=True).start()
    drained = {}
    readers = [threading.Thread(target=lambda k=k, f=f: drained.__setitem__(k, f.read()), daemon=True)
               for k, f in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    for reader in readers:
        reader.join()
    code = os.waitstatus_to_exitcode(status)
    result = {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
              # wait4's ru_maxrss counts the benchmark's own pages from before exec, so the sampled figure
              # is the one reported; both are kept in the JSON
              "peak_rss_mb": round(peak["largest"] / 1024, 1), "wait4_maxrss_mb": round(usage.ru_maxrss / 1024, 1),
              "peak_rss_sum_mb": round(peak["rss"] / 1024, 1), "peak_pss_sum_mb": round(peak["pss"] / 1024, 1)}
    if timeout and code == -signal.SIGKILL and wall >= timeout:
        return result | {"finished": False}
    if code != 0:
        raise SystemExit(f"{' '.join(map(str, args))} failed ({code}):\n{drained.get('err', b'').decode()[-3000:]}")
    return result | {"finished": True}


def build_cmd(data: Path, out: Path, *extra) -> list[str]:
    return [sys.executable, "-m", "borderwar_report", "build", "-q", "--data", str(data), "--out", str(out),
            "--templates", str(ROOT / "templates"), *extra]


def best_of(n, fn):
    """n runs; the median of each figure."""
    return median_of([fn() for _ in range(n)])


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


# The briefing alone, in a fresh process, with the charts already drawn: the build's briefing step (HTML,
# WeasyPrint, the checks, the web edition), nothing else. With a fourth argument "cold", the last build's
# chapter-end decisions and page map are removed first, so it lays out as a cold build does.
BRIEFING_ONLY = r"""
import sys
from pathlib import Path
if sys.argv[4:] == ["cold"]:
    for name in (".briefing-flow.json", ".briefing-pages.json"):
        (Path(sys.argv[3]) / name).unlink(missing_ok=True)
from borderwar_report.build.plan import BuildOptions
from borderwar_report.build.runner import run
from borderwar_report.core.log import Log
from borderwar_report.core.project import Project
run(Project(sys.argv[1], sys.argv[2], sys.argv[3]), BuildOptions(force=True, only=("briefing",)), Log(quiet=True))
"""

# The plain document of the same page count, rendered to PDF in a fresh process.
# Its fonts are subset the way the build subsets them (HarfBuzz), so the comparison is of layout and design.
PLAIN = r"""
import sys, weasyprint
from borderwar_report.documents.pdf import subset_hook
with subset_hook():
    weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[1][:-5] + ".pdf")
"""


def median_of(runs: list[dict]) -> dict:
    keys = [k for k in runs[0] if isinstance(runs[0][k], (int, float)) and not isinstance(runs[0][k], bool)]
    return {k: round(statistics.median(r[k] for r in runs), 3) for k in keys} | {"runs": len(runs)}


def real_data(work: Path, repeat: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from benchmarks.plain import write_plain

    data = work / "data"
    shutil.copytree(ROOT / "data", data)
    out = work / "out"

    def cold():
        shutil.rmtree(out, ignore_errors=True)
        return measure(build_cmd(data, out))

    cold()  # settle (and make the charts the plain document borrows)
    pages = pdf_pages(out / "briefing.pdf")
    charts = sorted((out / "charts" / "print").glob("*.svg"))[:3]
    plain = write_plain(pages, work / "plain", charts, ROOT / "templates" / "fonts")
    briefing_only = [sys.executable, "-c", BRIEFING_ONLY, str(data), str(ROOT / "templates"), str(out)]
    # Alternated in one run, so the load of other work on the machine falls on all three alike.
    runs: dict[str, list] = {"cold_build": [], "briefing_only": [], "briefing_cold": [],
                             "briefing_cold_one_piece": [], "plain": []}
    one_piece = {**os.environ, "BORDERWAR_SERIAL": "1"}  # the briefing in one WeasyPrint render (no parts)
    for _ in range(repeat):
        runs["cold_build"].append(cold())
        runs["briefing_only"].append(measure(briefing_only))
        runs["briefing_cold"].append(measure([*briefing_only, "cold"]))
        runs["briefing_cold_one_piece"].append(measure([*briefing_only, "cold"], env=one_piece))
        runs["plain"].append(measure([sys.executable, "-c", PLAIN, str(plain)]))
    results = {key: median_of(value) for key, value in runs.items()}
    results["plain"]["pages"] = pdf_pages(plain.with_suffix(".pdf"))
    results["briefing_pages"] = pages
    per_page = {k: results[k]["cpu_s"] / (pages if k != "plain" else results["plain"]["pages"]) for k in runs}
    results["briefing_over_plain_per_page_cpu"] = round(per_page["briefing_only"] / per_page["plain"], 2)
    results["briefing_cold_over_plain_per_page_cpu"] = round(per_page["briefing_cold"] / per_page["plain"], 2)
    results["briefing_cold_one_piece_over_plain_per_page_cpu"] = round(
        per_page["briefing_cold_one_piece"] / per_page["plain"], 2)
    wall = {k: results[k]["wall_s"] / (pages if k != "plain" else results["plain"]["pages"]) for k in runs}
    for key in ("briefing_only", "briefing_cold", "briefing_cold_one_piece"):
        results[f"{key}_over_plain_per_page_wall"] = round(wall[key] / wall["plain"], 2)
    results["build_over_plain_per_page_cpu"] = round(per_page["cold_build"] / per_page["plain"], 2)
    results["build_over_plain_per_page_wall"] = round(
        results["cold_build"]["wall_s"] / pages / (results["plain"]["wall_s"] / results["plain"]["pages"]), 2)
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
                              }
    return results


def scaling(work: Path, sizes: list[int], timeout: float) -> dict:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import write_dataset

    rows = {}
    for n in sizes:
        data = write_dataset(n, work / f"syn-{n}")
        out = work / f"syn-{n}-out"
        m = measure(build_cmd(data, out), timeout=timeout)
        if m["finished"]:
            m["briefing_pages"] = pdf_pages(out / "briefing.pdf")
            m["briefing_bytes"] = (out / "briefing.pdf").stat().st_size
            m["poster_pages"] = pdf_pages(out / "timeline-poster.pdf")
            m["handout_pages"] = pdf_pages(out / "handout.pdf")
            m["noop"] = measure(build_cmd(data, out))
        rows[str(n)] = m
        print(f"  {n:>6} events: {m['wall_s']:.1f} s{'' if m['finished'] else ' (stopped: timeout)'}, "
              f"{m['peak_rss_sum_mb']:.0f} MB summed, {m.get('briefing_pages', '?')} pages", file=sys.stderr)
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    keys = [str(n) for n in sizes]
    growth = {f"{b}/{a}": round(rows[b]["wall_s"] / rows[a]["wall_s"], 2) for a, b in zip(keys, keys[1:])
              if rows[a]["finished"] and rows[b]["finished"]}
    return {"by_size": rows, "time_growth": growth}


def verdicts(res: dict) -> list[tuple[str, bool, str]]:
    """The targets of issue #17."""
    out = []
    real = res.get("real", {})
    if real:
        ratio = real.get("briefing_cold_over_plain_per_page_wall")
        if ratio is not None:  # the briefing is laid out in parallel parts: time is wall time on this machine
            out.append(("briefing (cold) ≤ 1.5 × plain document per page (wall; the plain document is one process)",
                        ratio <= 1.5, f"{ratio}× wall, {real['briefing_cold_over_plain_per_page_cpu']}× CPU; in one "
                        f"piece {real['briefing_cold_one_piece_over_plain_per_page_wall']}× wall; rebuild with the "
                        f"last layout's decisions {real['briefing_only_over_plain_per_page_wall']}× wall"))
        out.append(("no-op ≤ 0.1 s (real data)", real["noop"]["wall_s"] <= 0.1, f"{real['noop']['wall_s']} s"))
        size = real["sizes_bytes"]["briefing.pdf"]
        out.append(("briefing PDF ≤ 2 MB", size <= 2_000_000, f"{size / 1e6:.2f} MB"))
    by = res.get("scaling", {}).get("by_size", {})
    big = by.get("10000")
    if big:
        out.append(("10,000 events ≤ 40 s", big["finished"] and big["wall_s"] <= 40, f"{big['wall_s']} s"))
        out.append(("10,000 events ≤ 1.2 GB summed over processes", big["peak_rss_sum_mb"] <= 1200,
                    f"{big['peak_rss_sum_mb']} MB"))
        if big["finished"]:
            out.append(("no-op ≤ 0.3 s at 10,000 events", big["noop"]["wall_s"] <= 0.3, f"{big['noop']['wall_s']} s"))
    huge = by.get("50000")
    if huge:
        out.append(("50,000 events finish ≤ 300 s", huge["finished"] and huge["wall_s"] <= 300,
                    f"{huge['wall_s']} s" + ("" if huge["finished"] else " (stopped)")))
        out.append(("50,000 events ≤ 4 GB summed over processes", huge["peak_rss_sum_mb"] <= 4096,
                    f"{huge['peak_rss_sum_mb']} MB"))
    if big and huge:
        ok = big["finished"] and huge["finished"]
        ratio = huge["wall_s"] / big["wall_s"]
        out.append(("t(50k)/t(10k) ≤ 5", ok and ratio <= 5, f"{ratio:.1f}" + ("" if ok else " (at least)")))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000,50000", help="synthetic data set sizes (events)")
    ap.add_argument("--repeat", type=int, default=3, help="alternated runs per real-data measurement (medians)")
    ap.add_argument("--timeout", type=float, default=360, help="seconds before a synthetic build is stopped")
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
            res["scaling"] = scaling(work, sizes, args.timeout)
    res["targets"] = [{"target": t, "met": ok, "measured": v} for t, ok, v in verdicts(res)]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(res, indent=2) + "\n")
    print_table(res)


def print_table(res: dict) -> None:
    real = res.get("real")
    if real:
        print("\n| measurement (real data) | wall s | CPU s | peak RSS MB, largest process | summed over processes |")
        print("|---|---|---|---|---|")
        for key in ("cold_build", "briefing_only", "briefing_cold", "briefing_cold_one_piece", "plain", "noop",
                    "rebuild_after_record_edit",
                    "rebuild_after_template_edit"):
            m = real[key]
            print(f"| {key.replace('_', ' ')} | {m['wall_s']} | {m['cpu_s']} | {m['peak_rss_mb']} | "
                  f"{m['peak_rss_sum_mb']} |")
        print(f"\nbriefing {real['briefing_pages']} pages, plain document {real['plain']['pages']} pages; per page, "
              f"briefing / plain = cold {real['briefing_cold_over_plain_per_page_wall']}× wall, "
              f"{real['briefing_cold_over_plain_per_page_cpu']}× CPU (in one piece "
              f"{real['briefing_cold_one_piece_over_plain_per_page_wall']}× wall, "
              f"{real['briefing_cold_one_piece_over_plain_per_page_cpu']}× CPU); with the last build's decisions "
              f"{real['briefing_only_over_plain_per_page_wall']}× wall, {real['briefing_over_plain_per_page_cpu']}× "
              f"CPU; whole cold build / plain = "
              f"{real['build_over_plain_per_page_cpu']}× CPU, {real['build_over_plain_per_page_wall']}× wall")
        print("\n| output | bytes |\n|---|---|")
        for name, size in real["sizes_bytes"].items():
            print(f"| {name} | {size:,} |")
    scale = res.get("scaling")
    if scale:
        print("\n| events | wall s | CPU s | peak RSS MB, largest | summed | briefing pages | briefing bytes | "
              "poster pages | no-op s |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n, m in scale["by_size"].items():
            if not m["finished"]:
                print(f"| {int(n):,} | > {m['wall_s']} (stopped) | {m['cpu_s']} | {m['peak_rss_mb']} | "
                      f"{m['peak_rss_sum_mb']} | | | | |")
                continue
            print(f"| {int(n):,} | {m['wall_s']} | {m['cpu_s']} | {m['peak_rss_mb']} | {m['peak_rss_sum_mb']} | "
                  f"{m['briefing_pages']} | {m['briefing_bytes']:,} | {m['poster_pages']} | {m['noop']['wall_s']} |")
        print(f"\ntime growth: {scale['time_growth']}")
    print("\n| target | met | measured |\n|---|---|---|")
    for t in res["targets"]:
        print(f"| {t['target']} | {'yes' if t['met'] else 'NO'} | {t['measured']} |")


if __name__ == "__main__":
    main()
