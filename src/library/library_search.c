/*
 * library_search.c - tokenising, escaping and ranking for library search, on FTS5
 * (SQLite) and tsvector + pg_trgm (PostgreSQL). The database finds candidates; the final
 * order (exact name, name prefix, the rest) is decided here, the same way on both backends.
 */
#include "library/library_search.h"

#include "core/err.h"
#include "core/fold.h"
#include "core/limits.h"
#include "library/library_scope.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Matches fetched per kind before ranking; bounds the work of one search. */
#define SEARCH_CANDIDATES 200

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

const char *library_search_fold(Arena *arena, const char *s)
{
    size_t len = strlen(s);
    char *out = arena_alloc(arena, FOLD_CAP(len));
    if (!out)
        return NULL;
    fold_text(s, len, out);
    return out;
}

typedef struct SearchHit {
    const char *id;
    const char *key;    /* the name folded, without a leading "the " */
    const char *folded; /* the name folded */
    double score;       /* higher is better; only compared inside class 2 */
    int rank_class;
} SearchHit;

/* Class, then: exact and name-prefix hits by their folded name (the order of the B-tree
 * that found them), the rest by score; then shorter names, then ids. */
static int search_hit_cmp(const void *pa, const void *pb)
{
    const SearchHit *a = pa, *b = pb;
    if (a->rank_class != b->rank_class)
        return a->rank_class - b->rank_class;
    if (a->rank_class < 2) {
        int c = strcmp(a->key, b->key);
        if (c)
            return c;
    } else if (a->score != b->score) {
        return a->score > b->score ? -1 : 1;
    }
    size_t la = strlen(a->key), lb = strlen(b->key);
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

/* The scope condition of each kind (" AND " + a library_scope.h clause), on the id of the
 * search row: search_keys k on SQLite, the search table on PostgreSQL. */
static const char *const search_scope_clauses[2][3] = {
    {
        [LIBRARY_SEARCH_ARTIST] = " AND " LIBRARY_SCOPE_ARTIST("k.item_id"),
        [LIBRARY_SEARCH_ALBUM] = " AND " LIBRARY_SCOPE_ALBUM("k.item_id"),
        [LIBRARY_SEARCH_SONG] = " AND " LIBRARY_SCOPE_SONG("k.item_id"),
    },
    {
        [LIBRARY_SEARCH_ARTIST] = " AND " LIBRARY_SCOPE_ARTIST("search.item_id"),
        [LIBRARY_SEARCH_ALBUM] = " AND " LIBRARY_SCOPE_ALBUM("search.item_id"),
        [LIBRARY_SEARCH_SONG] = " AND " LIBRARY_SCOPE_SONG("search.item_id"),
    },
};

/* One search in progress: the query in its forms and the hits found so far. */
typedef struct SearchRun {
    DbConn *conn;
    Arena *arena;
    const LibraryScope *scope;
    const char *scope_clause; /* from search_scope_clauses, its '@' bound from scope */
    const char *scope_sql;    /* "" or the clause with its '?': pasted into SQL */
    const char *kind;     /* "artist" | "album" | "song": pasted into SQL from the table above */
    const char *folded_q; /* the query folded by fold_text() */
    SearchHit *hits;
    size_t n, cap;
} SearchRun;

/* Runs `st` (bound, columns: id, name[, score]) and appends its rows, at most `max`, to the
 * hits; `score_sign` turns the third column into "higher is better" (0: no score). With
 * `named_only`, rows whose name neither is nor starts with the query are left out. With
 * `keyed` (the query's key), the second column is the name's key, a B-tree hit starting with
 * `keyed`: exact when equal, else a name prefix. Always finalizes `st`. Returns 0, -ENOMEM or
 * ERR_DB. */
static int search_collect(SearchRun *run, DbStmt *st, size_t max, double score_sign,
                          bool named_only, const char *keyed)
{
    int r = 0;
    size_t got = 0;
    while (got < max && run->n < run->cap && (r = db_step(st)) == DB_ROW) {
        const char *id = db_column_text(st, 0);
        const char *name = db_column_text(st, 1);
        if (!id)
            continue;
        SearchHit *h = &run->hits[run->n];
        h->id = arena_strdup(run->arena, id);
        const char *folded = keyed ? arena_strdup(run->arena, name ? name : "")
                                   : library_search_fold(run->arena, name ? name : "");
        if (!h->id || !folded) {
            r = -ENOMEM;
            goto out_finalize;
        }
        h->folded = folded;
        h->key = !keyed && strncmp(folded, "the ", 4) == 0 ? folded + 4 : folded;
        h->score = score_sign != 0 ? score_sign * db_column_double(st, 2) : 0;
        if (keyed)
            h->rank_class = strcmp(folded, keyed) == 0 ? 0 : 1;
        else
            h->rank_class = search_class(folded, run->folded_q);
        if (named_only && h->rank_class == 2)
            continue;
        run->n++;
        got++;
    }
    if (r > 0)
        r = 0;
out_finalize:
    db_finalize(st);
    return r;
}

/* Prepares `sql` and binds the texts `t[0..n_t)`, then the scope's library ids when
 * `scoped` (run->scope_sql follows the texts), then, when `lim` > 0, the integer `lim`. */
static int search_prepare(SearchRun *run, const char *sql, const char *const *t, int n_t,
                          bool scoped, int64_t lim, DbStmt **ret_st)
{
    if (!sql)
        return -ENOMEM;
    DbStmt *st;
    int r = db_prepare(run->conn, sql, &st);
    if (r < 0)
        return r;
    for (int i = 0; i < n_t && r >= 0; i++)
        r = db_bind_text(st, i + 1, t[i]);
    int idx = n_t + 1;
    if (r >= 0 && scoped)
        r = library_scope_bind(st, run->scope, run->scope_clause, &idx);
    if (r >= 0 && lim > 0)
        r = db_bind_int64(st, idx, lim);
    if (r < 0) {
        db_finalize(st);
        return r;
    }
    *ret_st = st;
    return 0;
}

/* The exact and name-prefix matches: a range of the B-tree on (kind, name_key), in key
 * order, at most `limit`. On PostgreSQL, for a user who sees every library, the range is
 * read by swaz_search_prefix() (migration 0012), whose plan is made once per session instead
 * of on every execution. With `key` (non-empty) the range starts there. Without it
 * (PostgreSQL, a query with non-ASCII text) PostgreSQL computes the key of `q` itself with
 * swaz_search_key(), folded to a constant when the statement is planned, since its
 * unaccent() and lower() may fold other letters than fold_text() does; for ASCII both agree,
 * and a bound key spares the server three evaluations per statement. */
static int search_by_key(SearchRun *run, DbKind backend, const char *key, const char *q, int limit)
{
    const char *sql;
    const char *t[3] = {key, key, NULL};
    int n_t = 2;
    /* Keys have no leading "the ", so "the b" looks up "b": only the names that start with
     * "the b" (or are it) are kept, not every name starting with "b". */
    bool named_only = strncmp(run->folded_q, "the ", 4) == 0;
    /* Otherwise SQLite ranks on the keys alone (fold_search_key() both of the row and of the
     * query) and never reads the name from the FTS5 table, a lookup per row. */
    const char *keyed = backend == DB_KIND_SQLITE && !named_only ? key : NULL;
    if (key) {
        /* Above every key that starts with `key`: U+10FFFF is the largest character, and
         * both databases compare these keys as bytes. */
        t[1] = arena_printf(run->arena, "%s\xF4\x8F\xBF\xBF", key);
        if (keyed)
            sql = arena_printf(run->arena,
                               "SELECT k.item_id, k.name_key FROM search_keys k"
                               " WHERE k.kind = '%s' AND k.name_key >= ? AND k.name_key < ?%s"
                               " ORDER BY k.name_key, k.item_id LIMIT ?",
                               run->kind, run->scope_sql);
        else if (backend == DB_KIND_SQLITE)
            sql = arena_printf(run->arena,
                               "SELECT k.item_id, t.name FROM search_keys k"
                               " JOIN search_%s t ON t.rowid = k.id"
                               " WHERE k.kind = '%s' AND k.name_key >= ? AND k.name_key < ?%s"
                               " ORDER BY k.name_key, k.item_id LIMIT ?",
                               run->kind, run->kind, run->scope_sql);
        else if (!*run->scope_sql)
            sql = arena_printf(run->arena,
                               "SELECT item_id, name FROM swaz_search_prefix('%s', ?, ?, ?)",
                               run->kind);
        else
            sql = arena_printf(run->arena,
                               "SELECT item_id, name FROM search WHERE kind = '%s'"
                               " AND name_key >= ? AND name_key < ?%s"
                               " ORDER BY name_key, item_id LIMIT ?",
                               run->kind, run->scope_sql);
    } else {
        t[0] = t[1] = t[2] = q;
        n_t = 3;
        sql = arena_printf(run->arena,
                           "SELECT item_id, name FROM search WHERE kind = '%s'"
                           " AND name_key >= swaz_search_key(CAST(? AS TEXT))"
                           " AND name_key < swaz_search_key(CAST(? AS TEXT)) || chr(1114111)"
                           " AND swaz_search_key(CAST(? AS TEXT)) <> ''%s"
                           " ORDER BY name_key, item_id LIMIT ?",
                           run->kind, run->scope_sql);
    }
    if (!t[1])
        return -ENOMEM;
    DbStmt *st;
    int r = search_prepare(run, sql, t, n_t, true, limit, &st);
    if (r < 0)
        return r;
    return search_collect(run, st, (size_t)limit, 0, named_only, keyed);
}

/* How many words of the folded query start a word of the folded `name`: words are
 * separated by one space in both (fold_text()). */
static double search_name_words(const char *name, const char *folded_q)
{
    int found = 0;
    for (const char *w = folded_q; *w;) {
        size_t wl = strcspn(w, " ");
        bool hit = false;
        for (const char *p = name; *p && !hit; p++) {
            if ((p == name || p[-1] == ' ') && strncmp(p, w, wl) == 0)
                hit = true;
        }
        found += hit && wl > 0;
        w += wl;
        w += *w == ' ';
    }
    return found;
}

/* The FTS5 MATCH expression of one pass of search_sqlite_words(): the first `n_whole` tokens
 * as whole words, the rest as prefixes. Arena-owned, or NULL. */
static const char *search_fts5_pass(Arena *arena, const char *const *tokens, size_t n_tokens,
                                    size_t n_whole)
{
    const char *whole = search_quote_join(arena, tokens, n_whole, '"', false, "", " ");
    const char *prefix = library_search_fts5(arena, tokens + n_whole, n_tokens - n_whole);
    if (!whole || !prefix)
        return NULL;
    return arena_printf(arena, "%s%s%s", whole, *whole && *prefix ? " " : "", prefix);
}

/* The word matches (every token starts a word of the name or of `extra`), at most
 * SEARCH_CANDIDATES per pass, in up to three passes that each find a superset of the one
 * before: every token a whole word, then the last one a prefix (the word being typed), then
 * every one a prefix; a pass that fills SEARCH_CANDIDATES ends the search, and the second
 * runs only when the first found nothing (the last word is being typed). A prefix term
 * makes FTS5 merge the doclists of every word it starts, at a million songs 5-15 ms per
 * common word, while whole words are read lazily and intersected by skipping; finished words
 * typed in full never pay for the merge, and whole-word matches are the better candidates.
 * Hits are scored by how many of the query's words start a word of the name (the rest are in
 * `extra`). Not bm25(): its weights need, for every query, the number of rows holding each
 * word, which FTS5 counts by reading the word's whole doclist (10-20 ms for a common word),
 * to rank 200 rows. */
static int search_sqlite_words(SearchRun *run, const char *const *tokens, size_t n_tokens)
{
    const char *sql = arena_printf(run->arena,
                                   "SELECT k.item_id, t.name"
                                   " FROM search_%s t JOIN search_keys k ON k.id = t.rowid"
                                   " WHERE search_%s MATCH ?%s LIMIT ?",
                                   run->kind, run->kind, run->scope_sql);
    const size_t whole[3] = {n_tokens, n_tokens - 1, 0};
    size_t first = run->n;
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1 && (n_tokens == 1 || run->n > first))
            continue; /* the same as the next pass, or the last word is complete */
        const char *match = search_fts5_pass(run->arena, tokens, n_tokens, whole[pass]);
        if (!match)
            return -ENOMEM;
        DbStmt *st;
        int r = search_prepare(run, sql, &match, 1, true, SEARCH_CANDIDATES, &st);
        if (r < 0)
            return r;
        size_t before = run->n;
        if ((r = search_collect(run, st, SEARCH_CANDIDATES, 0, false, NULL)) < 0)
            return r;
        if (run->n - before == SEARCH_CANDIDATES)
            break;
    }
    for (size_t i = first; i < run->n; i++)
        run->hits[i].score = search_name_words(run->hits[i].folded, run->folded_q);
    return 0;
}

/* Asks PostgreSQL for unaccent(lower(q)), which the tokens of the tsquery are cut from. */
static int search_pg_fold(SearchRun *run, const char *q, const char **ret_folded)
{
    DbStmt *st;
    int r =
        search_prepare(run, "SELECT swaz_unaccent(lower(CAST(? AS TEXT)))", &q, 1, false, 0, &st);
    if (r < 0)
        return r;
    if ((r = db_step(st)) < 0)
        goto out_finalize;
    if (r != DB_ROW) {
        r = ERR_DB;
        goto out_finalize;
    }
    const char *f = db_column_text(st, 0);
    const char *folded = arena_strdup(run->arena, f ? f : "");
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

/* The word-prefix matches on PostgreSQL: the first SEARCH_CANDIDATES rows of the kind's
 * partial GIN index on the tsvector, scored by ts_rank + trigram similarity over them only. */
static int search_pg_words(SearchRun *run, const char *pg_q, const char *tsq)
{
    const char *sql = arena_printf(
        run->arena,
        "SELECT s.item_id, s.name, ts_rank(s.tsv, to_tsquery('simple', CAST(? AS TEXT)))"
        " + similarity(swaz_unaccent(lower(s.name)), CAST(? AS TEXT))"
        " FROM (SELECT item_id, name, tsv FROM search WHERE kind = '%s'"
        " AND tsv @@ to_tsquery('simple', CAST(? AS TEXT))%s LIMIT ?) s",
        run->kind, run->scope_sql);
    const char *t[] = {tsq, pg_q, tsq};
    DbStmt *st;
    int r = search_prepare(run, sql, t, 3, true, SEARCH_CANDIDATES, &st);
    if (r < 0)
        return r;
    return search_collect(run, st, SEARCH_CANDIDATES, 1.0, false, NULL);
}

/* Names close to the query (typos): the query similar to a part of the name (pg_trgm's
 * word similarity, `<%`), through the kind's partial trigram index; at most
 * SEARCH_CANDIDATES. Whole-name similarity (`%`) is not used: its lower threshold lets
 * through so many rows sharing common trigrams that rechecking them took a second at a
 * million songs. */
static int search_pg_trigrams(SearchRun *run, const char *pg_q)
{
    const char *sql = arena_printf(
        run->arena,
        "SELECT s.item_id, s.name, word_similarity(CAST(? AS TEXT), swaz_unaccent(lower(s.name)))"
        " FROM (SELECT item_id, name FROM search WHERE kind = '%s'"
        " AND CAST(? AS TEXT) <%% swaz_unaccent(lower(name))%s LIMIT ?) s",
        run->kind, run->scope_sql);
    const char *t[] = {pg_q, pg_q};
    DbStmt *st;
    int r = search_prepare(run, sql, t, 2, true, SEARCH_CANDIDATES, &st);
    if (r < 0)
        return r;
    return search_collect(run, st, SEARCH_CANDIDATES, 1.0, false, NULL);
}

/* What PostgreSQL adds when the name-prefix pass found fewer than `limit`: word matches,
 * then, when still fewer, trigram matches. */
static int search_pg_more(SearchRun *run, const char *q, size_t limit)
{
    const char *pg_q;
    int r = search_pg_fold(run, q, &pg_q);
    if (r < 0)
        return r;
    const char **pg_tokens;
    size_t n_pg;
    if ((r = library_search_tokens(run->arena, pg_q, &pg_tokens, &n_pg)) < 0)
        return r;
    if (n_pg > 0) {
        const char *tsq = library_search_tsquery(run->arena, pg_tokens, n_pg);
        if (!tsq)
            return -ENOMEM;
        if ((r = search_pg_words(run, pg_q, tsq)) < 0)
            return r;
    }
    if (run->n < limit && *pg_q && (r = search_pg_trigrams(run, pg_q)) < 0)
        return r;
    return 0;
}

int library_search(DbConn *conn, DbKind backend, Arena *arena, const char *q,
                   LibrarySearchKind kind, int limit, const char ***ret_ids, size_t *ret_n)
{
    return library_search_scoped(conn, backend, arena, NULL, q, kind, limit, ret_ids, ret_n);
}

int library_search_scoped(DbConn *conn, DbKind backend, Arena *arena, const LibraryScope *scope,
                          const char *q, LibrarySearchKind kind, int limit, const char ***ret_ids,
                          size_t *ret_n)
{
    if (limit < 1 || limit > LIMIT_SEARCH_HITS_MAX || (int)kind < 0 || kind > LIBRARY_SEARCH_SONG)
        return -EINVAL;
    const char **tokens;
    size_t n_tokens;
    int r = library_search_tokens(arena, q, &tokens, &n_tokens);
    if (r < 0)
        return r;
    const char *clause = search_scope_clauses[backend == DB_KIND_SQLITE ? 0 : 1][kind];
    SearchRun run = {
        .conn = conn,
        .arena = arena,
        .scope = scope,
        .scope_clause = clause,
        .scope_sql = library_scope_sql(arena, scope, "", clause, ""),
        .kind = search_kind_names[kind],
        .folded_q = library_search_fold(arena, q),
        .cap = (size_t)limit + 3 * SEARCH_CANDIDATES,
    };
    const char **ids = arena_calloc(arena, (size_t)limit, sizeof(*ids));
    run.hits = arena_calloc(arena, run.cap, sizeof(*run.hits));
    if (!run.folded_q || !run.scope_sql || !ids || !run.hits)
        return -ENOMEM;
    if (n_tokens == 0) {
        *ret_ids = ids;
        *ret_n = 0;
        return 0;
    }
    /* Never does the database rank every match of a common word (seconds at a million
     * songs). Exact and name-prefix matches come first from a B-tree, in order, up to the
     * limit; only when they are fewer does the full-text index add word-prefix matches (a
     * bounded set, ranked here), and on PostgreSQL, when still fewer, trigram matches. */
    const char *key = run.folded_q;
    if (strncmp(key, "the ", 4) == 0)
        key += 4;
    bool ascii = true;
    for (const char *p = q; *p && ascii; p++)
        ascii = (unsigned char)*p < 0x80;
    if (backend == DB_KIND_SQLITE) {
        if (*key && (r = search_by_key(&run, backend, key, NULL, limit)) < 0)
            return r;
        if (run.n < (size_t)limit && (r = search_sqlite_words(&run, tokens, n_tokens)) < 0)
            return r;
    } else {
        if ((!ascii || *key) &&
            (r = search_by_key(&run, backend, ascii ? key : NULL, q, limit)) < 0)
            return r;
        if (run.n < (size_t)limit && (r = search_pg_more(&run, q, (size_t)limit)) < 0)
            return r;
    }
    qsort(run.hits, run.n, sizeof(*run.hits), search_hit_cmp);
    size_t out = 0;
    for (size_t i = 0; i < run.n && out < (size_t)limit; i++) {
        bool dup = false; /* found by two passes, or a stale row: shown once */
        for (size_t j = 0; j < out && !dup; j++)
            dup = strcmp(ids[j], run.hits[i].id) == 0;
        if (!dup)
            ids[out++] = run.hits[i].id;
    }
    *ret_ids = ids;
    *ret_n = out;
    return 0;
}
