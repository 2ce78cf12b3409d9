/*
 * value.c - a printed bill string -> the value it stands for.
 *
 * One left-to-right scan, no locale: [sign] [currency...] [sign] number
 * [unit] ["/-"]. The number is digits with commas anywhere between them
 * (Indian grouping "1,23,456.50" and western "123,456.50" alike) and one
 * optional decimal point; after a comma, a space before the last three
 * digits is a comma the OCR lost ("9,49 849.45"). Currency marks: ₹, Rs, Rs., INR, $ (before or
 * after); "/-" after an amount also makes it money. Units: % (percent),
 * g/gm/gms/gram(s)/gr/grm (grams), mg (milligrams), ct/cts/carat(s) (a gem
 * weight, 0.2 g each - except a whole karat count such as "22 ct", which
 * Indian bills use for purity), k/kt/karat (purity). A bracketed or "-"
 * number is negative. "HSN 7113" is an HSN code. Anything else is text.
 */
#include "doc/doc_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    int karat, fineness;
} karats[] = {{24, 999}, {23, 958}, {22, 916}, {21, 875}, {20, 833},
              {18, 750}, {14, 585}, {10, 417}, {9, 375}};
static const int hallmarks[] = {999, 995, 958, 916, 875, 833, 750, 585, 417, 375};

static const char *skip_space(const char *p)
{
    for (;;) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        else if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0) /* NBSP */
            p += 2;
        else
            return p;
    }
}

/* The length of a currency mark at p (case-insensitive), 0 if none. */
static size_t currency_at(const char *p)
{
    if (!strncmp(p, "\xe2\x82\xb9", 3))
        return 3;
    if (*p == '$')
        return 1;
    if (!strncasecmp(p, "inr", 3) && !isalpha((unsigned char)p[3]))
        return 3;
    if (!strncasecmp(p, "rs", 2) && !isalpha((unsigned char)p[2]))
        return p[2] == '.' ? 3 : 2;
    return 0;
}

/* Digits with commas between them and one '.', into *num; the end or NULL. */
static const char *scan_number(const char *p, double *num)
{
    char digits[64];
    size_t n = 0;
    int seen_digit = 0, seen_dot = 0, seen_comma = 0;

    for (;; p++) {
        if (isdigit((unsigned char)*p)) {
            seen_digit = 1;
        } else if (*p == ',' && seen_digit && !seen_dot && isdigit((unsigned char)p[1])) {
            seen_comma = 1;
            continue;
        } else if (*p == ' ' && seen_comma && !seen_dot && isdigit((unsigned char)p[1]) &&
                   isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
                   !isdigit((unsigned char)p[4]) && p[4] != ' ' && p[4] != ',') {
            continue; /* the last group's comma lost to a space ("9,49 849.45", OCR) */
        } else if (*p == '.' && !seen_dot && isdigit((unsigned char)p[1])) {
            seen_dot = 1;
        } else {
            break;
        }
        if (n + 1 >= sizeof digits)
            return NULL;
        digits[n++] = *p;
    }
    if (!seen_digit)
        return NULL;
    digits[n] = 0;
    *num = strtod(digits, NULL);
    return p;
}

struct unit {
    const char *name;
    enum doc_kind kind;
    double scale;
};
/* Longest names first where one is a prefix of another. */
static const struct unit units[] = {
    {"grams", DOC_WEIGHT, 1},   {"gram", DOC_WEIGHT, 1},   {"gms", DOC_WEIGHT, 1},
    {"grm", DOC_WEIGHT, 1},     {"gm", DOC_WEIGHT, 1},     {"gr", DOC_WEIGHT, 1},
    {"g", DOC_WEIGHT, 1},       {"mg", DOC_WEIGHT, 0.001}, {"carats", DOC_WEIGHT, 0.2},
    {"carat", DOC_WEIGHT, 0.2}, {"cts", DOC_WEIGHT, 0.2},  {"ct", DOC_WEIGHT, 0.2},
    {"karat", DOC_PURITY, 1},   {"kt", DOC_PURITY, 1},     {"k", DOC_PURITY, 1},
    {"%", DOC_PERCENT, 1},
};

static const struct unit karat_unit = {"karat", DOC_PURITY, 1};

static int karat_fineness(double k)
{
    for (size_t i = 0; i < sizeof karats / sizeof karats[0]; i++)
        if (k == karats[i].karat)
            return karats[i].fineness;
    return 0;
}

/* A unit at p: its table row and length, or NULL. */
static const struct unit *unit_at(const char *p, size_t *len)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);
        if (!strncasecmp(p, units[i].name, n) && !isalpha((unsigned char)p[n])) {
            *len = n;
            return &units[i];
        }
    }
    return NULL;
}

/* "HSN[/SAC][ code][:] 7113..." -> DOC_HSN; 0 when text is not that. */
static int parse_hsn(const char *p, struct doc_value *out)
{
    double num;
    const char *e;

    if (strncasecmp(p, "hsn", 3))
        return 0;
    p += 3;
    if (!strncasecmp(p, "/sac", 4))
        p += 4;
    p = skip_space(p);
    if (!strncasecmp(p, "code", 4))
        p = skip_space(p + 4);
    if (*p == ':' || *p == '-')
        p = skip_space(p + 1);
    e = scan_number(p, &num);
    if (!e || *skip_space(e) || e - p < 4 || e - p > 8 || memchr(p, '.', (size_t)(e - p)))
        return 0;
    out->kind = DOC_HSN;
    out->num = num;
    return 1;
}

/* The unit and money marks after the number; 0 when something else follows. */
static int parse_suffix(const char *p, int money, double num, struct doc_value *out)
{
    const struct unit *u = NULL;
    size_t len = 0, c;

    p = skip_space(p);
    if (*p && (u = unit_at(p, &len)) != NULL)
        p = skip_space(p + len);
    if ((c = currency_at(p)) != 0) {
        money = 1;
        p = skip_space(p + c);
    }
    if (p[0] == '/' && p[1] == '-') {
        money = 1;
        p = skip_space(p + 2);
    }
    if (*p || (u && money))
        return 0;
    out->kind = money ? DOC_MONEY : DOC_NUMBER;
    out->num = num;
    if (!u)
        return 1;
    out->kind = u->kind;
    out->num = num * u->scale;
    if (u->scale == 0.2 && karat_fineness(num) && num == (double)(long)num)
        u = &karat_unit; /* "22 ct" is 22 karat */
    if (u->kind == DOC_PURITY) {
        int f = karat_fineness(num);
        if (!f)
            return 0;
        out->kind = DOC_PURITY;
        out->num = f;
    }
    return 1;
}

void doc_parse_value(const char *text, struct doc_value *out)
{
    const char *p = skip_space(text ? text : "");
    int neg = 0, paren = 0, money = 0;
    size_t c;
    double num;
    char *dup = NULL;

    out->kind = DOC_TEXT;
    out->num = 0;
    if (!*p) {
        out->kind = DOC_EMPTY;
        return;
    }
    if (parse_hsn(p, out))
        return;
    if (*p == '(') {
        paren = 1;
        p = skip_space(p + 1);
    }
    for (int i = 0; i < 2; i++) {
        if (*p == '-' && !neg) {
            neg = 1;
            p = skip_space(p + 1);
        }
        if ((c = currency_at(p)) != 0) {
            money = 1;
            p = skip_space(p + c);
        }
    }
    const char *e = scan_number(p, &num);
    if (!e)
        return;
    if (paren) { /* "(1,200.00)": drop the closing bracket, keep what follows */
        const char *close = strchr(e, ')');
        if (!close || !(dup = strdup(close + 1)))
            return;
        if (strspn(e, " \t") != (size_t)(close - e)) {
            free(dup);
            return;
        }
        e = dup;
    }
    if (parse_suffix(e, money, (neg || paren) ? -num : num, out) == 0) {
        out->kind = DOC_TEXT;
        out->num = 0;
    }
    free(dup);
}

int doc_value_numeric(const struct doc_value *v)
{
    return v->kind != DOC_EMPTY && v->kind != DOC_TEXT;
}

int doc_purity_fineness(const struct doc_value *v)
{
    if (v->kind == DOC_PURITY)
        return (int)v->num;
    if (v->kind != DOC_NUMBER)
        return 0;
    for (size_t i = 0; i < sizeof hallmarks / sizeof hallmarks[0]; i++)
        if (v->num == hallmarks[i])
            return hallmarks[i];
    return 0;
}

int doc_hsn_jewellery(const char *text)
{
    const char *p = text ? text : "";
    size_t n;

    while (*p && !isdigit((unsigned char)*p))
        p++;
    n = strspn(p, "0123456789");
    return n >= 4 && n <= 8 && (!strncmp(p, "7113", 4) || !strncmp(p, "7117", 4));
}
