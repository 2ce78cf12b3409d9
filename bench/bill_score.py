#!/usr/bin/env python3
"""bill_score.py - score `karat bill --json` outputs against the generated truth.

    bench/bill_score.py TRUTH.json RESULT.json   -> one JSON line of counts

Cells are compared exactly after whitespace normalisation (runs of spaces
collapsed, ends trimmed). Predicted columns are matched to the truth's
headers by normalised name, else by position when the counts agree.
Predicted rows are aligned to truth rows in order (a greedy walk that lets
an extra or missing row through); a truth row is recalled when at least
half of its cells match. Extras: a truth key/value pair counts when a
predicted key equal to it (case and spaces ignored) has the same value.
"""
import json
import sys


def norm(s):
    return " ".join(str(s).split())


def key(s):
    return norm(s).lower().replace(" ", "")


def main():
    truth = json.load(open(sys.argv[1], encoding="utf-8"))
    try:
        res = json.load(open(sys.argv[2], encoding="utf-8"))
    except (OSError, ValueError):
        res = {"table": [], "extras": {}}
    th = truth["headers"]
    rows = res.get("table", [])
    pk = list(rows[0].keys()) if rows else []
    colmap = {}
    for i, h in enumerate(th):
        for p in pk:
            if key(p) == key(h):
                colmap[i] = p
    if len(colmap) < len(th) and len(pk) == len(th):
        for i, h in enumerate(th):
            colmap.setdefault(i, pk[i])
    pred = [[norm(r.get(colmap[i], "")) if i in colmap else None for i in range(len(th))]
            for r in rows]
    cells = ok = recalled = 0
    j = 0
    for tr in truth["rows"]:
        tr = [norm(v) for v in tr]
        cells += len(tr)
        best, best_k = -1, -1
        for k in range(j, min(j + 3, len(pred))):
            m = sum(1 for a, b in zip(tr, pred[k]) if a == b)
            if m > best:
                best, best_k = m, k
        if best_k >= 0 and best * 2 >= len(tr):
            ok += best
            recalled += 1
            j = best_k + 1
    ex = truth["extras"]
    pe = {key(k): norm(v) for k, v in res.get("extras", {}).items()}
    ex_ok = sum(1 for k, v in ex.items() if pe.get(key(k)) == norm(v))
    hdr_ok = sum(1 for i in range(len(th)) if i in colmap and key(colmap[i]) == key(th[i]))
    print(json.dumps({"cells": cells, "cells_ok": ok, "rows": len(truth["rows"]),
                      "rows_ok": recalled, "extras": len(ex), "extras_ok": ex_ok,
                      "headers": len(th), "headers_ok": hdr_ok}))


if __name__ == "__main__":
    main()
