#!/usr/bin/env python3
"""One-off generator: the original system's field-list JSON -> data/marketplaces/<mp>_<type>.json.

It was run ONCE to translate the original system's field lists into Karat's
schema format (docs/MARKETPLACES.md). The files were then fixed by hand for the
original's known bugs (see "Fixes" in docs/MARKETPLACES.md), so re-running it
overwrites those fixes: diff against git before committing anything it writes.

Usage: scripts/gen_marketplaces.py SOURCE_JSON [OUT_DIR]
"""
import json
import os
import re
import sys

if len(sys.argv) < 2:
    sys.exit("usage: scripts/gen_marketplaces.py SOURCE_JSON [OUT_DIR]")
SRC = sys.argv[1]
OUT = sys.argv[2] if len(sys.argv) > 2 else "data/marketplaces"

TYPES = {"ear": "earrings", "nec": "necklace", "bra": "bracelet"}
MARKETS = {"ama": "amazon", "fli": "flipkart", "mee": "meesho", "sho": "shopsy"}
FLIPKART_SHEETS = {"earrings": "earring", "necklace": "necklace_chain",
                   "bracelet": "bangle_bracelet_armlet"}

# Limits: Amazon.in's published listing-text limits for jewelry (title 200
# characters, description 2000, search keywords 199 bytes); the others as the
# original's prompts asked for them.
AMAZON_COPY = {
    "item_name": ("title", {"max_chars": 200}),
    "product_description": ("description", {"max_chars": 2000}),
    "generic_keywords": ("keywords", {"max_bytes": 199, "separator": " "}),
}
FLIPKART_COPY = {
    "Description": ("description", {"max_chars": 2000}),
    "Search Keywords": ("keywords", {"separator": "::"}),
    "Key Features": ("features", {}),
    "Product Title": ("title", {"max_chars": 160}),
}
MEESHO_COPY = {
    "Product Name": ("title", {"max_chars": 160}),
    "Product Description": ("description", {"max_chars": 2000}),
}


def clean_question(q):
    q = q.replace("jwellery", "jewellery").strip()
    q = re.sub(r"\s+", " ", q)
    q = re.sub(r"\s*\|\s*note:\s*", " ", q)
    return q[:1].upper() + q[1:]


def column_from_source(name, src, gem, copy_map):
    col = {"name": name}
    if name in copy_map:
        role, extra = copy_map[name]
        col.update({"source": "copy", "copy": role})
        col.update(extra)
    elif src.startswith("writer: SKU"):
        col["source"] = "sku"
    elif src.startswith("writer: description"):
        col.update({"source": "copy", "copy": "description", "max_chars": 2000})
    elif name.startswith("bullet_point"):
        col.update({"source": "copy", "copy": "bullet", "max_chars": 500})
    elif src.startswith("intended from dimension"):
        col.update({"source": "dims", "numeric": True})
    else:
        col["source"] = "attr"
    g = gem.get(name)
    if g:
        desc = clean_question(g.get("question", ""))
        if g.get("format"):
            desc += " (" + g["format"] + ")"
        col["description"] = desc
        if g.get("options"):
            col["allowed"] = list(dict.fromkeys(o.strip() for o in g["options"] if o.strip()))
    return col


def order_key(d, writer):
    if writer == "amazon":
        m = d["amazon_column_index_map_1based"]
        return lambda i, c: (m.get(c["name"], 10000), i)
    if writer == "flipkart":
        h = d["flipkart_fallback_headers"]
        return lambda i, c: (h.index(c["name"]) if c["name"] in h else 10000, i)
    return lambda i, c: (i, 0)


def layout(writer, ptype, mp):
    if writer == "amazon":
        return {"sheet": {"name": "Template", "match": ["Template"], "index": 0},
                "header_row": 3, "first_data_row": 4,
                "preamble": [{"row": 1, "cells": ["TemplateType=fptcustom"]}],
                "bullets": {"min": 3, "max": 5}}
    if writer == "flipkart":
        name = FLIPKART_SHEETS[ptype]
        if mp == "shopsy":
            return {"sheet": {"name": "shopsy_" + name, "match": ["shopsy_" + name, name],
                              "index": 2}, "header_row": 1, "first_data_row": 5}
        return {"sheet": {"name": name, "match": [name], "index": 2},
                "header_row": 1, "first_data_row": 5}
    return {"sheet": {"name": "Listings", "match": [], "index": 1},
            "header_row": 3, "first_data_row": 5}


def build(d, combo, mp, ptype):
    writer = combo["writer"]
    gem = {g["field"]: g for g in combo["gemini_fields"]}
    copy_map = {"amazon": AMAZON_COPY, "flipkart": FLIPKART_COPY, "meesho": MEESHO_COPY}[writer]
    cols = []
    for t in combo["target_field_sources"]:
        if t["column"] in combo["fixed_values"]:
            continue
        cols.append(column_from_source(t["column"], t["source"], gem, copy_map))
    for k, v in combo["fixed_values"].items():
        cols.append({"name": k, "source": "fixed", "value": v})
    key = order_key(d, writer)
    cols = [c for _, c in sorted(enumerate(cols), key=lambda ic: key(*ic))]
    doc = {"schema": 1, "marketplace": mp, "product_type": ptype,
           "code": mp[:3] + "_" + ptype[:3],
           "template_file": combo["template_file"]}
    doc.update(layout(writer, ptype, mp))
    doc["columns"] = cols
    return doc


def main():
    d = json.load(open(SRC, encoding="utf-8"))
    os.makedirs(OUT, exist_ok=True)
    combos = {c["marketplace_type"]: c for c in d["combinations"]}
    for code, combo in sorted(combos.items()):
        mp, ptype = MARKETS[code[:3]], TYPES[code[4:]]
        write(build(d, combo, mp, ptype))
    # Shopsy necklace/bracelet did not exist: the original's Shopsy earrings used the
    # Flipkart lists unchanged, so these reuse the Flipkart necklace/bracelet lists.
    for t in ("nec", "bra"):
        doc = build(d, combos["fli_" + t], "shopsy", TYPES[t])
        doc["template_file"] = TYPES[t] + "_shopsy.xlsx"
        write(doc)


def write(doc):
    path = os.path.join(OUT, "%s_%s.json" % (doc["marketplace"], doc["product_type"]))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(path, len(doc["columns"]), "columns")


if __name__ == "__main__":
    main()
