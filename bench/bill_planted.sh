#!/bin/sh
# bill_planted.sh - planted arithmetic errors and marketplace invoice fields (issue 13).
#
#   bench/bill_planted.sh [--build DIR] [--quick] [--seed N]
#
# Also run at the end of bench/bill_quality.sh. Two parts:
# 1. bench/bill_planted.py writes bills with one planted arithmetic error each
#    (a line amount, the sub total, CGST, the grand total) and correct ones,
#    into bench/data/planted/<seed>/ (git-ignored). chromium renders each as a
#    PDF with a text layer (--print-to-pdf: the checks alone, no OCR between)
#    and as a 1240 px screenshot (a scan: OCR, then the checks). `karat bill
#    --json` reads both; bill_planted.py scores the warnings: recall per
#    planted kind, false warnings, precision.
# 2. Marketplace invoices: tests/tools/order_pdf (in the build) writes Amazon.in,
#    Flipkart and Meesho tax invoices with 1-3 items and prints what should be
#    read; `karat order --json` reads each; every field is compared exactly.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
bench_bill_args "$@"
OUT="$ROOT/bench/data/planted/$SEED"
mkdir -p "$OUT" && rm -f "$OUT"/*.json.tmp
cp "$BUILD/karat" "$OUT/karat.bin"
KARAT="$OUT/karat.bin"
bench_header
python3 "$ROOT/bench/bill_planted.py" gen "$OUT" --seed "$SEED" $QUICK > "$OUT/plan.txt"
while read -r name height; do
    [ -f "$OUT/$name.scan.png" ] && [ "$OUT/$name.scan.png" -nt "$OUT/$name.html" ] && continue
    chromium --headless --disable-gpu --no-sandbox --no-pdf-header-footer \
        --print-to-pdf="$OUT/$name.text.pdf" "file://$OUT/$name.html" >/dev/null 2>&1
    chromium --headless --disable-gpu --no-sandbox --hide-scrollbars \
        --force-device-scale-factor=1 --window-size=1240,"$height" \
        --screenshot="$OUT/$name.scan.png" "file://$OUT/$name.html" >/dev/null 2>&1
done < "$OUT/plan.txt"
while read -r name height; do
    for f in "$OUT/$name.text.pdf" "$OUT/$name.scan.png"; do
        var=$(basename "$f"); var=${var#*.}; var=${var%%.*}
        KARAT_OCR_LANGS=eng "$KARAT" bill --json "$f" > "$OUT/$name.$var.json" 2>/dev/null || true
    done
done < "$OUT/plan.txt"
echo "planted arithmetic errors (text = PDF text layer, scan = OCR of a 1240 px render):"
python3 "$ROOT/bench/bill_planted.py" score "$OUT" text scan
# marketplace invoices: every field of parsed_data and of each products_data item
ok=0; all=0; bad=""
for m in amazon flipkart meesho; do
    for n in 1 2 3; do
        "$BUILD/order_pdf" "$m" "$n" "$OUT/order_${m}_$n.pdf" > "$OUT/order_${m}_$n.truth.json"
        "$KARAT" order --json "$OUT/order_${m}_$n.pdf" > "$OUT/order_${m}_$n.json" 2>/dev/null || true
        r=$(python3 - "$OUT/order_${m}_$n.truth.json" "$OUT/order_${m}_$n.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
try:
    g = json.load(open(sys.argv[2]))
except ValueError:
    g = {"parsed_data": {}, "products_data": []}
pairs = [(k, v, g["parsed_data"].get(k)) for k, v in t["parsed_data"].items()]
gi = g.get("products_data", [])
for i, it in enumerate(t["products_data"]):
    for k, v in it.items():
        pairs.append(("item%d.%s" % (i + 1, k), v, gi[i].get(k) if i < len(gi) else None))
wrong = [k for k, v, got in pairs if v != got]
if len(gi) != len(t["products_data"]):
    wrong.append("item_count=%d/%d" % (len(gi), len(t["products_data"])))
print(len(pairs) - len(wrong) + (len(gi) != len(t["products_data"])), len(pairs), ";".join(wrong))
PY
)
        set -- $r
        ok=$((ok + $1)); all=$((all + $2))
        [ -n "${3:-}" ] && bad="$bad $m/$n:$3"
    done
done
echo "marketplace invoices (Amazon.in, Flipkart, Meesho x 1-3 items, 9 files): $ok of $all fields right${bad:+; wrong:$bad}"
bench_load_after
