/*
 * library_search.c - tokenising, escaping and ranking for library search, on FTS5
 * (SQLite) and tsvector + pg_trgm (PostgreSQL). The database finds candidates; the final
 * order (exact name, name prefix, the rest) is decided here, the same way on both backends.
 */
#include "library/library_search.h"

#include "core/err.h"
#include "core/limits.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Matches fetched per kind before ranking; bounds the work of one search. */
#define SEARCH_CANDIDATES 500

static bool search_ascii_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int library_search_tokens(Arena *arena, const char *q, const char ***ret_tokens, size_t *ret_n)
{
    size_t len = strlen(q);
    if (len > LIMIT_SEARCH_QUERY_BYTES)
        return ERR_LIMIT;
    const char **tokens = arena_calloc(arena, LIBRARY_SEARCH_TOKENS_MAX, sizeof(*tokens));
    if (!tokens)
        return -ENOMEM;
    size_t n = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)q[i];
        if (!search_ascii_alnum(c) && c < 0x80) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && (search_ascii_alnum((unsigned char)q[i]) || (unsigned char)q[i] >= 0x80))
            i++;
        if (n == LIBRARY_SEARCH_TOKENS_MAX || i - start > LIBRARY_SEARCH_TOKEN_BYTES_MAX)
            return ERR_LIMIT;
        if (!(tokens[n++] = arena_strndup(arena, q + start, i - start)))
            return -ENOMEM;
    }
    *ret_tokens = tokens;
    *ret_n = n;
    return 0;
}

/* Quotes each token with `quote` (doubling it and, with `backslash`, backslashes inside),
 * followed by `suffix`, separated by `sep`. */
static const char *search_quote_join(Arena *arena, const char *const *tokens, size_t n, char quote,
                                     bool backslash, const char *suffix, const char *sep)
{
    size_t cap = 1, slen = strlen(suffix), seplen = strlen(sep);
    for (size_t i = 0; i < n; i++)
        cap += strlen(tokens[i]) * 2 + 2 + slen + seplen;
    char *out = arena_alloc(arena, cap);
    if (!out)
        return NULL;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(out + off, sep, seplen);
            off += seplen;
        }
        out[off++] = quote;
        for (const char *p = tokens[i]; *p; p++) {
            if (*p == quote || (backslash && *p == '\\'))
                out[off++] = *p;
            out[off++] = *p;
        }
        out[off++] = quote;
        memcpy(out + off, suffix, slen);
        off += slen;
    }
    out[off] = '\0';
    return out;
}

const char *library_search_fts5(Arena *arena, const char *const *tokens, size_t n)
{
    return search_quote_join(arena, tokens, n, '"', false, "*", " ");
}

const char *library_search_tsquery(Arena *arena, const char *const *tokens, size_t n)
{
    return search_quote_join(arena, tokens, n, '\'', true, ":*", " & ");
}

/* ASCII for U+0100..U+017F (Latin Extended-A), one letter each. */
static const char search_latin_ext_a[] = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkk"
                                         "LlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUu"
                                         "UuWwYyYZzZzZzs";

/* ASCII for U+00C0..U+00FF (Latin-1 letters); "" marks a separator (× ÷). */
static const char *const search_latin1[] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
};

const char *library_search_fold(Arena *arena, const char *s)
{
    size_t len = strlen(s);
    char *out = arena_alloc(arena, len * 2 + 1);
    if (!out)
        return NULL;
    size_t off = 0;
    bool space = false; /* a separator is pending */
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        const char *mapped = NULL;
        char one[2] = {0, 0};
        size_t adv = 1;
        if (c < 0x80) {
            if (search_ascii_alnum(c)) {
                one[0] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
                mapped = one;
            } else {
                mapped = "";
            }
        } else if ((c & 0xE0) == 0xC0 && i + 1 < len && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            unsigned cp = ((unsigned)(c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F);
            adv = 2;
            if (cp >= 0xC0 && cp <= 0xFF) {
                mapped = search_latin1[cp - 0xC0];
            } else if (cp >= 0x100 && cp <= 0x17F) {
                char l = search_latin_ext_a[cp - 0x100];
                one[0] = (char)(l >= 'A' && l <= 'Z' ? l - 'A' + 'a' : l);
                mapped = one;
            } else if (cp < 0xC0) {
                mapped = ""; /* Latin-1 punctuation and symbols */
            }
        } else if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x81) {
            adv = 3; /* U+2000..U+207F: general punctuation */
            mapped = "";
        }
        if (!mapped) { /* other scripts: kept as they are, one byte at a time */
            mapped = NULL;
            if (space && off) {
                out[off++] = ' ';
            }
            space = false;
            out[off++] = (char)c;
            i++;
            continue;
        }
        if (!*mapped) {
            space = true;
        } else {
            if (space && off)
                out[off++] = ' ';
            space = false;
            size_t ml = strlen(mapped);
            memcpy(out + off, mapped, ml);
            off += ml;
        }
        i += adv;
    }
    out[off] = '\0';
    return out;
}

typedef struct SearchHit {
    const char *id;
    const char *name;
    double score; /* higher is better */
    int rank_class;
} SearchHit;

static int search_hit_cmp(const void *pa, const void *pb)
{
    const SearchHit *a = pa, *b = pb;
    if (a->rank_class != b->rank_class)
        return a->rank_class - b->rank_class;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    size_t la = strlen(a->name), lb = strlen(b->name);
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* 0: the name is the query; 1: it starts with it; 2: anything else. A leading "the " of
 * the name is ignored, as in sort keys. */
static int search_class(const char *folded_name, const char *folded_q)
{
    size_t ql = strlen(folded_q);
    const char *names[2] = {folded_name, NULL};
    if (strncmp(folded_name, "the ", 4) == 0)
        names[1] = folded_name + 4;
    int best = 2;
    for (int i = 0; i < 2 && names[i]; i++) {
        if (strcmp(names[i], folded_q) == 0)
            return 0;
        if (ql && strncmp(names[i], folded_q, ql) == 0)
            best = 1;
    }
    return best;
}

static const char *const search_kind_names[] = {
    [LIBRARY_SEARCH_ARTIST] = "artist",
    [LIBRARY_SEARCH_ALBUM] = "album",
    [LIBRARY_SEARCH_SONG] = "song",
};

/* Asks PostgreSQL for unaccent(lower(q)), so that the tokens match the stored tsvector. */
static int search_pg_fold(DbConn *conn, Arena *arena, const char *q, const char **ret_folded)
{
    DbStmt *st;
    int r = db_prepare(conn, "SELECT swaz_unaccent(lower(CAST(? AS TEXT)))", &st);
    if (r < 0)
        return r;
    if ((r = db_bind_text(st, 1, q)) < 0 || (r = db_step(st)) < 0)
        goto out_finalize;
    if (r != DB_ROW) {
        r = ERR_DB;
        goto out_finalize;
    }
    const char *t = db_column_text(st, 0);
    const char *folded = arena_strdup(arena, t ? t : "");
    if (!folded) {
        r = -ENOMEM;
        goto out_finalize;
    }
    *ret_folded = folded;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

int library_search(DbConn *conn, DbKind backend, Arena *arena, const char *q,
                   LibrarySearchKind kind, int limit, const char ***ret_ids, size_t *ret_n)
{
    if (limit < 1 || limit > LIMIT_SEARCH_HITS_MAX || (int)kind < 0 || kind > LIBRARY_SEARCH_SONG)
        return -EINVAL;
    const char **tokens;
    size_t n_tokens;
    int r = library_search_tokens(arena, q, &tokens, &n_tokens);
    if (r < 0)
        return r;
    const char *folded_q = library_search_fold(arena, q);
    if (!folded_q)
        return -ENOMEM;
    const char **ids = arena_calloc(arena, (size_t)limit, sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    if (n_tokens == 0) {
        *ret_ids = ids;
        *ret_n = 0;
        return 0;
    }
    /* Candidates: a bounded set of matches, taken without asking the database to rank
     * them (ranking every match of a common word costs seconds at a million songs); they
     * are ranked here: exact name, name prefix, then the database's score of each. */
    int window = SEARCH_CANDIDATES;
    SearchHit *hits = arena_calloc(arena, (size_t)window, sizeof(*hits));
    if (!hits)
        return -ENOMEM;
    DbStmt *st;
    if (backend == DB_KIND_SQLITE) {
        const char *match = library_search_fts5(arena, tokens, n_tokens);
        if (!match)
            return -ENOMEM;
        r = db_prepare(conn,
                       "SELECT k.item_id, t.name, bm25(search_text, 10.0, 1.0)"
                       " FROM search_text t JOIN search_keys k ON k.id = t.rowid"
                       " WHERE search_text MATCH ? AND k.kind = ? LIMIT ?",
                       &st);
        if (r < 0)
            return r;
        if ((r = db_bind_text(st, 1, match)) < 0 ||
            (r = db_bind_text(st, 2, search_kind_names[kind])) < 0 ||
            (r = db_bind_int64(st, 3, window)) < 0)
            goto out_finalize;
    } else {
        const char *pg_q;
        if ((r = search_pg_fold(conn, arena, q, &pg_q)) < 0)
            return r;
        const char **pg_tokens;
        size_t n_pg;
        if ((r = library_search_tokens(arena, pg_q, &pg_tokens, &n_pg)) < 0)
            return r;
        if (n_pg == 0) {
            *ret_ids = ids;
            *ret_n = 0;
            return 0;
        }
        const char *tsq = library_search_tsquery(arena, pg_tokens, n_pg);
        if (!tsq)
            return -ENOMEM;
        r = db_prepare(
            conn,
            "SELECT s.item_id, s.name, ts_rank(s.tsv, to_tsquery('simple', CAST(? AS TEXT)))"
            " + similarity(swaz_unaccent(lower(s.name)), CAST(? AS TEXT)) AS score"
            " FROM (SELECT item_id, name, tsv FROM search WHERE kind = ?"
            " AND (tsv @@ to_tsquery('simple', CAST(? AS TEXT))"
            " OR swaz_unaccent(lower(name)) % CAST(? AS TEXT)"
            " OR CAST(? AS TEXT) <% swaz_unaccent(lower(name))) LIMIT ?) s",
            &st);
        if (r < 0)
            return r;
        if ((r = db_bind_text(st, 1, tsq)) < 0 || (r = db_bind_text(st, 2, pg_q)) < 0 ||
            (r = db_bind_text(st, 3, search_kind_names[kind])) < 0 ||
            (r = db_bind_text(st, 4, tsq)) < 0 || (r = db_bind_text(st, 5, pg_q)) < 0 ||
            (r = db_bind_text(st, 6, pg_q)) < 0 || (r = db_bind_int64(st, 7, window)) < 0)
            goto out_finalize;
    }
    size_t n = 0;
    while (n < (size_t)window && (r = db_step(st)) == DB_ROW) {
        const char *id = db_column_text(st, 0);
        const char *name = db_column_text(st, 1);
        if (!id)
            continue;
        SearchHit *h = &hits[n];
        h->id = arena_strdup(arena, id);
        h->name = arena_strdup(arena, name ? name : "");
        const char *folded = h->name ? library_search_fold(arena, h->name) : NULL;
        if (!h->id || !folded) {
            r = -ENOMEM;
            goto out_finalize;
        }
        double raw = db_column_double(st, 2);
        h->score = backend == DB_KIND_SQLITE ? -raw : raw; /* bm25: lower is better */
        h->rank_class = search_class(folded, folded_q);
        n++;
    }
    if (r < 0)
        goto out_finalize;
    qsort(hits, n, sizeof(*hits), search_hit_cmp);
    size_t out = 0;
    for (size_t i = 0; i < n && out < (size_t)limit; i++) {
        bool dup = false; /* the same item twice (a stale row) is shown once */
        for (size_t j = 0; j < out && !dup; j++)
            dup = strcmp(ids[j], hits[i].id) == 0;
        if (!dup)
            ids[out++] = hits[i].id;
    }
    *ret_ids = ids;
    *ret_n = out;
    r = 0;
out_finalize:
    db_finalize(st);
    return r;
}
