#!/usr/bin/env python3
"""bill_gen.py - the bill development set: generated data -> HTML -> PNG, plus truth.

    bench/bill_gen.py OUTDIR [--seed N] [--quick]

For each bill it writes OUTDIR/<name>.html (rendered by the caller with
chromium headless, see bench/bill_quality.sh) and OUTDIR/<name>.truth.json:
{"headers": [...], "rows": [[...], ...], "extras": {key: value}} - the data
the page was made from, which is the ground truth. Layouts: "ruled" and
"plain" (borderless) jewellery GST bills (item, HSN, purity 22K/916/18K,
gross/net weight, rate per gram, making, amount), a "hospital" bill shaped
like an itemised hospital statement, and "hindi" (a jewellery bill with
Hindi column headers; needs a Devanagari font and tesseract's hin data).
Row counts go from 1 to 120; some item names are long enough to wrap
(multi-line cells). Deterministic for a seed. No third-party modules.
"""
import html
import json
import random
import sys

ITEMS = ["Gold Ring", "Gold Chain", "Bangle Pair", "Jhumka Earrings", "Mangalsutra",
         "Nose Pin", "Pendant", "Anklet Pair", "Bracelet", "Kada",
         "Antique Kundan Necklace Set with Matching Earrings",
         "Temple Jewellery Choker with Ruby Drops", "Men's Chain", "Baby Bangles",
         "Solitaire Stud Earrings", "Gold Coin 10 g"]
PURITY = ["22K", "916", "18K", "750", "24K"]
RATE = {"22K": 6850, "916": 6850, "18K": 5600, "750": 5600, "24K": 7470}
SELLERS = ["Shree Ganesh Jewellers", "Kundan Kala Karigars", "Laxmi Gold Palace",
           "Meenakari Works"]
HINDI = ["क्रम", "विवरण", "शुद्धता", "सकल वजन", "शुद्ध वजन", "दर", "राशि"]


def inr(v, paise=True):
    """Indian digit grouping: 1,23,456.50"""
    neg = v < 0
    v = abs(v)
    whole = int(v)
    frac = round((v - whole) * 100)
    if frac == 100:
        whole, frac = whole + 1, 0
    s = str(whole)
    if len(s) > 3:
        head, tail = s[:-3], s[-3:]
        parts = []
        while len(head) > 2:
            parts.insert(0, head[-2:])
            head = head[:-2]
        if head:
            parts.insert(0, head)
        s = ",".join(parts) + "," + tail
    out = s + (".%02d" % frac if paise else "")
    return ("-" if neg else "") + out


def jewellery(rng, n):
    headers = ["Sr", "Item", "HSN", "Purity", "Gross Wt (g)", "Net Wt (g)", "Rate/g",
               "Making", "Amount"]
    rows, total = [], 0.0
    for i in range(n):
        p = rng.choice(PURITY)
        gross = round(rng.uniform(1.5, 60), 3)
        net = round(gross - rng.uniform(0, min(2.0, gross / 3)), 3)
        rate = RATE[p] + rng.randrange(-150, 150, 5)
        making = round(net * rng.choice([350, 420, 500, 650]), 2)
        amt = round(net * rate + making, 2)
        total += amt
        rows.append([str(i + 1), rng.choice(ITEMS), rng.choice(["7113", "7117"]), p,
                     "%.3f" % gross, "%.3f" % net, inr(rate, False), inr(making), inr(amt)])
    gst = round(total * 0.015, 2)
    extras = {"Invoice No": "INV/%d/%04d" % (rng.randrange(2024, 2027), rng.randrange(1, 9999)),
              "Date": "%02d/%02d/2026" % (rng.randrange(1, 29), rng.randrange(1, 13)),
              "GSTIN": "27AB%sE%04dF1Z%d" % ("CDE"[rng.randrange(3)], rng.randrange(10000),
                                             rng.randrange(10)),
              "Sub Total": inr(total), "CGST 1.5%": inr(gst), "SGST 1.5%": inr(gst),
              "Grand Total": inr(total + 2 * gst)}
    return headers, rows, extras


def hospital(rng, n):
    headers = ["Svc Dt", "Code", "Description", "CPT Code", "Qty", "Amount"]
    desc = ["HC ED VISIT LEVEL 4", "HC CBC AUTO W/AUTO DIF (LAB)", "HC IV PUSH INITIAL INJECTION",
            "HC URINALYSIS AUTO W/O SCOPE", "HC FAMOTIDINE 20MG/2ML VIAL", "HC X-RAY CHEST 2 VIEWS"]
    rows, total = [], 0.0
    for _ in range(n):
        q = rng.randrange(1, 4)
        a = round(rng.uniform(20, 2600), 2)
        total += a
        rows.append(["%02d/%02d/25" % (rng.randrange(1, 13), rng.randrange(1, 29)),
                     "%04d" % rng.randrange(200, 999), rng.choice(desc),
                     str(rng.randrange(80000, 99999)), str(q), "$" + "{:,.2f}".format(a)])
    extras = {"Patient": rng.choice(["Jane R. Doe", "Amit Kumar", "Priya Shah"]),
              "Account": str(rng.randrange(10**10, 10**11)),
              "Admit Date": "%02d/%02d/25" % (rng.randrange(1, 13), rng.randrange(1, 29)),
              "Total Charges": "$" + "{:,.2f}".format(total)}
    return headers, rows, extras


CSS = """body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:15px;margin:40px;background:#fff;color:#111}
h1{font-size:24px;margin:0 0 6px} .kv{margin:2px 0} table{border-collapse:collapse;margin:18px 0;width:100%%}
td,th{padding:5px 10px;text-align:left;vertical-align:top} th{font-weight:bold}
td.n,th.n{text-align:right} td.item{width:%dpx}
.ruled td,.ruled th{border:1px solid #333} .plain th{border-bottom:2px solid #fff}
.tot{margin-left:auto;width:50%%} .tot td{padding:3px 10px}"""


def page(kind, headers, rows, extras, seller, shown_headers):
    numeric = {i for i, h in enumerate(headers) if h in
               ("Gross Wt (g)", "Net Wt (g)", "Rate/g", "Making", "Amount", "Qty")}
    above = [k for k in extras if k in ("Invoice No", "Date", "GSTIN", "Patient", "Account",
                                          "Admit Date")]
    below = [k for k in extras if k not in above]
    cls = "ruled" if kind in ("ruled", "hospital", "hindi") else "plain"
    out = ["<!doctype html><meta charset=utf-8><style>%s</style><body>" % (CSS % 260)]
    out.append("<h1>%s</h1>" % html.escape(seller))
    for k in above:
        out.append("<div class=kv>%s: %s</div>" % (html.escape(k), html.escape(extras[k])))
    out.append("<table class=%s><tr>" % cls)
    for i, h in enumerate(shown_headers):
        out.append("<th%s>%s</th>" % (" class=n" if i in numeric else "", html.escape(h)))
    out.append("</tr>")
    for r in rows:
        out.append("<tr>" + "".join(
            "<td class=%s>%s</td>" % ("n" if i in numeric else ("item" if headers[i] in
                                      ("Item", "Description") else "t"), html.escape(v))
            for i, v in enumerate(r)) + "</tr>")
    out.append("</table><table class=tot>")
    for k in below:
        v = ("₹" + extras[k]) if kind != "hospital" else extras[k]
        extras[k] = v
        out.append("<tr><td>%s</td><td class=n>%s</td></tr>" % (html.escape(k), html.escape(v)))
    out.append("</table><p>Thank you for your business.</p></body>")
    return "".join(out)


def write_if_changed(path, text):
    """Keep an identical file (and its time) so renders made from it are reused."""
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    outdir = sys.argv[1]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 13
    quick = "--quick" in sys.argv
    rng = random.Random(seed)
    plan = [("ruled", 1), ("ruled", 8), ("ruled", 25), ("plain", 3), ("plain", 12),
            ("plain", 40), ("hospital", 5), ("hospital", 14), ("ruled", 120), ("hindi", 6)]
    if quick:
        plan = plan[:3]
    names = []
    for i, (kind, n) in enumerate(plan):
        if kind == "hospital":
            headers, rows, extras = hospital(rng, n)
        else:
            headers, rows, extras = jewellery(rng, n)
        shown = headers
        if kind == "hindi":
            shown = HINDI
            keep = [0, 1, 3, 4, 5, 6, 8]
            headers = [headers[k] for k in keep]
            rows = [[r[k] for k in keep] for r in rows]
        name = "%02d_%s_%d" % (i, kind, n)
        doc = page(kind, headers, rows, extras, rng.choice(SELLERS), shown)
        write_if_changed("%s/%s.html" % (outdir, name), doc)
        with open("%s/%s.truth.json" % (outdir, name), "w", encoding="utf-8") as f:
            json.dump({"headers": shown, "rows": rows, "extras": extras}, f, ensure_ascii=False)
        names.append((name, 200 + 34 * n + 60 * len(extras)))
    for name, height in names:
        print(name, height)


if __name__ == "__main__":
    main()
