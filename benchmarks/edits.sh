#!/usr/bin/env bash
# One-record edits on a copy of the shipped data: wall and CPU time of each rebuild (CPU includes the side
# process the build waits for) and how many typeset PDFs it kept. Usage: benchmarks/edits.sh [CHECKOUT]
set -euo pipefail
checkout=$(cd "${1:-$(dirname "$0")/..}" && pwd)
export PYTHONPATH=$checkout/src
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$checkout/data" "$work/data"
event=$work/data/events/lake-khasan-1938.yaml

rebuild() {
    echo "$1 (load $(cut -d' ' -f1 /proc/loadavg))"
    /usr/bin/time -f "  %e s wall, %U+%S s CPU" python -m borderwar_report build --data "$work/data" \
        --out "$work/out" --templates "$checkout/templates" -v 2>"$work/log" >/dev/null || cat "$work/log"
    tail -1 "$work/log"
    echo "  kept: $(grep -c 'kept from the last build' "$work/log" || true) of 3 typeset PDFs"
}

rebuild "cold build"
rebuild "no-op"
echo "# a comment" >>"$event"
rebuild "a comment line added"
python - "$event" <<'PY'
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
head, body = text.split("summary: |\n", 1)
first, rest = body.split("\n", 1)
open(path, "w", encoding="utf-8").write(f"{head}summary: |\n{first} Indeed.\n{rest}")
PY
rebuild "one word added to the summary"
sed -i 's/{value: 913, claimant: jawp-changkufeng/{value: 914, claimant: jawp-changkufeng/' "$event"
rebuild "a wounded figure"
sed -i 's/{value: 525, claimant: jawp-changkufeng/{value: 530, claimant: jawp-changkufeng/' "$event"
rebuild "the highest killed figure"
