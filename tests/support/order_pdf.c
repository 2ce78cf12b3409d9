/*
 * order_pdf.c - draws the test invoices of order_pdf.h (pango on a cairo
 * PDF surface). Positions are in points; each layout follows its
 * marketplace's tax invoice: Amazon.in with Billing and Shipping Address
 * columns, "(sku)" after the title and a Shipping Charges line under it, Flipkart with Bill To / Ship To
 * side by side and "SKU: x  HSN/SAC: y" under the title, Meesho with a
 * row of labels over a row of values and a SKU column.
 */
#include "order_pdf.h"
#include "cairo_buf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *const TITLES[] = {"Gold Plated Jhumka Earrings", "Kundan Choker Necklace Set",
                                     "Oxidised Silver Bangles"};
static const char *const TYPES[] = {"earrings", "necklace", "bangles"};
static const char *const IDS[] = {"6", "12", "3"};
static const char *const QTY[] = {"1", "2", "1"};
static const char *const AMOUNTS[3][3] = {{"846.00", "25.38", "871.38"},
                                          {"1,250.00", "75.00", "2,575.00"},
                                          {"499.00", "14.97", "513.97"}};
static const char *const CUR[] = {"\xe2\x82\xb9", "", "Rs.", ""};

static char pool[4][3][5][40]; /* market, item, {sku, price, tax, total, spare} */
static char totals[4][2][40];

void order_pdf_sample(enum opdf_market m, size_t nitems, struct opdf *o)
{
    static const char *const names[] = {"Amazon", "Flipkart", "Meesho", ""};
    memset(o, 0, sizeof *o);
    o->market = m;
    o->marketplace = names[m];
    o->customer = "Priya Sharma";
    o->addr[0] = "12 MG Road, Indiranagar";
    o->addr[1] = "Bengaluru, KARNATAKA, 560038";
    o->address = "12 MG Road, Indiranagar, Bengaluru, KARNATAKA, 560038";
    o->n = nitems;
    for (size_t i = 0; i < nitems; i++) {
        struct opdf_item *it = &o->items[i];
        snprintf(pool[m][i][0], 40, m == OPDF_MEESHO ? "%s-%s" : "%s%s", TYPES[i], IDS[i]);
        for (int k = 0; k < 3; k++)
            snprintf(pool[m][i][1 + k], 40, "%s%s", CUR[m], AMOUNTS[i][k]);
        *it = (struct opdf_item){TITLES[i], pool[m][i][0], TYPES[i], IDS[i], "7117", QTY[i],
                                 pool[m][i][1], pool[m][i][2], pool[m][i][3]};
    }
    snprintf(totals[m][0], 40, "%s%s%s", CUR[m], m == OPDF_FLIPKART ? "\xe2\x82\xb9 " : "",
             nitems == 1 ? "871.38" : "3,960.35");
    o->total = totals[m][0];
    o->invoice_date = m == OPDF_FLIPKART ? "05-10-2024" : "28.10.2024";
    if (m == OPDF_AMAZON) {
        o->order_id = "403-1234567-7654321", o->date = "28.10.2024", o->time = "10:35:12";
        o->tracking = "", o->payment = "Credit Card";
    } else if (m == OPDF_FLIPKART) {
        o->order_id = "OD432198765432101234", o->date = "05-10-2024", o->time = "02:41 PM";
        o->tracking = "FMPC1234567890", o->payment = "Prepaid";
    } else {
        o->order_id = "176543210987654321_1", o->date = "28.10.2024", o->time = "";
        o->tracking = "1490812345678", o->payment = "COD";
    }
}

void opdf_text(cairo_t *cr, double x, double y, const char *s, int px)
{
    char font[40];
    snprintf(font, sizeof font, "DejaVu Sans %dpx", px);
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_layout_set_text(l, s, -1);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, l);
    pango_font_description_free(fd);
    g_object_unref(l);
}

static void text(cairo_t *cr, double x, double y, const char *s)
{
    opdf_text(cr, x, y, s, 9);
}

static void textf(cairo_t *cr, double x, double y, const char *a, const char *b)
{
    char s[200];
    snprintf(s, sizeof s, "%s%s", a, b);
    text(cr, x, y, s);
}

static void amazon(cairo_t *cr, const struct opdf *o)
{
    static const double X[] = {30, 75, 300, 360, 395, 460, 510, 560, 630};
    static const char *const H[] = {"Sl. No", "Description", "Unit Price", "Qty", "Net Amount",
                                    "Tax Rate", "Tax Type", "Tax Amount", "Total Amount"};
    double y = 260;
    text(cr, 30, 30, "amazon.in");
    text(cr, 330, 30, "Tax Invoice/Bill of Supply/Cash Memo");
    text(cr, 30, 60, "Sold By :"), text(cr, 330, 60, "Billing Address :");
    text(cr, 30, 74, "Alya Jewels"), text(cr, 330, 74, o->customer);
    text(cr, 30, 88, "4 Johari Bazaar, Jaipur"), text(cr, 330, 88, o->addr[0]);
    text(cr, 30, 102, "GST Registration No: 08ABCDE1234F1Z5"), text(cr, 330, 102, o->addr[1]);
    text(cr, 330, 130, "Shipping Address :");
    text(cr, 330, 144, o->customer), text(cr, 330, 158, o->addr[0]);
    text(cr, 330, 172, o->addr[1]), text(cr, 330, 186, "Place of supply: KARNATAKA");
    textf(cr, 30, 210, "Order Number: ", o->order_id), text(cr, 330, 210, "Invoice Number : BLR7-9921");
    textf(cr, 30, 224, "Order Date: ", o->date), textf(cr, 330, 224, "Invoice Date : ", o->invoice_date);
    for (int c = 0; c < 9; c++)
        text(cr, X[c], y, c == 3 && o->qty_header ? o->qty_header : H[c]);
    for (size_t i = 0; i < o->n; i++) {
        const struct opdf_item *it = &o->items[i];
        char n[8], title[120];
        y += 30;
        snprintf(n, sizeof n, "%zu", i + 1);
        snprintf(title, sizeof title, "%s (%s)", it->title, it->sku);
        const char *cells[] = {n, title, it->price, it->qty, it->price, "3%", "IGST", it->tax, it->total};
        for (int c = 0; c < 9; c++)
            text(cr, X[c], y, cells[c]);
        textf(cr, 75, y + 13, "HSN:", it->hsn);
        y += 26; /* a charge line under the item: not part of its title */
        text(cr, 75, y, "Shipping Charges"), textf(cr, 300, y, CUR[0], "0.00");
        textf(cr, 560, y, CUR[0], "0.00"), textf(cr, 630, y, CUR[0], "0.00");
    }
    y += 40;
    text(cr, 30, y, "TOTAL:"), text(cr, 630, y, o->total);
    text(cr, 30, y + 30, "Payment Transaction ID: 2xYzAbC91");
    text(cr, 250, y + 30, "Date & Time: 28/10/2024, 10:35:12 hrs");
    textf(cr, 480, y + 30, "Mode of Payment: ", o->payment);
}

static void flipkart(cairo_t *cr, const struct opdf *o)
{
    static const double X[] = {30, 250, 290, 380, 440, 530, 590};
    static const char *const H[] = {"Product", "Qty", "Gross Amount \xe2\x82\xb9", "Discount \xe2\x82\xb9",
                                    "Taxable Value \xe2\x82\xb9", "IGST \xe2\x82\xb9", "Total \xe2\x82\xb9"};
    double y = 190;
    text(cr, 30, 30, "Tax Invoice"), text(cr, 400, 30, "Invoice Number # FAFBC2500123");
    textf(cr, 30, 50, "AWB No: ", o->tracking), textf(cr, 400, 50, "Payment Mode: ", o->payment);
    text(cr, 30, 80, "Sold By: Alya Jewels, Jaipur");
    textf(cr, 30, 110, "Order ID: ", o->order_id);
    text(cr, 300, 110, "Bill To"), text(cr, 480, 110, "Ship To");
    char d[80];
    snprintf(d, sizeof d, "Order Date: %s, %s", o->date, o->time);
    text(cr, 30, 124, d), text(cr, 300, 124, o->customer), text(cr, 480, 124, o->customer);
    textf(cr, 30, 138, "Invoice Date: ", o->invoice_date);
    text(cr, 300, 138, o->addr[0]), text(cr, 480, 138, o->addr[0]);
    text(cr, 30, 152, "PAN: ABCDE1234F");
    text(cr, 300, 152, o->addr[1]), text(cr, 480, 152, o->addr[1]);
    for (int c = 0; c < 7; c++)
        text(cr, X[c], y, H[c]);
    for (size_t i = 0; i < o->n; i++) {
        const struct opdf_item *it = &o->items[i];
        y += 30;
        const char *cells[] = {it->title, it->qty, it->price, "-0.00", it->price, it->tax, it->total};
        for (int c = 0; c < 7; c++)
            text(cr, X[c], y, cells[c]);
        textf(cr, 30, y + 13, "SKU: ", it->sku), textf(cr, 120, y + 13, "HSN/SAC: ", it->hsn);
    }
    y += 40;
    text(cr, 30, y, "Grand Total"), text(cr, 590, y, o->total);
    text(cr, 30, y + 40, "Returns Policy: At Flipkart we try to deliver perfectly each and every time.");
}

static void meesho(cairo_t *cr, const struct opdf *o)
{
    static const double X[] = {30, 100, 280, 315, 345, 430, 490, 575, 630};
    static const char *const H[] = {"SKU", "Description", "HSN", "Qty", "Gross Amount",
                                    "Discount", "Taxable Value", "Taxes", "Total"};
    double y = 190;
    text(cr, 30, 30, "TAX INVOICE"), text(cr, 400, 30, "Original For Recipient");
    text(cr, 30, 50, "Customer Address"), text(cr, 400, 50, "Sold by : Alya Jewels");
    text(cr, 30, 64, o->customer), text(cr, 400, 64, "GSTIN - 08ABCDE1234F1Z5");
    text(cr, 30, 78, o->addr[0]), text(cr, 30, 92, o->addr[1]);
    textf(cr, 400, 92, "AWB No: ", o->tracking), textf(cr, 400, 106, "Payment Mode: ", o->payment);
    text(cr, 30, 130, "Purchase Order No."), text(cr, 180, 130, "Invoice No.");
    text(cr, 300, 130, "Order Date"), text(cr, 420, 130, "Invoice Date");
    text(cr, 30, 144, o->order_id), text(cr, 180, 144, "vwxyz12345");
    text(cr, 300, 144, o->date), text(cr, 420, 144, o->invoice_date);
    for (int c = 0; c < 9; c++)
        text(cr, X[c], y, H[c]);
    for (size_t i = 0; i < o->n; i++) {
        const struct opdf_item *it = &o->items[i];
        y += 24;
        const char *cells[] = {it->sku, it->title, it->hsn, it->qty, it->price, "Rs.0.00",
                               it->price, it->tax, it->total};
        for (int c = 0; c < 9; c++)
            text(cr, X[c], y, cells[c]);
    }
    y += 34;
    text(cr, 30, y, "Total"), text(cr, 630, y, o->total);
    text(cr, 30, y + 40, "Sold through Meesho. Not to be used for customs.");
}

static void other(cairo_t *cr, const struct opdf *o)
{
    (void)o;
    text(cr, 30, 30, "Laxmi Gold Palace - Tax Invoice");
    text(cr, 30, 60, "Invoice No: INV/2026/0042");
    text(cr, 30, 100, "Item"), text(cr, 250, 100, "Qty"), text(cr, 300, 100, "Amount");
    text(cr, 30, 124, "Gold Ring 22K"), text(cr, 250, 124, "1"), text(cr, 300, 124, "45,000.00");
}

int order_pdf_make(const struct opdf *o, struct buf *out)
{
    static void (*const draw[])(cairo_t *, const struct opdf *) = {amazon, flipkart, meesho, other};
    buf_init(out, 16u << 20);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(tu_cairo_to_buf, out, 720, 600);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw[o->market](cr, o);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    int rc = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS ? 0 : -1;
    cairo_surface_destroy(s);
    return rc;
}

unsigned char *opdf_encrypt(const void *pdf, size_t n, size_t *out_n)
{
    char dir[256], in[300], out[300], cmd[1024];
    unsigned char *enc = NULL;
    if (system("command -v qpdf >/dev/null 2>&1") != 0)
        return NULL;
    tu_tmpdir(dir, sizeof dir);
    snprintf(in, sizeof in, "%s/in.pdf", dir);
    snprintf(out, sizeof out, "%s/enc.pdf", dir);
    tu_write_file(in, pdf, n);
    snprintf(cmd, sizeof cmd, "qpdf --encrypt secret owner 256 -- '%s' '%s'", in, out);
    if (system(cmd) == 0)
        enc = tu_read_file(out, out_n);
    tu_rmrf(dir);
    return enc;
}
