/*
 * media_gate.h - lets transcodes that are starting go before those already playing.
 *
 * When many listeners press play at once, the encoders that already started would race to
 * fill their whole buffers while the others still wait for the CPU and the codec lock. A gate
 * counts the transcodes that are starting (head not out or encoder not ready yet); while any
 * is, a started one holds its first audio, and one already LIMIT_TRANSCODE_LEAD_MS ahead of
 * real time waits, so the CPU goes to first bytes. Every wait is bounded, and a playing
 * stream only waits while ahead, so it never runs dry. A transcode's thread lowers its own
 * priority once started. Owns a counter under its mutex; safe from any thread. Each
 * transcode owns its MediaGateStream.
 */
#ifndef SWAZ_MEDIA_GATE_H
#define SWAZ_MEDIA_GATE_H

#include <stdbool.h>
#include <stdint.h>

#define MEDIA_GATE_NICE 5 /* a started transcode's thread yields this much */

typedef struct MediaGate MediaGate;

/* One transcode's place at a gate. Caller-owned (on the transcode's stack); every field is
 * used only by the thread running that transcode. */
typedef struct MediaGateStream {
    MediaGate *gate;  /* NULL: no gate, every call is a no-op */
    bool starting;    /* counted as starting at the gate */
    int64_t first_ms; /* monotonic ms of its first audio, -1 before */
    int64_t held_ms;  /* how long its first audio was held */
} MediaGateStream;

/* Creates a gate. Returns NULL when out of memory. Caller frees with media_gate_free(). */
MediaGate *media_gate_new(void);

/* Frees the gate; no transcode may be using it. NULL is a no-op. */
void media_gate_free(MediaGate *gate);

/* Transcodes counted as starting now (for tests and metrics). */
unsigned media_gate_starting(MediaGate *gate);

/* Counts a transcode as starting at `gate` (NULL: none) and initialises `s`. */
void media_gate_enter(MediaGate *gate, MediaGateStream *s);

/* The transcode has started (its head is out, its encoder ready): no longer starting, and
 * the calling thread's nice value rises by MEDIA_GATE_NICE so the server's threads (accept,
 * route, send) and the transcodes still starting come first. */
void media_gate_started(MediaGateStream *s);

/* Before encoding more audio, `audio_ms` (the audio encoded so far): returns at once while
 * this transcode is itself starting or no other is; else, before its first audio, waits
 * until none is starting (at most LIMIT_TRANSCODE_START_HOLD_MS); after it, once it is
 * LIMIT_TRANSCODE_LEAD_MS ahead of real time (measured from its first audio), waits until
 * none is starting or it is half that far ahead, at most LIMIT_TRANSCODE_GATE_WAIT_MS (the
 * caller then encodes a frame and notices a departed client). */
void media_gate_pace(MediaGateStream *s, int64_t audio_ms);

/* The transcode ends (at any point): leaves the gate. */
void media_gate_leave(MediaGateStream *s);

#endif
