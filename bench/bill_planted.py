#!/usr/bin/env python3
"""bill_planted.py - bills with planted arithmetic errors, and how Karat's checks find them.

    bench/bill_planted.py gen OUTDIR [--seed N] [--quick]   -> "name height" lines
    bench/bill_planted.py score OUTDIR VARIANT...           -> a Markdown table

gen writes OUTDIR/p<NN>_<layout>_<plant>.html (rendered by bench/bill_planted.sh)
and .plant.json: {"plant": kind, "row": r}. Two layouts: "qty" (Item, HSN,
Qty, Rate, Amount: qty x rate = amount) and "weight" (a jewellery bill:
Net Wt (g) x Rate/g + Making = Amount); both print Sub Total, CGST 1.5%,
SGST 1.5% and Grand Total under the table. Each bill has at most one
planted error and everything else is consistent with what is printed, so
exactly one check should fire:
  row       one line's amount off (the sub total adds up the printed amounts)
  subtotal  the sub total off (taxes and grand total follow the printed one)
  gst       CGST off (the grand total adds up the printed taxes)
  grand     the grand total off
  none      a correct bill: any arithmetic warning on it is a false one
Amounts are off by a plausible slip (a digit changed, 10-900 rupees).

score reads OUTDIR/<name>.<VARIANT>.json (`karat bill --json`) and counts,
per variant and planted kind: bills, planted errors flagged (recall: a
warning of the matching kind - line_amount/line_weight on the planted row,
subtotal, tax, grand_total), and arithmetic warnings that the plant does not
explain (false warnings; low-confidence warnings are not arithmetic and are
not counted). Precision is counted per warning: warnings the plant
explains / all arithmetic warnings (those on correct bills included).
Also counted: the "ocr_corrected" notes (a misread rupee sign put right,
not arithmetic) per variant, in table cells and in extras.
"""
import glob
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bill_gen import ITEMS, PURITY, RATE, SELLERS, inr, page  # noqa: E402

PLANTS = ["row", "subtotal", "gst", "grand", "none"]
ARITH = {"line_amount", "line_weight", "subtotal", "tax", "grand_total"}
EXPECT = {"subtotal": {"subtotal"}, "gst": {"tax"}, "grand": {"grand_total"}}


def slip(rng, v):
    """v with a plausible mistake: off by 10-900 rupees."""
    return round(v + rng.choice([-1, 1]) * rng.choice([10, 20, 50, 90, 100, 180, 300, 900]), 2)


def lines(rng, layout, n):
    if layout == "qty":
        headers = ["Sr", "Item", "HSN", "Qty", "Rate", "Amount"]
    else:
        headers = ["Sr", "Item", "HSN", "Purity", "Net Wt (g)", "Rate/g", "Making", "Amount"]
    rows, amounts = [], []
    for i in range(n):
        if layout == "qty":
            q, rate = rng.randrange(1, 6), rng.randrange(400, 9000, 5)
            amt = round(q * rate, 2)
            cells = [str(i + 1), rng.choice(ITEMS[:10]), rng.choice(["7113", "7117"]), str(q),
                     inr(rate), inr(amt)]
        else:
            p = rng.choice(PURITY)
            net = round(rng.uniform(1.5, 40), 3)
            rate = RATE[p] + rng.randrange(-150, 150, 5)
            making = round(net * rng.choice([350, 420, 500]), 2)
            amt = round(net * rate + making, 2)
            cells = [str(i + 1), rng.choice(ITEMS[:10]), "7113", p, "%.3f" % net, inr(rate, False),
                     inr(making), inr(amt)]
        rows.append(cells)
        amounts.append(amt)
    return headers, rows, amounts


def bill(rng, layout, n, plant):
    headers, rows, amounts = lines(rng, layout, n)
    where = rng.randrange(n) if plant == "row" else None
    if plant == "row":
        amounts[where] = slip(rng, amounts[where])
        rows[where][-1] = inr(amounts[where])
    sub = round(sum(amounts), 2)
    if plant == "subtotal":
        sub = slip(rng, sub)
    cgst = sgst = round(sub * 0.015, 2)
    if plant == "gst":
        cgst = slip(rng, cgst)
    grand = round(sub + cgst + sgst, 2)
    if plant == "grand":
        grand = slip(rng, grand)
    extras = {"Invoice No": "INV/2026/%04d" % rng.randrange(1, 9999),
              "Date": "%02d/%02d/2026" % (rng.randrange(1, 29), rng.randrange(1, 13)),
              "Sub Total": inr(sub), "CGST 1.5%": inr(cgst), "SGST 1.5%": inr(sgst),
              "Grand Total": inr(grand)}
    return headers, rows, extras, where


def gen(outdir, seed, quick):
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    sizes = [3, 6] if quick else [3, 6, 10]
    k = 0
    for layout in ("qty", "weight"):
        for n in sizes:
            for plant in PLANTS:
                headers, rows, extras, where = bill(rng, layout, n, plant)
                name = "p%02d_%s_%s" % (k, layout, plant)
                k += 1
                doc = page("ruled" if k % 2 else "plain", headers, rows, extras,
                           rng.choice(SELLERS), headers)
                path = "%s/%s.html" % (outdir, name)
                old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
                if old != doc:  # unchanged pages keep their time: renders are reused
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(doc)
                with open("%s/%s.plant.json" % (outdir, name), "w", encoding="utf-8") as f:
                    json.dump({"plant": plant, "row": where, "layout": layout}, f)
                print(name, 200 + 34 * n + 60 * len(extras))


def judge(plant, warnings):
    """(flagged, explained warnings, unexplained warnings) for one bill."""
    arith = [w for w in warnings if w.get("kind") in ARITH]
    if plant["plant"] == "row":
        good = [w for w in arith if w["kind"].startswith("line_") and w.get("row") == plant["row"]]
    else:
        good = [w for w in arith if w["kind"] in EXPECT.get(plant["plant"], set())]
    return bool(good), len(good), len(arith) - len(good)


def score(outdir, variants):
    print("| variant | planted | bills | flagged | recall | arithmetic warnings | explained | "
          "false (unexplained) | precision |")
    print("|---|---|---|---|---|---|---|---|---|")
    for var in variants:
        agg = {p: [0, 0, 0, 0] for p in PLANTS}  # bills, flagged, explained, unexplained
        for pj in sorted(glob.glob(outdir + "/*.plant.json")):
            plant = json.load(open(pj, encoding="utf-8"))
            res = pj[:-len(".plant.json")] + "." + var + ".json"
            try:
                warnings = json.load(open(res, encoding="utf-8")).get("warnings", [])
            except (OSError, ValueError):
                warnings = []  # no table read: nothing flagged
            flagged, good, bad = judge(plant, warnings)
            a = agg[plant["plant"]]
            a[0] += 1
            a[1] += flagged
            a[2] += good
            a[3] += bad
        tot = [sum(agg[p][i] for p in PLANTS if p != "none") for i in range(4)]
        for p in PLANTS + ["all errors"]:
            a = agg[p] if p in agg else tot
            if p == "none":
                print("| %s | none (correct) | %d | - | - | %d | - | %d | - |" %
                      (var, a[0], a[2] + a[3], a[3]))
                continue
            allw = a[2] + a[3]
            print("| %s | %s | %d | %d | %.2f | %d | %d | %d | %s |" %
                  (var, p, a[0], a[1], a[1] / max(1, a[0]), allw, a[2], a[3],
                   "%.2f" % (a[2] / allw) if allw else "-"))
    # precision over everything: explained / all arithmetic warnings, correct bills included
    for var in variants:
        good = bad = 0
        for pj in glob.glob(outdir + "/*.plant.json"):
            plant = json.load(open(pj, encoding="utf-8"))
            try:
                w = json.load(open(pj[:-len(".plant.json")] + "." + var + ".json",
                                   encoding="utf-8")).get("warnings", [])
            except (OSError, ValueError):
                w = []
            _, g, b = judge(plant, w)
            good, bad = good + g, bad + b
        print("%s: warning precision %s (%d explained of %d arithmetic warnings)" %
              (var, "%.3f" % (good / (good + bad)) if good + bad else "-", good, good + bad))
    # what doc_fix_ocr put right (not arithmetic): "ocr_corrected" notes, in cells and extras
    for var in variants:
        cells = extras = bills = 0
        for pj in glob.glob(outdir + "/*.plant.json"):
            try:
                w = json.load(open(pj[:-len(".plant.json")] + "." + var + ".json",
                                   encoding="utf-8")).get("warnings", [])
            except (OSError, ValueError):
                w = []
            notes = [x for x in w if x.get("kind") == "ocr_corrected"]
            bills += bool(notes)
            cells += sum(1 for x in notes if x.get("column") is not None)
            extras += sum(1 for x in notes if x.get("column") is None)
        print("%s: ocr_corrected notes: %d table cells, %d extras, on %d bills" %
              (var, cells, extras, bills))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "gen":
        seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 13
        gen(sys.argv[2], seed, "--quick" in sys.argv)
    elif len(sys.argv) >= 4 and sys.argv[1] == "score":
        score(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
