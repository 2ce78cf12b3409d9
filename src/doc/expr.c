/*
 * expr.c - the row filter of POST /further_req ("manual"), offline.
 *
 * Grammar (keywords case-insensitive; docs/API.md has examples):
 *   expr       := and ("or" and)*
 *   and        := unary ("and" unary)*
 *   unary      := "not" unary | "(" expr ")" | comparison
 *   comparison := column op value
 *   op         := = | == | != | <> | < | <= | > | >= | "contains"
 *   column     := words up to the operator, or a "quoted" / `quoted` name;
 *                 matched to the table's headers ignoring case, spaces,
 *                 dots, underscores and hyphens
 *   value      := a "quoted" string, or words up to and/or/")"/an operator
 *                 sign/the end
 * Values are parsed like cells (doc_parse_value): "Amount > ₹1,000" and
 * "Amount > 1000" agree. = and != compare numbers when both sides have one
 * (purity by fineness, so "Purity = 22K" matches "916"), else the text
 * ignoring case; <, <=, >, >= need numbers on both sides (a row without one
 * does not match); "contains" looks for the text in the cell, ignoring case.
 *
 * Bounds: DOC_EXPR_MAX bytes of text, DOC_EXPR_NODES nodes, nesting depth
 * DOC_EXPR_DEPTH. Every failure is bad_filter, naming what was not
 * understood and where.
 */
#include "doc/doc_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_CONTAINS };
enum node_kind { N_AND, N_OR, N_NOT, N_CMP };

struct node {
    enum node_kind kind;
    int a, b; /* children (N_AND, N_OR: both; N_NOT: a) */
    enum op op;
    size_t col;
    char value[DOC_EXPR_MAX + 1];
    struct doc_value v;
};

struct doc_expr {
    struct node n[DOC_EXPR_NODES];
    int count, root;
};

struct parser {
    const char *s, *p;
    const struct doc_table *t;
    struct doc_expr *e;
    int depth;
    struct kr_err *err;
};

static const char *skip(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* Is the keyword kw at p, as a whole word? */
static int keyword(const char *p, const char *kw)
{
    size_t n = strlen(kw);
    return !strncasecmp(p, kw, n) && !isalnum((unsigned char)p[n]) && p[n] != '_';
}

static int op_at(const char *p, enum op *op)
{
    static const struct {
        const char *text;
        enum op op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<>", OP_NE}, {"<=", OP_LE},
               {">=", OP_GE}, {"=", OP_EQ},  {"<", OP_LT},  {">", OP_GT}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strncmp(p, ops[i].text, strlen(ops[i].text))) {
            *op = ops[i].op;
            return (int)strlen(ops[i].text);
        }
    if (keyword(p, "contains")) {
        *op = OP_CONTAINS;
        return 8;
    }
    return 0;
}

static enum kr_code fail(struct parser *ps, const char *what)
{
    return kr_fail(ps->err, KRS_BAD_FILTER, "manual: %s at character %zu of \"%.80s\"", what,
                   (size_t)(ps->p - ps->s) + 1, ps->s);
}

/* A quoted string at ps->p into out (quote char q); the parser moves past it. */
static enum kr_code quoted(struct parser *ps, char *out, size_t n)
{
    char q = *ps->p;
    const char *end = strchr(ps->p + 1, q);

    if (!end)
        return fail(ps, "an unclosed quote");
    if ((size_t)(end - ps->p - 1) >= n)
        return fail(ps, "a name or value that is too long");
    memcpy(out, ps->p + 1, (size_t)(end - ps->p - 1));
    out[end - ps->p - 1] = 0;
    ps->p = skip(end + 1);
    return KR_OK;
}

/* Bare words up to an operator (column) or to and/or/")" (value). */
static void words(struct parser *ps, int is_column, char *out, size_t n)
{
    const char *start = ps->p, *end = ps->p;
    enum op op;
    size_t len;

    while (*ps->p && *ps->p != '(' && *ps->p != ')') {
        if (is_column ? op_at(ps->p, &op) != 0 : strchr("=<>!", *ps->p) != NULL)
            break;
        if (!is_column && (keyword(ps->p, "and") || keyword(ps->p, "or")) &&
            (ps->p == start || isspace((unsigned char)ps->p[-1])))
            break;
        if (!isspace((unsigned char)*ps->p))
            end = ps->p + 1;
        ps->p++;
    }
    len = (size_t)(end - start) < n ? (size_t)(end - start) : n - 1;
    memcpy(out, start, len);
    out[len] = 0;
    ps->p = skip(ps->p);
}

/* The column whose squashed header equals the squashed name; -1 if none. */
static long column_of(const struct doc_table *t, const char *name)
{
    char want[DOC_EXPR_MAX + 1], have[DOC_MAX_CELL + 1];

    doc__squash(name, want, sizeof want);
    for (size_t c = 0; c < t->ncols; c++) {
        doc__squash(t->headers[c], have, sizeof have);
        if (!strcmp(want, have))
            return (long)c;
    }
    return -1;
}

/* name's column; else say what is missing: an operator after a column
 * that its first words name ("Amount 1000"), or the column itself. */
/* name (which starts at name_at) as a column into *col; a failure points at
 * the name, or past the known column it starts with (the word where an
 * operator was expected). */
static enum kr_code find_column(struct parser *ps, const char *name, const char *name_at,
                                size_t *col)
{
    char prefix[DOC_EXPR_MAX + 1], msg[DOC_EXPR_MAX + 96];
    long c = column_of(ps->t, name);

    if (c >= 0) {
        *col = (size_t)c;
        return KR_OK;
    }
    snprintf(prefix, sizeof prefix, "%s", name);
    for (char *sp = strrchr(prefix, ' '); sp; sp = strrchr(prefix, ' ')) {
        *sp = 0;
        if (column_of(ps->t, prefix) >= 0) {
            ps->p = skip(name_at + strlen(prefix));
            snprintf(msg, sizeof msg,
                     "an operator (=, !=, <, <=, >, >=, contains) was expected "
                     "after \"%.80s\"",
                     prefix);
            return fail(ps, msg);
        }
    }
    snprintf(msg, sizeof msg, "no column \"%.80s\"", name);
    ps->p = name_at;
    return fail(ps, msg);
}

static int new_node(struct parser *ps, enum node_kind kind)
{
    struct node *n;

    if (ps->e->count == DOC_EXPR_NODES)
        return -1;
    n = &ps->e->n[ps->e->count];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    return ps->e->count++;
}

static enum kr_code comparison(struct parser *ps, int *out)
{
    char name[DOC_EXPR_MAX + 1];
    enum kr_code rc;
    struct node *n;
    int len;
    const char *name_at = ps->p;

    if (*ps->p == '"' || *ps->p == '`') {
        if ((rc = quoted(ps, name, sizeof name)))
            return rc;
    } else {
        words(ps, 1, name, sizeof name);
    }
    if (!*name)
        return fail(ps, *ps->p ? "a column name was expected" : "the filter ends too early");
    if ((*out = new_node(ps, N_CMP)) < 0)
        return fail(ps, "too many conditions");
    n = &ps->e->n[*out];
    if ((rc = find_column(ps, name, *name_at == '"' || *name_at == '`' ? name_at + 1 : name_at,
                          &n->col)))
        return rc;
    if (!(len = op_at(ps->p, &n->op)))
        return fail(ps, "an operator (=, !=, <, <=, >, >=, contains) was expected");
    ps->p = skip(ps->p + len);
    if (*ps->p == '"' || *ps->p == '\'') {
        if ((rc = quoted(ps, n->value, sizeof n->value)))
            return rc;
    } else {
        words(ps, 0, n->value, sizeof n->value);
    }
    if (!*n->value)
        return fail(ps, "a value was expected");
    doc_parse_value(n->value, &n->v);
    if (n->op >= OP_LT && n->op <= OP_GE && !doc_value_numeric(&n->v))
        return fail(ps, "a number was expected after <, <=, > or >=");
    return KR_OK;
}

static enum kr_code parse_or(struct parser *ps, int *out);

static enum kr_code unary(struct parser *ps, int *out)
{
    enum kr_code rc;
    int child;

    if (++ps->depth > DOC_EXPR_DEPTH)
        return fail(ps, "too deep a nesting");
    if (keyword(ps->p, "not")) {
        ps->p = skip(ps->p + 3);
        if ((rc = unary(ps, &child)))
            return rc;
        if ((*out = new_node(ps, N_NOT)) < 0)
            return fail(ps, "too many conditions");
        ps->e->n[*out].a = child;
    } else if (*ps->p == '(') {
        ps->p = skip(ps->p + 1);
        if ((rc = parse_or(ps, out)))
            return rc;
        if (*ps->p != ')')
            return fail(ps, "a closing bracket was expected");
        ps->p = skip(ps->p + 1);
    } else if ((rc = comparison(ps, out))) {
        return rc;
    }
    ps->depth--;
    return KR_OK;
}

/* One level of binary operators: kw joins items made by next. */
static enum kr_code binary(struct parser *ps, const char *kw, enum node_kind kind,
                           enum kr_code (*next)(struct parser *, int *), int *out)
{
    enum kr_code rc;
    int right, node;

    if ((rc = next(ps, out)))
        return rc;
    while (keyword(ps->p, kw)) {
        ps->p = skip(ps->p + strlen(kw));
        if ((rc = next(ps, &right)))
            return rc;
        if ((node = new_node(ps, kind)) < 0)
            return fail(ps, "too many conditions");
        ps->e->n[node].a = *out;
        ps->e->n[node].b = right;
        *out = node;
    }
    return KR_OK;
}

static enum kr_code parse_and(struct parser *ps, int *out)
{
    return binary(ps, "and", N_AND, unary, out);
}

static enum kr_code parse_or(struct parser *ps, int *out)
{
    return binary(ps, "or", N_OR, parse_and, out);
}

enum kr_code doc_expr_parse(const char *text, const struct doc_table *t, struct doc_expr **out,
                            struct kr_err *err)
{
    struct parser ps = {text, NULL, t, NULL, 0, err};
    enum kr_code rc;

    *out = NULL;
    if (strlen(text) > DOC_EXPR_MAX)
        return kr_fail(err, KRS_BAD_FILTER, "manual: longer than %d bytes", DOC_EXPR_MAX);
    if (!(ps.e = calloc(1, sizeof *ps.e)))
        return kr_fail(err, KRS_OUT_OF_MEMORY, "out of memory");
    ps.p = skip(text);
    if (!(rc = parse_or(&ps, &ps.e->root)) && *ps.p)
        rc = fail(&ps, *ps.p == ')' ? "a closing bracket without an opening one"
                                    : "\"and\" or \"or\" was expected");
    if (rc) {
        free(ps.e);
        return rc;
    }
    *out = ps.e;
    return KR_OK;
}

void doc_expr_free(struct doc_expr *e)
{
    free(e);
}

static int compare(const struct node *n, const struct doc_cell *cell)
{
    const struct doc_value *a = &cell->v, *b = &n->v;
    int num = doc_value_numeric(a) && doc_value_numeric(b);
    double x = a->num, y = b->num;

    if (num && (a->kind == DOC_PURITY || b->kind == DOC_PURITY)) {
        x = doc_purity_fineness(a);
        y = doc_purity_fineness(b);
    }
    switch (n->op) {
    case OP_CONTAINS:
        return strcasestr(cell->text, n->value) != NULL;
    case OP_EQ:
    case OP_NE: {
        char p[DOC_MAX_CELL + 1], q[DOC_EXPR_MAX + 1];
        int eq;
        doc__squash(cell->text, p, sizeof p);
        doc__squash(n->value, q, sizeof q);
        eq = num ? x == y : !strcmp(p, q);
        return n->op == OP_EQ ? eq : !eq;
    }
    case OP_LT:
        return num && x < y;
    case OP_LE:
        return num && x <= y;
    case OP_GT:
        return num && x > y;
    default:
        return num && x >= y;
    }
}

static int eval(const struct doc_expr *e, int i, const struct doc_table *t, size_t row)
{
    const struct node *n = &e->n[i];

    switch (n->kind) {
    case N_AND:
        return eval(e, n->a, t, row) && eval(e, n->b, t, row);
    case N_OR:
        return eval(e, n->a, t, row) || eval(e, n->b, t, row);
    case N_NOT:
        return !eval(e, n->a, t, row);
    default:
        return compare(n, doc_cell_at(t, row, n->col));
    }
}

int doc_expr_match(const struct doc_expr *e, const struct doc_table *t, size_t row)
{
    return eval(e, e->root, t, row);
}
