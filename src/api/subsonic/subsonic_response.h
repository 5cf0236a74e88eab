/*
 * subsonic_response.h - the one builder of Subsonic answers: a small tree of elements,
 * attributes and lists built in the request arena, written as XML, JSON or JSONP.
 *
 * An endpoint never formats text: it adds nodes under the document's root and the
 * dispatcher serialises them. An attribute is an XML attribute and a JSON field; a child is
 * an XML element and a JSON object; list items (subsonic_item) become a JSON array even when
 * there is one; a text value is XML character data and JSON "value" (or the bare scalar
 * when the node has nothing else). Every function accepts a NULL node and then does
 * nothing, so a failed allocation or an OpenSubsonic-only branch hidden from a legacy
 * client (subsonic_ext) needs no checks; a failed allocation marks the document so that
 * serialisation fails with -ENOMEM. A list too long to keep as nodes (every artist of
 * getArtists) is a run: its items are written as text as they are added, outside the arena,
 * and the run is then attached where the list goes. Not thread-safe: one request's thread.
 */
#ifndef SWAZ_SUBSONIC_RESPONSE_H
#define SWAZ_SUBSONIC_RESPONSE_H

#include "core/arena.h"
#include "core/buf.h"

#include <stdbool.h>
#include <stdint.h>

/* The API version we implement, and the server type reported to OpenSubsonic clients. */
#define SUBSONIC_API_VERSION "1.16.1"
#define SUBSONIC_SERVER_TYPE "swaz"

/* Error codes of the Subsonic API. */
enum {
    SUBSONIC_ERR_GENERIC = 0,
    SUBSONIC_ERR_MISSING = 10,      /* a required parameter is missing */
    SUBSONIC_ERR_CLIENT_OLD = 20,   /* the client must upgrade */
    SUBSONIC_ERR_SERVER_OLD = 30,   /* the server must upgrade */
    SUBSONIC_ERR_WRONG_AUTH = 40,   /* wrong username or password */
    SUBSONIC_ERR_NO_TOKEN = 41,     /* token authentication not supported (for this user) */
    SUBSONIC_ERR_MECH = 42,         /* authentication mechanism not supported */
    SUBSONIC_ERR_CONFLICT = 43,     /* several authentication mechanisms at once */
    SUBSONIC_ERR_BAD_API_KEY = 44,  /* invalid API key */
    SUBSONIC_ERR_UNAUTHORIZED = 50, /* the user may not do this */
    SUBSONIC_ERR_NOT_FOUND = 70,    /* the requested data was not found */
};

typedef enum {
    SUBSONIC_XML,
    SUBSONIC_JSON,
    SUBSONIC_JSONP,
} SubsonicFormat;

typedef struct SubsonicNode SubsonicNode;
typedef struct SubsonicDoc SubsonicDoc;
typedef struct SubsonicRun SubsonicRun;

/* Starts the document of one answer: the subsonic-response element with status "ok",
 * version, and (unless `legacy`) type, serverVersion `server_version` and openSubsonic.
 * Returns NULL when out of memory. Arena-owned (`server_version` is borrowed). */
SubsonicDoc *subsonic_doc_new(Arena *arena, const char *server_version, bool legacy);

/* Releases the text of the document's runs; the rest is Arena-owned. Call once, when the
 * document has been written or dropped. NULL is a no-op. */
void subsonic_doc_free(SubsonicDoc *doc);

/* The subsonic-response element, under which endpoints add their answer. */
SubsonicNode *subsonic_doc_root(SubsonicDoc *doc);

/* True when the client gets plain Subsonic 1.16.1 without the OpenSubsonic fields. */
bool subsonic_doc_legacy(const SubsonicDoc *doc);

/* Turns the document into an error answer: status "failed" and an error element with
 * `code`, `message` and, when not NULL, `help_url`. Anything added before is dropped. */
void subsonic_doc_error(SubsonicDoc *doc, int code, const char *message, const char *help_url);

/* Adds a child element `name` (a JSON object). Returns it, or NULL (node NULL, no memory).
 * `name` must be a literal or outlive the document. */
SubsonicNode *subsonic_child(SubsonicNode *node, const char *name);

/* Adds one item of the list `name` (a JSON array, even with one item). */
SubsonicNode *subsonic_item(SubsonicNode *node, const char *name);

/* Declares the list `name` so JSON shows `[]` when no item is added; XML shows nothing. */
void subsonic_list(SubsonicNode *node, const char *name);

/* Returns `node` for OpenSubsonic fields, or NULL for a legacy client (so they vanish). */
SubsonicNode *subsonic_ext(SubsonicNode *node);

/* The arena of the document `node` belongs to (for per-item work done beside the node), or
 * NULL for a NULL node. */
Arena *subsonic_node_arena(const SubsonicNode *node);

/* Runs: the items of a long list written as text in `format` as they are added, so each can
 * be built in a scratch document whose arena is freed at once. The text of all the runs of
 * one document is held outside its arena, at most LIMIT_SUBSONIC_RUN_BYTES in all unless
 * subsonic_doc_text_max() says otherwise, and released as subsonic_doc_write() copies it
 * into the answer or by subsonic_doc_free(). Written runs are byte for byte what the same
 * items written as nodes of the tree would be. */

/* Starts an empty run of `doc` written in `format` (JSON and JSONP share their text).
 * Returns NULL when out of memory (the document is marked). Arena-owned. */
SubsonicRun *subsonic_run_new(SubsonicDoc *doc, SubsonicFormat format);

/* Writes `item`, a node of any document (typically a scratch one), as the run's next item.
 * Returns 0, -ENOMEM (out of memory, or `item`'s document is) or ERR_LIMIT (the text of the
 * document's runs would pass its maximum); on failure the run is unchanged. */
int subsonic_run_add(SubsonicRun *run, const SubsonicNode *item);

/* Returns the number of items written to `run`. */
size_t subsonic_run_count(const SubsonicRun *run);

/* Makes `run` the list `name` of `node` (a JSON array, even with one item), after any item
 * added there with subsonic_item(). `run` must belong to `node`'s document and to no other
 * list; a run of another format than the one written makes subsonic_doc_write() fail with
 * -EINVAL. */
void subsonic_run_attach(SubsonicNode *node, const char *name, SubsonicRun *run);

/* Sets the most bytes the runs of `doc` may hold together. */
void subsonic_doc_text_max(SubsonicDoc *doc, size_t max);

/* Returns the bytes the runs of `doc` hold: the part of the answer written ahead (until
 * subsonic_doc_write() takes it). */
size_t subsonic_doc_text_bytes(const SubsonicDoc *doc);

/* Attributes. A NULL string is omitted; strings are copied lazily (they must live as long
 * as the arena, which every request string does) and repaired to valid UTF-8 when written. */
void subsonic_str(SubsonicNode *node, const char *key, const char *value);
void subsonic_int(SubsonicNode *node, const char *key, int64_t value);
void subsonic_bool(SubsonicNode *node, const char *key, bool value);
void subsonic_float(SubsonicNode *node, const char *key, double value);

/* A time as ISO 8601 UTC ("2024-05-01T12:00:00Z"); omitted when `unix_s` <= 0. */
void subsonic_time(SubsonicNode *node, const char *key, int64_t unix_s);

/* The node's text value (string, or an integer for lists such as extension versions). */
void subsonic_text(SubsonicNode *node, const char *value);
void subsonic_text_int(SubsonicNode *node, int64_t value);

/* Writes the document in `format` into `out` (XML starts with its declaration; JSONP is
 * `callback(json);`, the callback already validated). The text of each attached run is
 * released once copied, so a document with runs is written once (then, or after a failure
 * other than -EINVAL, it can only be turned into an error). Returns 0, -ENOMEM (the
 * document or the buffer ran out of memory), ERR_LIMIT (the buffer's maximum) or -EINVAL
 * (a run of the other format, or a document with runs written before). */
int subsonic_doc_write(SubsonicDoc *doc, SubsonicFormat format, const char *callback, Buf *out);

/* True if `name` may be used as a JSONP callback: 1..64 characters of letters, digits,
 * '_', '$' and '.', not starting with a digit or '.'. */
bool subsonic_callback_valid(const char *name);

#endif
