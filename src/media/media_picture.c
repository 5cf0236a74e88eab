/*
 * media_picture.c - embedded cover extraction with libavformat.
 *
 * libavformat exposes an embedded picture as a stream with AV_DISPOSITION_ATTACHED_PIC whose
 * `attached_pic` packet already holds the bytes after avformat_open_input(); no packet is
 * read and nothing is decoded here.
 */
#include "media/media_picture.h"

#include "core/err.h"
#include "core/limits.h"

#include <libavformat/avformat.h>
#include <libavutil/dict.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* True when the stream's metadata calls it the front cover. */
static bool media_picture_is_front(const AVStream *st)
{
    const AVDictionaryEntry *e = av_dict_get(st->metadata, "comment", NULL, 0);
    return e && e->value && strcasecmp(e->value, "Cover (front)") == 0;
}

int media_picture_extract(const char *path, void **ret_data, size_t *ret_len)
{
    AVFormatContext *fmt = NULL;
    int r = avformat_open_input(&fmt, path, NULL, NULL);
    if (r < 0) {
        if (r == AVERROR(ENOENT))
            return -ENOENT;
        return r == AVERROR(EACCES) ? -EACCES : ERR_MEDIA;
    }

    const AVPacket *best = NULL;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVStream *st = fmt->streams[i];
        if (!(st->disposition & AV_DISPOSITION_ATTACHED_PIC) || st->attached_pic.size <= 0 ||
            !st->attached_pic.data)
            continue;
        if (!best || media_picture_is_front(st))
            best = &st->attached_pic;
        if (media_picture_is_front(st))
            break;
    }
    if (!best) {
        r = -ENOENT;
        goto out_close;
    }
    if ((size_t)best->size > LIMIT_PICTURE_BYTES) {
        r = ERR_LIMIT;
        goto out_close;
    }
    void *copy = malloc((size_t)best->size);
    if (!copy) {
        r = -ENOMEM;
        goto out_close;
    }
    memcpy(copy, best->data, (size_t)best->size);
    *ret_data = copy;
    *ret_len = (size_t)best->size;
    r = 0;
out_close:
    avformat_close_input(&fmt);
    return r;
}
