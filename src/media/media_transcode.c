/*
 * media_transcode.c - decode, resample, encode and mux one audio file into a byte sink.
 *
 * One call owns every libav object it creates and frees them through one cleanup chain.
 * Decoded frames go through libswresample into an AVAudioFifo that hands the encoder frames
 * of exactly its frame size; packets are muxed into an AVIOContext whose write callback is
 * the caller's sink. A failing sink is remembered in the state and stops the loop at once.
 * The start offset seeks first, then drops decoded samples before the offset. Tags are
 * copied from the input (format, then audio stream) to where each muxer reads them; an
 * embedded front cover goes out as an attached-picture stream (mp3, FLAC) or as a
 * METADATA_BLOCK_PICTURE comment (Ogg Opus). Fragmented MP4 cuts a fragment every second.
 */
#include "media/media_transcode.h"

#include "core/err.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/metrics.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/avstring.h>
#include <libavutil/base64.h>
#include <libavutil/intreadwrite.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define MEDIA_TRANSCODE_IO_BYTES     (8 * 1024)  /* past the first bytes, the sink gets this much */
#define MEDIA_TRANSCODE_TRICKLE      (64 * 1024) /* until then, every packet at once */
#define MEDIA_TRANSCODE_DEFAULT_KBPS 128
#define MEDIA_TRANSCODE_MAX_RATE     192000
#define MEDIA_TRANSCODE_FRAG_US      "1000000" /* fragmented MP4: one fragment a second */
#define MEDIA_TRANSCODE_COVER_FRONT  3         /* FLAC/ID3 picture type "Cover (front)" */
#define MEDIA_TRANSCODE_SHORT_MS     1000      /* an end this much early is logged */

static const struct {
    const char *name;
    const char *encoder;
    const char *muxer;
    const char *mime;
    int min_kbps;
    int max_kbps;
} media_transcode_targets[] = {
    [MEDIA_TRANSCODE_MP3] = {"mp3", "libmp3lame", "mp3", "audio/mpeg", 32, 320},
    [MEDIA_TRANSCODE_OPUS] = {"opus", "libopus", "ogg", "audio/ogg", 16, 256},
    [MEDIA_TRANSCODE_AAC] = {"aac", "aac", "adts", "audio/aac", 32, 320},
    [MEDIA_TRANSCODE_FLAC] = {"flac", "flac", "flac", "audio/flac", 0, 0},
    [MEDIA_TRANSCODE_M4A] = {"m4a", "aac", "mp4", "audio/mp4", 32, 320},
};

/* Input tags that describe the source file's encoding, not the song: never copied. */
static const char *const media_transcode_skip_tags[] = {
    "encoder",
    "major_brand",
    "minor_version",
    "compatible_brands",
    "creation_time",
    "iTunSMPB",
    "iTunNORM",
    "vendor_id",
    "handler_name",
    "duration",
    "METADATA_BLOCK_PICTURE",
    "coverart",
    "encoder_settings",
    "encoding_tool",
};

#define MEDIA_TRANSCODE_N_TARGETS                                                                  \
    (sizeof(media_transcode_targets) / sizeof(media_transcode_targets[0]))

int media_transcode_format_parse(const char *name, MediaTranscodeFormat *ret_format)
{
    for (size_t i = 0; name && i < MEDIA_TRANSCODE_N_TARGETS; i++) {
        if (strcmp(media_transcode_targets[i].name, name) == 0) {
            *ret_format = (MediaTranscodeFormat)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *media_transcode_format_name(MediaTranscodeFormat format)
{
    return media_transcode_targets[format].name;
}

const char *media_transcode_content_type(MediaTranscodeFormat format)
{
    return media_transcode_targets[format].mime;
}

int media_transcode_clamp_kbps(MediaTranscodeFormat format, int kbps)
{
    int lo = media_transcode_targets[format].min_kbps;
    int hi = media_transcode_targets[format].max_kbps;
    if (hi == 0)
        return 0;
    if (kbps <= 0)
        kbps = MEDIA_TRANSCODE_DEFAULT_KBPS;
    return kbps < lo ? lo : kbps > hi ? hi : kbps;
}

typedef struct TranscodeState {
    MediaTranscodeWrite write;
    void *ctx;
    int sink_err;     /* the first sink failure; stops everything */
    uint64_t to_sink; /* bytes handed to the sink */
    AVFormatContext *in;
    AVCodecContext *dec;
    AVCodecContext *enc;
    AVFormatContext *out;
    SwrContext *swr;
    AVAudioFifo *fifo;
    AVPacket *pkt;
    AVFrame *frame;
    int stream;
    int pic_stream;     /* the input's attached front cover, or -1 */
    int out_pic;        /* its output stream, or -1 */
    int64_t next_pts;   /* in encoder samples */
    int64_t offset_ms;  /* samples before this are dropped */
    int64_t in_samples; /* decoded input samples seen, when timestamps are missing */
    bool offset_done;   /* the first kept sample has been reached */
    int64_t damaged;    /* packets the decoder refused or frames it could not decode */
    MediaGateStream gate;
} TranscodeState;

static int transcode_io_write(void *opaque, uint8_t *buf, int len)
{
    TranscodeState *t = opaque;
    if (t->sink_err)
        return AVERROR(EPIPE);
    if (len > 0 && t->write(t->ctx, buf, (size_t)len) < 0) {
        t->sink_err = -EPIPE;
        return AVERROR(EPIPE);
    }
    t->to_sink += (uint64_t)len;
    if (t->to_sink >= MEDIA_TRANSCODE_TRICKLE && t->out)
        t->out->flush_packets = 0;
    return len;
}

/* Maps a libav error to ours, the sink's failure first. */
static int transcode_err(const TranscodeState *t, int averr)
{
    if (t->sink_err)
        return t->sink_err;
    if (averr == AVERROR(ENOMEM))
        return -ENOMEM;
    return ERR_MEDIA;
}

static int transcode_open_input(TranscodeState *t, const char *path)
{
    int r = avformat_open_input(&t->in, path, NULL, NULL);
    if (r < 0)
        return r == AVERROR(ENOENT) ? -ENOENT : r == AVERROR(EACCES) ? -EACCES : ERR_MEDIA;
    if (avformat_find_stream_info(t->in, NULL) < 0)
        return ERR_MEDIA;
    const AVCodec *codec = NULL;
    t->stream = av_find_best_stream(t->in, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (t->stream < 0 || !codec)
        return ERR_MEDIA;
    AVStream *st = t->in->streams[t->stream];
    t->dec = avcodec_alloc_context3(codec);
    if (!t->dec)
        return -ENOMEM;
    if (avcodec_parameters_to_context(t->dec, st->codecpar) < 0)
        return ERR_MEDIA;
    t->dec->pkt_timebase = st->time_base;
    t->dec->thread_count = 1;
    if (avcodec_open2(t->dec, codec, NULL) < 0)
        return ERR_MEDIA;
    t->pic_stream = -1;
    for (unsigned i = 0; i < t->in->nb_streams; i++) {
        const AVStream *s = t->in->streams[i];
        bool pic = (s->disposition & AV_DISPOSITION_ATTACHED_PIC) && s->attached_pic.size > 0 &&
                   s->attached_pic.size <= LIMIT_PICTURE_BYTES &&
                   (s->codecpar->codec_id == AV_CODEC_ID_MJPEG ||
                    s->codecpar->codec_id == AV_CODEC_ID_PNG);
        const AVDictionaryEntry *kind = av_dict_get(s->metadata, "comment", NULL, 0);
        bool front = kind && strcmp(kind->value, "Cover (front)") == 0;
        if (pic && (t->pic_stream < 0 || front))
            t->pic_stream = (int)i;
        if ((int)i != t->stream)
            t->in->streams[i]->discard = AVDISCARD_ALL;
    }
    return 0;
}

static bool transcode_skip_tag(const char *key)
{
    for (size_t i = 0; i < sizeof(media_transcode_skip_tags) / sizeof(media_transcode_skip_tags[0]);
         i++)
        if (av_strcasecmp(key, media_transcode_skip_tags[i]) == 0)
            return true;
    return false;
}

/* Copies the song's tags (format level, then the audio stream's) into `dst`. */
static int transcode_copy_tags(const TranscodeState *t, AVDictionary **dst)
{
    const AVDictionary *src[] = {t->in->metadata, t->in->streams[t->stream]->metadata};
    for (size_t i = 0; i < 2; i++) {
        const AVDictionaryEntry *e = NULL;
        while ((e = av_dict_get(src[i], "", e, AV_DICT_IGNORE_SUFFIX)) != NULL) {
            if (transcode_skip_tag(e->key) || strlen(e->value) > LIMIT_TAG_BYTES)
                continue;
            if (av_dict_set(dst, e->key, e->value, AV_DICT_DONT_OVERWRITE) < 0)
                return -ENOMEM;
        }
    }
    return 0;
}

/* Builds the base64 FLAC picture block of the cover for an Ogg comment. */
static int transcode_picture_comment(const TranscodeState *t, AVDictionary **dst)
{
    const AVStream *s = t->in->streams[t->pic_stream];
    const char *mime = s->codecpar->codec_id == AV_CODEC_ID_PNG ? "image/png" : "image/jpeg";
    size_t mlen = strlen(mime);
    size_t len = 8 + mlen + 4 + 16 + 4 + (size_t)s->attached_pic.size;
    uint8_t *block = av_malloc(len);
    if (!block)
        return -ENOMEM;
    uint8_t *p = block;
    AV_WB32(p, MEDIA_TRANSCODE_COVER_FRONT);
    AV_WB32(p + 4, (uint32_t)mlen);
    memcpy(p + 8, mime, mlen);
    p += 8 + mlen;
    AV_WB32(p, 0); /* no description */
    AV_WB32(p + 4, (uint32_t)s->codecpar->width);
    AV_WB32(p + 8, (uint32_t)s->codecpar->height);
    AV_WB32(p + 12, 24);
    AV_WB32(p + 16, 0);
    AV_WB32(p + 20, (uint32_t)s->attached_pic.size);
    memcpy(p + 24, s->attached_pic.data, (size_t)s->attached_pic.size);
    int b64len = (int)AV_BASE64_SIZE(len);
    char *b64 = av_malloc((size_t)b64len);
    int rc = -ENOMEM;
    if (b64 && av_base64_encode(b64, b64len, block, (int)len))
        rc = av_dict_set(dst, "METADATA_BLOCK_PICTURE", b64, 0) < 0 ? -ENOMEM : 0;
    av_free(b64);
    av_free(block);
    return rc;
}

/* Adds the attached-picture output stream for mp3 and FLAC. */
static int transcode_add_picture(TranscodeState *t)
{
    const AVStream *in = t->in->streams[t->pic_stream];
    AVStream *st = avformat_new_stream(t->out, NULL);
    if (!st || avcodec_parameters_copy(st->codecpar, in->codecpar) < 0)
        return -ENOMEM;
    st->codecpar->codec_tag = 0;
    st->disposition = AV_DISPOSITION_ATTACHED_PIC;
    st->time_base = (AVRational){1, 90000};
    if (av_dict_set(&st->metadata, "comment", "Cover (front)", 0) < 0)
        return -ENOMEM;
    t->out_pic = st->index;
    return 0;
}

/* Tags and cover for the output, where its container keeps them. */
static int transcode_add_tags(TranscodeState *t, MediaTranscodeFormat format)
{
    AVStream *audio = t->out->streams[0];
    int r = transcode_copy_tags(t, &t->out->metadata);
    if (r == 0 && format == MEDIA_TRANSCODE_OPUS) /* the Ogg muxer reads the stream's */
        r = transcode_copy_tags(t, &audio->metadata);
    if (r < 0 || t->pic_stream < 0)
        return r;
    if (format == MEDIA_TRANSCODE_OPUS)
        return transcode_picture_comment(t, &audio->metadata);
    if (format == MEDIA_TRANSCODE_MP3 || format == MEDIA_TRANSCODE_FLAC)
        return transcode_add_picture(t);
    return 0;
}

/* The output rate: 48 kHz for Opus, else the input's when the encoder takes it. */
static int transcode_pick_rate(MediaTranscodeFormat format, const AVCodec *codec, int in_rate)
{
    if (format == MEDIA_TRANSCODE_OPUS)
        return 48000;
    if (in_rate <= 0 || in_rate > MEDIA_TRANSCODE_MAX_RATE)
        in_rate = 48000;
    if (!codec->supported_samplerates)
        return in_rate;
    bool has48 = false, has44 = false;
    for (const int *p = codec->supported_samplerates; *p; p++) {
        if (*p == in_rate)
            return in_rate;
        has48 |= *p == 48000;
        has44 |= *p == 44100;
    }
    return has44 && in_rate % 11025 == 0 ? 44100 : has48 ? 48000 : codec->supported_samplerates[0];
}

static enum AVSampleFormat transcode_pick_fmt(MediaTranscodeFormat format, const AVCodec *codec,
                                              int in_bits)
{
    if (format == MEDIA_TRANSCODE_FLAC)
        return in_bits > 16 ? AV_SAMPLE_FMT_S32 : AV_SAMPLE_FMT_S16;
    return codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
}

/* Writes the header, then the cover (the muxer holds the audio back until it has it), and
 * hands them to the sink at once: the listener's first bytes. With `buffered` (mp3: the ID3v2
 * size is written by seeking back) this goes to memory first and reaches the sink in one
 * piece. */
static int transcode_write_head(TranscodeState *t, AVDictionary **mux, bool buffered)
{
    AVIOContext *io = t->out->pb;
    AVIOContext *mem = NULL;
    if (buffered) {
        if (avio_open_dyn_buf(&mem) < 0)
            return -ENOMEM;
        t->out->pb = mem;
    }
    int r = avformat_write_header(t->out, mux);
    if (r >= 0 && t->out_pic >= 0) {
        AVPacket *pic = av_packet_clone(&t->in->streams[t->pic_stream]->attached_pic);
        if (pic) {
            pic->stream_index = t->out_pic;
            pic->pts = pic->dts = 0;
            r = av_write_frame(t->out, pic);
            av_packet_free(&pic);
        } else {
            r = AVERROR(ENOMEM);
        }
    }
    if (mem) {
        uint8_t *head = NULL;
        int n = avio_close_dyn_buf(mem, &head);
        t->out->pb = io;
        if (r >= 0 && n > 0)
            avio_write(io, head, n);
        av_free(head);
    }
    if (r >= 0)
        avio_flush(io);
    return r < 0 || t->sink_err ? transcode_err(t, r) : 0;
}

static int transcode_open_output(TranscodeState *t, const MediaTranscodeOptions *opts)
{
    const AVCodec *codec =
        avcodec_find_encoder_by_name(media_transcode_targets[opts->format].encoder);
    if (!codec)
        return ERR_UNSUPPORTED;
    if (avformat_alloc_output_context2(&t->out, NULL, media_transcode_targets[opts->format].muxer,
                                       NULL) < 0)
        return ERR_UNSUPPORTED;
    t->enc = avcodec_alloc_context3(codec);
    if (!t->enc)
        return -ENOMEM;
    int channels = t->dec->ch_layout.nb_channels == 1 ? 1 : 2;
    av_channel_layout_default(&t->enc->ch_layout, channels);
    t->enc->sample_rate = transcode_pick_rate(opts->format, codec, t->dec->sample_rate);
    int bits = t->dec->bits_per_raw_sample;
    t->enc->sample_fmt = transcode_pick_fmt(opts->format, codec, bits);
    if (opts->format == MEDIA_TRANSCODE_FLAC && t->enc->sample_fmt == AV_SAMPLE_FMT_S32)
        t->enc->bits_per_raw_sample = 24;
    int kbps = media_transcode_clamp_kbps(opts->format, opts->bitrate_kbps);
    if (kbps > 0)
        t->enc->bit_rate = (int64_t)kbps * 1000;
    t->enc->time_base = (AVRational){1, t->enc->sample_rate};
    t->enc->thread_count = 1;
    if (t->out->oformat->flags & AVFMT_GLOBALHEADER)
        t->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    /* The mp3 muxer needs nothing the encoder makes (the others need its extradata): its head
     * (tags, cover) goes out first, and the listener does not wait for the encoder's set-up,
     * which libavcodec runs for one libmp3lame at a time in the whole process. */
    bool head_first = opts->format == MEDIA_TRANSCODE_MP3;
    if (!head_first && avcodec_open2(t->enc, codec, NULL) < 0)
        return ERR_MEDIA;

    AVStream *st = avformat_new_stream(t->out, NULL);
    if (!st)
        return -ENOMEM;
    if (avcodec_parameters_from_context(st->codecpar, t->enc) < 0)
        return -ENOMEM;
    st->time_base = t->enc->time_base;

    unsigned char *iobuf = av_malloc(MEDIA_TRANSCODE_IO_BYTES);
    if (!iobuf)
        return -ENOMEM;
    t->out->pb =
        avio_alloc_context(iobuf, MEDIA_TRANSCODE_IO_BYTES, 1, t, NULL, transcode_io_write, NULL);
    if (!t->out->pb) {
        av_free(iobuf);
        return -ENOMEM;
    }
    t->out->flags |= AVFMT_FLAG_CUSTOM_IO;
    /* Every packet reaches the listener at once until MEDIA_TRANSCODE_TRICKLE bytes (the
     * player's prebuffer fills as fast as it is encoded); then whole buffers, with far fewer
     * wake-ups of the reader (transcode_io_write turns this off). */
    t->out->flush_packets = 1;

    int r = transcode_add_tags(t, opts->format);
    if (r < 0)
        return r;
    AVDictionary *mux = NULL;
    if (opts->format == MEDIA_TRANSCODE_M4A) {
        r = av_dict_set(&mux, "movflags", "+empty_moov+default_base_moof", 0);
        if (r >= 0)
            r = av_dict_set(&mux, "frag_duration", MEDIA_TRANSCODE_FRAG_US, 0);
    } else if (opts->format == MEDIA_TRANSCODE_MP3) {
        r = av_dict_set(&mux, "id3v2_version", "3", 0); /* ID3v2.3: what most players read */
        if (r >= 0) /* its counts would never be filled in on a stream */
            r = av_dict_set(&mux, "write_xing", "0", 0);
    }
    if (r < 0) {
        av_dict_free(&mux);
        return -ENOMEM;
    }
    r = transcode_write_head(t, &mux, opts->format == MEDIA_TRANSCODE_MP3);
    av_dict_free(&mux);
    if (r < 0)
        return r;
    if (head_first && avcodec_open2(t->enc, codec, NULL) < 0)
        return ERR_MEDIA;
    t->fifo = av_audio_fifo_alloc(t->enc->sample_fmt, channels,
                                  t->enc->frame_size > 0 ? t->enc->frame_size : 4096);
    return t->fifo ? 0 : -ENOMEM;
}

/* Sends `frame` (NULL: flush) to the encoder and muxes every packet it returns. */
static int transcode_encode(TranscodeState *t, AVFrame *frame)
{
    int r = avcodec_send_frame(t->enc, frame);
    if (r < 0)
        return transcode_err(t, r);
    for (;;) {
        r = avcodec_receive_packet(t->enc, t->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            return transcode_err(t, r);
        t->pkt->stream_index = 0;
        av_packet_rescale_ts(t->pkt, t->enc->time_base, t->out->streams[0]->time_base);
        r = av_write_frame(t->out, t->pkt);
        av_packet_unref(t->pkt);
        if (r < 0 || t->sink_err)
            return transcode_err(t, r);
    }
}

/* Encodes whole encoder frames from the FIFO; with `flush`, the short remainder too. */
static int transcode_drain_fifo(TranscodeState *t, bool flush)
{
    int size = t->enc->frame_size > 0 ? t->enc->frame_size : 4096;
    while (av_audio_fifo_size(t->fifo) >= size || (flush && av_audio_fifo_size(t->fifo) > 0)) {
        media_gate_pace(&t->gate, av_rescale(t->next_pts, 1000, t->enc->sample_rate));
        int n = av_audio_fifo_size(t->fifo) < size ? av_audio_fifo_size(t->fifo) : size;
        AVFrame *f = av_frame_alloc();
        if (!f)
            return -ENOMEM;
        f->nb_samples = n;
        f->format = t->enc->sample_fmt;
        f->sample_rate = t->enc->sample_rate;
        int r = av_channel_layout_copy(&f->ch_layout, &t->enc->ch_layout);
        if (r >= 0)
            r = av_frame_get_buffer(f, 0);
        if (r >= 0 && av_audio_fifo_read(t->fifo, (void **)f->data, n) != n)
            r = AVERROR(EINVAL);
        if (r < 0) {
            av_frame_free(&f);
            return transcode_err(t, r);
        }
        f->pts = t->next_pts;
        t->next_pts += n;
        r = transcode_encode(t, f);
        av_frame_free(&f);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Resamples `in` (NULL: flush the resampler) into the FIFO. */
static int transcode_resample(TranscodeState *t, const AVFrame *in)
{
    if (!t->swr) {
        if (!in)
            return 0;
        AVChannelLayout layout;
        if (in->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || in->ch_layout.nb_channels == 0)
            av_channel_layout_default(&layout, in->ch_layout.nb_channels > 0
                                                   ? in->ch_layout.nb_channels
                                                   : t->dec->ch_layout.nb_channels);
        else if (av_channel_layout_copy(&layout, &in->ch_layout) < 0)
            return -ENOMEM;
        int r =
            swr_alloc_set_opts2(&t->swr, &t->enc->ch_layout, t->enc->sample_fmt,
                                t->enc->sample_rate, &layout, in->format, in->sample_rate, 0, NULL);
        av_channel_layout_uninit(&layout);
        if (r < 0 || swr_init(t->swr) < 0)
            return ERR_MEDIA;
    }
    int in_n = in ? in->nb_samples : 0;
    int out_n = swr_get_out_samples(t->swr, in_n);
    if (out_n < 0)
        return ERR_MEDIA;
    if (out_n == 0)
        return 0;
    uint8_t **buf = NULL;
    int r = av_samples_alloc_array_and_samples(&buf, NULL, t->enc->ch_layout.nb_channels, out_n,
                                               t->enc->sample_fmt, 0);
    if (r < 0)
        return -ENOMEM;
    int got =
        swr_convert(t->swr, buf, out_n, in ? (const uint8_t **)in->extended_data : NULL, in_n);
    if (got > 0 && av_audio_fifo_write(t->fifo, (void **)buf, got) < got)
        got = AVERROR(ENOMEM);
    av_freep(&buf[0]);
    av_freep(&buf);
    return got < 0 ? transcode_err(t, got) : 0;
}

/* Handles one decoded frame: drops what lies before the offset, then resamples and encodes. */
static int transcode_frame(TranscodeState *t, AVFrame *f)
{
    int rate = f->sample_rate > 0 ? f->sample_rate : t->dec->sample_rate;
    if (!t->offset_done && t->offset_ms > 0 && rate > 0) {
        int64_t start;
        if (f->best_effort_timestamp != AV_NOPTS_VALUE)
            start = av_rescale_q(f->best_effort_timestamp, t->in->streams[t->stream]->time_base,
                                 (AVRational){1, rate});
        else
            start = t->in_samples;
        t->in_samples = start + f->nb_samples;
        int64_t want = av_rescale(t->offset_ms, rate, 1000);
        if (start + f->nb_samples <= want)
            return 0;
        t->offset_done = true;
        int64_t skip_in = want > start ? want - start : 0;
        int r = transcode_resample(t, f);
        if (r < 0)
            return r;
        int skip_out = (int)av_rescale(skip_in, t->enc->sample_rate, rate);
        int have = av_audio_fifo_size(t->fifo);
        av_audio_fifo_drain(t->fifo, skip_out < have ? skip_out : have);
        return transcode_drain_fifo(t, false);
    }
    t->offset_done = true;
    int r = transcode_resample(t, f);
    return r < 0 ? r : transcode_drain_fifo(t, false);
}

/* Sends `pkt` (NULL: flush) to the decoder and handles every frame. A corrupt packet is
 * skipped; the decoder resynchronises on the next one. */
static int transcode_decode(TranscodeState *t, AVPacket *pkt)
{
    int r = avcodec_send_packet(t->dec, pkt);
    if (r < 0 && r != AVERROR(EAGAIN)) {
        t->damaged += r != AVERROR_EOF;
        return r == AVERROR(ENOMEM) ? -ENOMEM : 0;
    }
    for (;;) {
        r = avcodec_receive_frame(t->dec, t->frame);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r == AVERROR_INVALIDDATA) {
            t->damaged++;
            continue;
        }
        if (r < 0)
            return transcode_err(t, r);
        r = transcode_frame(t, t->frame);
        av_frame_unref(t->frame);
        if (r < 0)
            return r;
    }
}

static void transcode_seek(TranscodeState *t, int64_t offset_ms)
{
    int64_t ts = av_rescale(offset_ms, AV_TIME_BASE, 1000);
    if (t->in->start_time != AV_NOPTS_VALUE)
        ts += t->in->start_time;
    /* A failed seek is harmless: the samples before the offset are dropped as decoded. */
    if (avformat_seek_file(t->in, -1, INT64_MIN, ts, ts, 0) >= 0)
        avcodec_flush_buffers(t->dec);
}

/* A source damaged after the scan still ends its output cleanly, but says so in the log:
 * packets the decoder skipped, and an end well before the duration its header declares. */
static void transcode_report_damage(const TranscodeState *t, const char *path)
{
    if (t->damaged > 0)
        log_warn("transcode of %s: %" PRId64 " damaged packets skipped", path, t->damaged);
    const AVStream *st = t->in->streams[t->stream];
    int64_t declared_ms = -1;
    if (st->duration > 0)
        declared_ms = av_rescale_q(st->duration, st->time_base, (AVRational){1, 1000});
    else if (t->in->duration > 0)
        declared_ms = av_rescale(t->in->duration, 1000, AV_TIME_BASE);
    /* A duration guessed from the bitrate (VBR mp3 without a Xing header) proves nothing. */
    if (declared_ms < 0 || t->in->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE ||
        !t->enc || t->enc->sample_rate <= 0)
        return;
    int64_t end_ms = t->offset_ms + av_rescale(t->next_pts, 1000, t->enc->sample_rate);
    if (declared_ms - end_ms > MEDIA_TRANSCODE_SHORT_MS)
        log_warn("transcode of %s: the source ends at %" PRId64 " ms of the %" PRId64
                 " ms it declares (truncated?)",
                 path, end_ms, declared_ms);
}

static int transcode_run(const char *path, const MediaTranscodeOptions *opts,
                         MediaTranscodeWrite write, void *ctx, int64_t *ret_samples)
{
    TranscodeState t = {.write = write, .ctx = ctx, .stream = -1, .pic_stream = -1, .out_pic = -1};
    t.offset_ms = opts->offset_ms > 0 ? opts->offset_ms : 0;
    if ((unsigned)opts->format >= MEDIA_TRANSCODE_N_TARGETS)
        return -EINVAL;
    media_gate_enter(opts->gate, &t.gate);
    int rc = transcode_open_input(&t, path);
    if (rc < 0)
        goto out_free;
    rc = transcode_open_output(&t, opts);
    if (rc < 0)
        goto out_free;
    media_gate_started(&t.gate); /* its head is out and its encoder ready */
    t.pkt = av_packet_alloc();
    t.frame = av_frame_alloc();
    if (!t.pkt || !t.frame) {
        rc = -ENOMEM;
        goto out_free;
    }
    if (t.offset_ms > 0)
        transcode_seek(&t, t.offset_ms);

    int read_err = 0;
    for (;;) {
        int r = av_read_frame(t.in, t.pkt);
        if (r == AVERROR_EOF)
            break;
        if (r < 0) {
            read_err = ERR_MEDIA; /* corrupt or truncated mid-file: end the output cleanly */
            break;
        }
        if (t.pkt->stream_index == t.stream)
            rc = transcode_decode(&t, t.pkt);
        av_packet_unref(t.pkt);
        if (rc < 0)
            goto out_free;
    }
    if ((rc = transcode_decode(&t, NULL)) < 0)
        goto out_free;
    if ((rc = transcode_resample(&t, NULL)) < 0)
        goto out_free;
    if ((rc = transcode_drain_fifo(&t, true)) < 0)
        goto out_free;
    if ((rc = transcode_encode(&t, NULL)) < 0)
        goto out_free;
    int r = av_write_trailer(t.out);
    avio_flush(t.out->pb);
    if (r < 0 || t.sink_err)
        rc = transcode_err(&t, r);
    else
        rc = read_err;
    if (rc == 0)
        transcode_report_damage(&t, path);

out_free:
    if (t.out && t.out->pb) {
        av_freep(&t.out->pb->buffer);
        avio_context_free(&t.out->pb);
    }
    avformat_free_context(t.out);
    av_audio_fifo_free(t.fifo);
    swr_free(&t.swr);
    avcodec_free_context(&t.enc);
    avcodec_free_context(&t.dec);
    avformat_close_input(&t.in);
    av_packet_free(&t.pkt);
    av_frame_free(&t.frame);
    media_gate_leave(&t.gate);
    *ret_samples = rc == 0 ? t.next_pts : 0;
    return rc;
}

int media_transcode(const char *path, const MediaTranscodeOptions *opts, MediaTranscodeWrite write,
                    void *ctx)
{
    int64_t samples;
    return media_transcode_counted(path, opts, write, ctx, &samples);
}

int media_transcode_counted(const char *path, const MediaTranscodeOptions *opts,
                            MediaTranscodeWrite write, void *ctx, int64_t *ret_samples)
{
    metrics_inc(METRICS_TRANSCODES_STARTED);
    metrics_add(METRICS_TRANSCODES_RUNNING, 1);
    int r = transcode_run(path, opts, write, ctx, ret_samples);
    metrics_add(METRICS_TRANSCODES_RUNNING, -1);
    metrics_inc(r == 0        ? METRICS_TRANSCODES_FINISHED
                : r == -EPIPE ? METRICS_TRANSCODES_CANCELLED
                              : METRICS_TRANSCODES_FAILED);
    return r;
}

int media_transcode_flac_total(int fd, int64_t samples)
{
    /* "fLaC", a block header, then STREAMINFO: the 36-bit total starts in the low nibble of
     * its byte 13 (byte 21 of the file). */
    uint8_t head[26];
    if (samples < 0 || samples >= (1ll << 36))
        return -EINVAL;
    if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
        return -EIO;
    if (memcmp(head, "fLaC", 4) != 0 || (head[4] & 0x7f) != 0)
        return -EINVAL;
    head[21] = (uint8_t)((head[21] & 0xf0) | ((samples >> 32) & 0x0f));
    AV_WB32(head + 22, (uint32_t)samples);
    if (pwrite(fd, head + 21, 5, 21) != 5)
        return -errno;
    return 0;
}
