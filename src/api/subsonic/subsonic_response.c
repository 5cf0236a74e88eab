/*
 * subsonic_response.c - the Subsonic answer tree and its XML / JSON / JSONP writers.
 *
 * Children are kept in groups by name (in order of first appearance), so the JSON writer
 * emits each name once (an array for lists, else an object) and the XML writer emits the
 * elements of a group together. A run is a group's items already written as text (XML
 * elements side by side, or JSON objects separated by commas) in a heap buffer of its own.
 */
#include "api/subsonic/subsonic_response.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum {
    SUBSONIC_V_NONE,
    SUBSONIC_V_STR,
    SUBSONIC_V_INT,
    SUBSONIC_V_BOOL,
    SUBSONIC_V_FLOAT,
} SubsonicValueKind;

typedef struct SubsonicValue {
    SubsonicValueKind kind;
    union {
        const char *s;
        int64_t i;
        bool b;
        double f;
    } u;
} SubsonicValue;

typedef struct SubsonicAttr {
    const char *key;
    SubsonicValue value;
    struct SubsonicAttr *next;
} SubsonicAttr;

typedef struct SubsonicGroup {
    const char *name;
    bool list;
    SubsonicNode *first;
    SubsonicNode *last;
    SubsonicRun *run; /* items written ahead, after `first`..`last`; NULL when none */
    struct SubsonicGroup *next;
} SubsonicGroup;

struct SubsonicRun {
    SubsonicDoc *doc;
    bool xml; /* else JSON (and JSONP) */
    Buf text; /* heap-owned, released by subsonic_doc_free() */
    size_t count;
    struct SubsonicRun *next; /* the document's runs */
};

struct SubsonicNode {
    SubsonicDoc *doc;
    const char *name;
    SubsonicAttr *attrs;
    SubsonicAttr *attrs_last;
    SubsonicGroup *groups;
    SubsonicGroup *groups_last;
    SubsonicValue text;
    SubsonicNode *next; /* the next node of the same group */
};

struct SubsonicDoc {
    Arena *arena;
    SubsonicNode root;
    const char *server_version;
    bool legacy;
    bool oom;
    SubsonicRun *runs;
    size_t text_bytes; /* held by `runs` together */
    size_t text_max;
    bool spent; /* written: the text of its attached runs is gone */
};

static void subsonic_envelope(SubsonicDoc *doc, const char *status)
{
    SubsonicNode *root = &doc->root;
    memset(root, 0, sizeof(*root));
    root->doc = doc;
    root->name = "subsonic-response";
    subsonic_str(root, "status", status);
    subsonic_str(root, "version", SUBSONIC_API_VERSION);
    SubsonicNode *ext = subsonic_ext(root);
    subsonic_str(ext, "type", SUBSONIC_SERVER_TYPE);
    subsonic_str(ext, "serverVersion", doc->server_version);
    subsonic_bool(ext, "openSubsonic", true);
}

SubsonicDoc *subsonic_doc_new(Arena *arena, const char *server_version, bool legacy)
{
    SubsonicDoc *doc = arena_calloc(arena, 1, sizeof(*doc));
    if (!doc)
        return NULL;
    doc->arena = arena;
    doc->server_version = server_version;
    doc->legacy = legacy;
    doc->text_max = LIMIT_SUBSONIC_RUN_BYTES;
    subsonic_envelope(doc, "ok");
    return doc;
}

void subsonic_doc_free(SubsonicDoc *doc)
{
    for (SubsonicRun *run = doc ? doc->runs : NULL; run; run = run->next)
        buf_free(&run->text);
    if (doc) {
        doc->runs = NULL;
        doc->text_bytes = 0;
    }
}

SubsonicNode *subsonic_doc_root(SubsonicDoc *doc)
{
    return &doc->root;
}

bool subsonic_doc_legacy(const SubsonicDoc *doc)
{
    return doc->legacy;
}

void subsonic_doc_error(SubsonicDoc *doc, int code, const char *message, const char *help_url)
{
    doc->oom = false;
    doc->spent = false; /* the runs are no longer part of it */
    subsonic_envelope(doc, "failed");
    SubsonicNode *err = subsonic_child(&doc->root, "error");
    subsonic_int(err, "code", code);
    subsonic_str(err, "message", message);
    subsonic_str(subsonic_ext(err), "helpUrl", help_url);
}

/* Finds or appends the group `name` of `node`; NULL (document marked) when out of memory. */
static SubsonicGroup *subsonic_group(SubsonicNode *node, const char *name, bool list)
{
    SubsonicGroup *g = node->groups;
    while (g && strcmp(g->name, name) != 0)
        g = g->next;
    if (!g) {
        g = arena_calloc(node->doc->arena, 1, sizeof(*g));
        if (!g) {
            node->doc->oom = true;
            return NULL;
        }
        g->name = name;
        if (node->groups_last)
            node->groups_last->next = g;
        else
            node->groups = g;
        node->groups_last = g;
    }
    g->list = g->list || list;
    return g;
}

static SubsonicNode *subsonic_add(SubsonicNode *node, const char *name, bool list)
{
    SubsonicGroup *g = node ? subsonic_group(node, name, list) : NULL;
    if (!g)
        return NULL;
    SubsonicNode *child = arena_calloc(node->doc->arena, 1, sizeof(*child));
    if (!child) {
        node->doc->oom = true;
        return NULL;
    }
    child->doc = node->doc;
    child->name = name;
    if (g->last)
        g->last->next = child;
    else
        g->first = child;
    g->last = child;
    return child;
}

SubsonicNode *subsonic_child(SubsonicNode *node, const char *name)
{
    return subsonic_add(node, name, false);
}

SubsonicNode *subsonic_item(SubsonicNode *node, const char *name)
{
    return subsonic_add(node, name, true);
}

void subsonic_list(SubsonicNode *node, const char *name)
{
    if (node)
        subsonic_group(node, name, true);
}

SubsonicNode *subsonic_ext(SubsonicNode *node)
{
    return node && !node->doc->legacy ? node : NULL;
}

Arena *subsonic_node_arena(const SubsonicNode *node)
{
    return node ? node->doc->arena : NULL;
}

static void subsonic_attr(SubsonicNode *node, const char *key, SubsonicValue v)
{
    if (!node)
        return;
    SubsonicAttr *a = arena_alloc(node->doc->arena, sizeof(*a));
    if (!a) {
        node->doc->oom = true;
        return;
    }
    a->key = key;
    a->value = v;
    a->next = NULL;
    if (node->attrs_last)
        node->attrs_last->next = a;
    else
        node->attrs = a;
    node->attrs_last = a;
}

void subsonic_str(SubsonicNode *node, const char *key, const char *value)
{
    if (value)
        subsonic_attr(node, key, (SubsonicValue){.kind = SUBSONIC_V_STR, .u.s = value});
}

void subsonic_int(SubsonicNode *node, const char *key, int64_t value)
{
    subsonic_attr(node, key, (SubsonicValue){.kind = SUBSONIC_V_INT, .u.i = value});
}

void subsonic_bool(SubsonicNode *node, const char *key, bool value)
{
    subsonic_attr(node, key, (SubsonicValue){.kind = SUBSONIC_V_BOOL, .u.b = value});
}

void subsonic_float(SubsonicNode *node, const char *key, double value)
{
    subsonic_attr(node, key,
                  (SubsonicValue){.kind = SUBSONIC_V_FLOAT, .u.f = isfinite(value) ? value : 0});
}

void subsonic_time(SubsonicNode *node, const char *key, int64_t unix_s)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    char buf[32];
    if (!node || unix_s <= 0 || !gmtime_r(&t, &tm) ||
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return;
    const char *s = arena_strdup(node->doc->arena, buf);
    if (!s)
        node->doc->oom = true;
    subsonic_str(node, key, s);
}

void subsonic_text(SubsonicNode *node, const char *value)
{
    if (node && value)
        node->text = (SubsonicValue){.kind = SUBSONIC_V_STR, .u.s = value};
}

void subsonic_text_int(SubsonicNode *node, int64_t value)
{
    if (node)
        node->text = (SubsonicValue){.kind = SUBSONIC_V_INT, .u.i = value};
}

bool subsonic_callback_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64 || (name[0] >= '0' && name[0] <= '9') || name[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '$' || c == '.'))
            return false;
    }
    return true;
}

/* Writing. Every append goes through `w`, which remembers the first failure. */
typedef struct SubsonicWriter {
    Buf *out;
    Arena *arena;
    SubsonicDoc *doc; /* whose runs are released once copied; NULL when writing a run item */
    bool xml;
    int err;
} SubsonicWriter;

static void subsonic_put(SubsonicWriter *w, const char *s, size_t len)
{
    if (w->err == 0 && len)
        w->err = buf_append(w->out, s, len);
}

static void subsonic_puts(SubsonicWriter *w, const char *s)
{
    subsonic_put(w, s, strlen(s));
}

/* The items of `run` as they were written (their separator, in JSON, after `more`); the
 * run's text is then released, so the answer and its runs are not both held whole. */
static void subsonic_put_run(SubsonicWriter *w, SubsonicRun *run, bool more)
{
    if (!run || run->count == 0)
        return;
    if (more && !w->xml)
        subsonic_puts(w, ",");
    subsonic_put(w, run->text.data, run->text.len);
    if (w->doc) {
        w->doc->text_bytes -= run->text.len;
        buf_free(&run->text);
    }
}

/* Writes the scalar `v` as text (booleans as true/false, floats in shortest-ish form). */
static const char *subsonic_scalar(SubsonicWriter *w, const SubsonicValue *v, char tmp[40])
{
    switch (v->kind) {
    case SUBSONIC_V_STR: {
        const char *s = utf8_repair(w->arena, v->u.s);
        if (!s && w->err == 0)
            w->err = -ENOMEM;
        return s ? s : "";
    }
    case SUBSONIC_V_INT:
        snprintf(tmp, 40, "%lld", (long long)v->u.i);
        return tmp;
    case SUBSONIC_V_BOOL:
        return v->u.b ? "true" : "false";
    case SUBSONIC_V_FLOAT:
        snprintf(tmp, 40, "%.10g", v->u.f);
        return tmp;
    default:
        return "";
    }
}

/* XML character data or attribute value: markup characters as entities; in attributes
 * also tab and line breaks (which attribute normalisation would eat); other control
 * characters, which XML 1.0 cannot carry at all, are dropped. */
static void subsonic_xml_escape(SubsonicWriter *w, const char *s, bool attr)
{
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *rep = NULL;
        if (c == '&')
            rep = "&amp;";
        else if (c == '<')
            rep = "&lt;";
        else if (c == '>')
            rep = "&gt;";
        else if (c == '"' && attr)
            rep = "&quot;";
        else if (c == '\'' && attr)
            rep = "&apos;";
        else if (c == '\t' || c == '\n' || c == '\r')
            rep = !attr ? NULL : c == '\t' ? "&#9;" : c == '\n' ? "&#10;" : "&#13;";
        else if (c < 0x20 || c == 0x7f)
            rep = "";
        if (rep) {
            subsonic_put(w, run, (size_t)(s - run));
            subsonic_puts(w, rep);
            run = s + 1;
        }
    }
    subsonic_put(w, run, (size_t)(s - run));
}

static void subsonic_xml_node(SubsonicWriter *w, const SubsonicNode *n, bool root)
{
    char tmp[40];
    subsonic_puts(w, "<");
    subsonic_puts(w, n->name);
    if (root)
        subsonic_puts(w, " xmlns=\"http://subsonic.org/restapi\"");
    for (const SubsonicAttr *a = n->attrs; a; a = a->next) {
        subsonic_puts(w, " ");
        subsonic_puts(w, a->key);
        subsonic_puts(w, "=\"");
        subsonic_xml_escape(w, subsonic_scalar(w, &a->value, tmp), true);
        subsonic_puts(w, "\"");
    }
    bool empty = n->text.kind == SUBSONIC_V_NONE;
    for (const SubsonicGroup *g = n->groups; g && empty; g = g->next)
        empty = g->first == NULL && !(g->run && g->run->count);
    if (empty) {
        subsonic_puts(w, "/>");
        return;
    }
    subsonic_puts(w, ">");
    if (n->text.kind != SUBSONIC_V_NONE)
        subsonic_xml_escape(w, subsonic_scalar(w, &n->text, tmp), false);
    for (const SubsonicGroup *g = n->groups; g; g = g->next) {
        for (const SubsonicNode *c = g->first; c; c = c->next)
            subsonic_xml_node(w, c, false);
        subsonic_put_run(w, g->run, false);
    }
    subsonic_puts(w, "</");
    subsonic_puts(w, n->name);
    subsonic_puts(w, ">");
}

/* A JSON string; U+2028 and U+2029 are escaped too, so JSONP is valid JavaScript. */
static void subsonic_json_string(SubsonicWriter *w, const char *s)
{
    subsonic_puts(w, "\"");
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        size_t skip = 1;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = '\0';
        } else if (c == '\n' || c == '\t' || c == '\r') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
            esc[2] = '\0';
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
        } else if (c == 0xe2 && (unsigned char)s[1] == 0x80 &&
                   ((unsigned char)s[2] == 0xa8 || (unsigned char)s[2] == 0xa9)) {
            snprintf(esc, sizeof(esc), "\\u%04x", (unsigned char)s[2] == 0xa8 ? 0x2028 : 0x2029);
            skip = 3;
        } else {
            continue;
        }
        subsonic_put(w, run, (size_t)(s - run));
        subsonic_puts(w, esc);
        s += skip - 1;
        run = s + 1;
    }
    subsonic_put(w, run, (size_t)(s - run));
    subsonic_puts(w, "\"");
}

static void subsonic_json_scalar(SubsonicWriter *w, const SubsonicValue *v)
{
    char tmp[40];
    const char *s = subsonic_scalar(w, v, tmp);
    if (v->kind == SUBSONIC_V_STR)
        subsonic_json_string(w, s);
    else
        subsonic_puts(w, s);
}

static void subsonic_json_node(SubsonicWriter *w, const SubsonicNode *n)
{
    if (!n->attrs && !n->groups && n->text.kind != SUBSONIC_V_NONE) {
        subsonic_json_scalar(w, &n->text);
        return;
    }
    const char *sep = "";
    subsonic_puts(w, "{");
    for (const SubsonicAttr *a = n->attrs; a; a = a->next) {
        subsonic_puts(w, sep);
        subsonic_json_string(w, a->key);
        subsonic_puts(w, ":");
        subsonic_json_scalar(w, &a->value);
        sep = ",";
    }
    if (n->text.kind != SUBSONIC_V_NONE) {
        subsonic_puts(w, sep);
        subsonic_puts(w, "\"value\":");
        subsonic_json_scalar(w, &n->text);
        sep = ",";
    }
    for (const SubsonicGroup *g = n->groups; g; g = g->next) {
        bool array = g->list || (g->first && g->first->next);
        if (!g->first && !array)
            continue;
        subsonic_puts(w, sep);
        subsonic_json_string(w, g->name);
        subsonic_puts(w, array ? ":[" : ":");
        for (const SubsonicNode *c = g->first; c; c = c->next) {
            subsonic_json_node(w, c);
            if (c->next)
                subsonic_puts(w, ",");
        }
        subsonic_put_run(w, g->run, g->first != NULL);
        if (array)
            subsonic_puts(w, "]");
        sep = ",";
    }
    subsonic_puts(w, "}");
}

int subsonic_doc_write(SubsonicDoc *doc, SubsonicFormat format, const char *callback, Buf *out)
{
    if (doc->oom)
        return -ENOMEM;
    SubsonicWriter w = {.out = out, .arena = doc->arena, .doc = doc, .xml = format == SUBSONIC_XML};
    for (const SubsonicRun *run = doc->runs; run; run = run->next) {
        if (doc->spent || (run->count && run->xml != w.xml))
            return -EINVAL;
    }
    doc->spent = doc->runs != NULL;
    if (format == SUBSONIC_XML) {
        subsonic_puts(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        subsonic_xml_node(&w, &doc->root, true);
        return w.err;
    }
    if (format == SUBSONIC_JSONP) {
        subsonic_puts(&w, callback);
        subsonic_puts(&w, "(");
    }
    subsonic_puts(&w, "{\"subsonic-response\":");
    subsonic_json_node(&w, &doc->root);
    subsonic_puts(&w, "}");
    if (format == SUBSONIC_JSONP)
        subsonic_puts(&w, ");");
    return w.err;
}

SubsonicRun *subsonic_run_new(SubsonicDoc *doc, SubsonicFormat format)
{
    SubsonicRun *run = arena_calloc(doc->arena, 1, sizeof(*run));
    if (!run) {
        doc->oom = true;
        return NULL;
    }
    run->doc = doc;
    run->xml = format == SUBSONIC_XML;
    buf_init(&run->text, 0);
    run->next = doc->runs;
    doc->runs = run;
    return run;
}

int subsonic_run_add(SubsonicRun *run, const SubsonicNode *item)
{
    SubsonicDoc *doc = run->doc;
    if (item->doc->oom)
        return -ENOMEM;
    size_t before = run->text.len;
    /* the run may grow by what the document's other runs leave of its maximum */
    run->text.max =
        doc->text_bytes > doc->text_max ? before : before + doc->text_max - doc->text_bytes;
    SubsonicWriter w = {.out = &run->text, .arena = item->doc->arena, .xml = run->xml};
    if (run->xml) {
        subsonic_xml_node(&w, item, false);
    } else {
        if (run->count)
            subsonic_puts(&w, ",");
        subsonic_json_node(&w, item);
    }
    if (w.err) {
        run->text.len = before;
        if (run->text.data)
            run->text.data[before] = '\0';
        return w.err;
    }
    doc->text_bytes += run->text.len - before;
    run->count++;
    return 0;
}

size_t subsonic_run_count(const SubsonicRun *run)
{
    return run->count;
}

void subsonic_run_attach(SubsonicNode *node, const char *name, SubsonicRun *run)
{
    SubsonicGroup *g = node ? subsonic_group(node, name, true) : NULL;
    if (g)
        g->run = run;
}

void subsonic_doc_text_max(SubsonicDoc *doc, size_t max)
{
    doc->text_max = max;
}

size_t subsonic_doc_text_bytes(const SubsonicDoc *doc)
{
    return doc->text_bytes;
}
