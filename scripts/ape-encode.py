#!/usr/bin/env python3
"""Writes a Monkey's Audio (.ape) file from a 16-bit PCM WAV, for test fixtures.

    scripts/ape-encode.py IN.wav OUT.ape [--blocks-per-frame N] [--tag KEY=VALUE]...

Debian has no APE encoder (ffmpeg only decodes it), so the test library's .ape song is made
here: file version 3.99, compression level 1000 ("fast": no NN filters), mono or stereo,
16 bits. Each frame is the 3.95+ prediction stage run backwards (stereo: Y = right - left,
X = left + Y/2, then the two-stage adaptive predictor) and its residuals coded with the 3.99
range coder (adaptive pivot, fixed overflow model), a CRC-32 of the frame's PCM in front.
The file is descriptor + header + seek table + frames + an APEv2 tag (with header and
footer). Frames are padded to whole 32-bit words, stored little-endian word by word as
Monkey's Audio does. Standard library only; the same input gives the same bytes.

Checked against libavcodec's decoder: `ffmpeg -err_detect crccheck+explode -i OUT.ape
-f s16le -` gives back the WAV's samples byte for byte (tests/integration/ape.test.mjs).
"""

import argparse
import hashlib
import struct
import sys
import wave
import zlib

VERSION = 3990
LEVEL_FAST = 1000
FLAG_CREATE_WAV_HEADER = 32  # no stored WAV header: a decoder makes one
BLOCKS_PER_FRAME = 73728 * 4  # what 3.95+ encoders use

# Range coder (Schindler's, as Monkey's Audio uses it): 31-bit low, bytes out at bit 23.
TOP = 1 << 31
BOTTOM = TOP >> 8
SHIFT = 23

# The 3.98+ overflow model: cumulative counts of symbols 0..20 out of 65536; 21..62 take
# one count each above 65492, 63 escapes to a raw 32-bit overflow.
COUNTS = [0, 19578, 36160, 48417, 56323, 60899, 63265, 64435, 64971, 65232, 65351, 65416,
          65447, 65466, 65476, 65482, 65485, 65488, 65490, 65491, 65492, 65493]
MODEL_ESCAPE = 63

# Predictor history offsets (the decoder's YDELAYA... constants).
Y_DELAY_A, Y_DELAY_B, X_DELAY_A, X_DELAY_B = 50, 42, 34, 26
Y_ADAPT_A, X_ADAPT_A, Y_ADAPT_B, X_ADAPT_B = 18, 14, 10, 5
INITIAL_COEFFS_A = (360, 317, -109, 98)


def ape_sign(x):
    """The decoder's APESIGN: -1 for positive, 1 for negative, 0 for zero."""
    return (x < 0) - (x > 0)


def half(x):
    """C's x / 2 (truncates toward zero)."""
    return -((-x) >> 1) if x < 0 else x >> 1


class RangeEncoder:
    """The encoder whose output libavcodec's range_decode_* functions read back."""

    def __init__(self):
        self.low = 0
        self.range = TOP
        self.buffer = 0  # the first byte out; the decoder skips it
        self.pending = 0  # 0xff bytes held back until a carry is settled
        self.out = bytearray()

    def _flush(self, byte, follow):
        self.out.append(byte)
        self.out += bytes([follow]) * self.pending
        self.pending = 0

    def _normalize(self):
        while self.range <= BOTTOM:
            if self.low < (0xFF << SHIFT):
                self._flush(self.buffer, 0xFF)
                self.buffer = self.low >> SHIFT
            elif self.low & TOP:
                assert self.buffer < 0xFF, "range coder carry overflow"
                self._flush(self.buffer + 1, 0x00)
                self.buffer = (self.low >> SHIFT) & 0xFF
            else:
                self.pending += 1
            self.range <<= 8
            self.low = (self.low << 8) & (TOP - 1)

    def encode(self, low_f, sym_f, tot_f):
        """Symbol [low_f, low_f + sym_f) out of tot_f (range_decode_culfreq + update)."""
        self._normalize()
        r = self.range // tot_f
        self.low += r * low_f
        self.range = r * sym_f

    def encode_shift(self, low_f, sym_f, shift):
        """Symbol [low_f, low_f + sym_f) out of 1 << shift (range_decode_culshift + update)."""
        self._normalize()
        r = self.range >> shift
        self.low += r * low_f
        self.range = r * sym_f

    def finish(self):
        """Settles the last byte and writes the 3 zero bytes the decoder may read ahead."""
        self._normalize()
        last = (self.low >> SHIFT) + 1
        if last > 0xFF:
            self._flush(self.buffer + 1, 0x00)
        else:
            self._flush(self.buffer, 0xFF)
        self.out += bytes([last & 0xFF, 0, 0, 0])
        return bytes(self.out)


class Rice:
    """The adaptive sum whose pivot splits a value into overflow and base (3.99)."""

    def __init__(self):
        self.ksum = (1 << 10) * 16

    def encode(self, rc, value):
        x = 2 * value - 1 if value > 0 else -2 * value
        pivot = max(self.ksum >> 5, 1)
        overflow, base = divmod(x, pivot)
        if overflow < len(COUNTS) - 1:
            rc.encode_shift(COUNTS[overflow], COUNTS[overflow + 1] - COUNTS[overflow], 16)
        elif overflow < MODEL_ESCAPE:
            rc.encode_shift(overflow + 65535 - MODEL_ESCAPE, 1, 16)
        else:
            rc.encode_shift(65535, 1, 16)
            rc.encode_shift(overflow >> 16, 1, 16)
            rc.encode_shift(overflow & 0xFFFF, 1, 16)
        if pivot < 0x10000:
            rc.encode(base, 1, pivot)
        else:
            bits = 0
            while (pivot >> bits) & ~0xFFFF:
                bits += 1
            rc.encode(base >> bits, 1, (pivot >> bits) + 1)
            rc.encode(base & ((1 << bits) - 1), 1, 1 << bits)
        self.ksum += (x + 1) // 2 - ((self.ksum + 16) >> 5)


class StereoPredictor:
    """predictor_update_filter() of the 3.95+ decoder, run backwards: the residual whose
    decoding gives back each target value."""

    def __init__(self, count):
        self.buf = [0] * (count + Y_DELAY_A + 1)
        self.pos = 0
        self.last_a = [0, 0]
        self.filter_a = [0, 0]
        self.filter_b = [0, 0]
        self.coeffs_a = [list(INITIAL_COEFFS_A), list(INITIAL_COEFFS_A)]
        self.coeffs_b = [[0] * 5, [0] * 5]

    def _one(self, target, f, delay_a, delay_b, adapt_a, adapt_b):
        b, p = self.buf, self.pos
        da, db, aa, ab = p + delay_a, p + delay_b, p + adapt_a, p + adapt_b
        ca, cb = self.coeffs_a[f], self.coeffs_b[f]
        b[da] = self.last_a[f]
        b[aa] = ape_sign(b[da])
        b[da - 1] = b[da] - b[da - 1]
        b[aa - 1] = ape_sign(b[da - 1])
        pred_a = b[da] * ca[0] + b[da - 1] * ca[1] + b[da - 2] * ca[2] + b[da - 3] * ca[3]
        b[db] = self.filter_a[f ^ 1] - ((self.filter_b[f] * 31) >> 5)
        b[ab] = ape_sign(b[db])
        b[db - 1] = b[db] - b[db - 1]
        b[ab - 1] = ape_sign(b[db - 1])
        self.filter_b[f] = self.filter_a[f ^ 1]
        pred_b = (b[db] * cb[0] + b[db - 1] * cb[1] + b[db - 2] * cb[2] + b[db - 3] * cb[3] +
                  b[db - 4] * cb[4])
        last_a = target - ((self.filter_a[f] * 31) >> 5)
        residual = last_a - ((pred_a + (pred_b >> 1)) >> 10)
        self.last_a[f] = last_a
        self.filter_a[f] = target
        sign = ape_sign(residual)
        if sign:
            for i in range(4):
                ca[i] += b[aa - i] * sign
            for i in range(5):
                cb[i] += b[ab - i] * sign
        return residual

    def step(self, y, x):
        """Residuals of one (Y, X) pair, in the order the decoder reads them."""
        ry = self._one(y, 0, Y_DELAY_A, Y_DELAY_B, Y_ADAPT_A, Y_ADAPT_B)
        rx = self._one(x, 1, X_DELAY_A, X_DELAY_B, X_ADAPT_A, X_ADAPT_B)
        self.pos += 1
        return ry, rx


class MonoPredictor:
    """predictor_decode_mono_3950() run backwards."""

    def __init__(self, count):
        self.buf = [0] * (count + Y_DELAY_A + 1)
        self.pos = 0
        self.current_a = 0
        self.filter_a = 0
        self.coeffs = list(INITIAL_COEFFS_A)

    def step(self, target):
        b, c = self.buf, self.coeffs
        da, aa = self.pos + Y_DELAY_A, self.pos + Y_ADAPT_A
        b[da] = self.current_a
        b[da - 1] = b[da] - b[da - 1]
        pred_a = b[da] * c[0] + b[da - 1] * c[1] + b[da - 2] * c[2] + b[da - 3] * c[3]
        current_a = target - ((self.filter_a * 31) >> 5)
        residual = current_a - (pred_a >> 10)
        b[aa] = ape_sign(b[da])
        b[aa - 1] = ape_sign(b[da - 1])
        sign = ape_sign(residual)
        if sign:
            for i in range(4):
                c[i] += b[aa - i] * sign
        self.current_a = current_a
        self.filter_a = target
        self.pos += 1
        return residual


def encode_frame(channels):
    """One frame from per-channel sample lists: CRC word, then the range-coded residuals,
    padded to whole words and stored as little-endian words."""
    n = len(channels[0])
    pcm = bytearray()
    for i in range(n):
        for ch in channels:
            pcm += struct.pack("<h", ch[i])
    rc = RangeEncoder()
    if len(channels) == 1:
        pred, rice = MonoPredictor(n), Rice()
        for s in channels[0]:
            rice.encode(rc, pred.step(s))
    else:
        pred, rice_y, rice_x = StereoPredictor(n), Rice(), Rice()
        for left, right in zip(channels[0], channels[1]):
            y = right - left
            ry, rx = pred.step(y, left + half(y))
            rice_y.encode(rc, ry)
            rice_x.encode(rc, rx)
    data = struct.pack(">I", zlib.crc32(pcm) >> 1) + rc.finish()
    data += bytes(-len(data) % 4)
    return b"".join(data[i:i + 4][::-1] for i in range(0, len(data), 4))


def ape_tag(items):
    """An APEv2 tag with header and footer; values are UTF-8 text."""
    body = b""
    for key, value in items:
        v = value.encode("utf-8")
        body += struct.pack("<II", len(v), 0) + key.encode("ascii") + b"\0" + v

    def frame(flags):
        return b"APETAGEX" + struct.pack("<IIII", 2000, len(body) + 32, len(items), flags) + \
            bytes(8)

    return frame(0xA0000000) + body + frame(0x80000000)


def read_wav(path):
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2 or w.getnchannels() not in (1, 2):
            sys.exit("ape-encode: %s: need 16-bit mono or stereo PCM" % path)
        nch, rate, raw = w.getnchannels(), w.getframerate(), w.readframes(w.getnframes())
    samples = struct.unpack("<%dh" % (len(raw) // 2), raw)
    if not samples:
        sys.exit("ape-encode: %s: no samples" % path)
    return rate, [list(samples[c::nch]) for c in range(nch)]


def encode(rate, channels, blocks_per_frame, tags):
    total = len(channels[0])
    frames = [encode_frame([ch[i:i + blocks_per_frame] for ch in channels])
              for i in range(0, total, blocks_per_frame)]
    final_blocks = total - (len(frames) - 1) * blocks_per_frame
    header = struct.pack("<HHIIIHHI", LEVEL_FAST, FLAG_CREATE_WAV_HEADER, blocks_per_frame,
                         final_blocks, len(frames), 16, len(channels), rate)
    first = 52 + len(header) + 4 * len(frames)
    offsets, pos = [], first
    for f in frames:
        offsets.append(pos)
        pos += len(f)
    seek = struct.pack("<%dI" % len(frames), *offsets)
    audio = b"".join(frames)
    # As Monkey's Audio: MD5 of the frame data, then the header and the seek table.
    md5 = hashlib.md5(audio + header + seek).digest()
    descriptor = b"MAC " + struct.pack("<HHIIIIIII", VERSION, 0, 52, len(header), len(seek),
                                       0, len(audio), 0, 0) + md5
    return descriptor + header + seek + audio + (ape_tag(tags) if tags else b"")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("wav")
    ap.add_argument("out")
    ap.add_argument("--blocks-per-frame", type=int, default=BLOCKS_PER_FRAME)
    ap.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE",
                    help="an APEv2 text item, e.g. Title=Song (repeatable)")
    args = ap.parse_args()
    if args.blocks_per_frame < 1:
        sys.exit("ape-encode: --blocks-per-frame must be positive")
    tags = []
    for kv in args.tag:
        key, sep, value = kv.partition("=")
        if not sep or not 2 <= len(key) <= 255 or not key.isascii():
            sys.exit("ape-encode: bad tag %r (KEY=VALUE, ASCII key of 2-255 chars)" % kv)
        tags.append((key, value))
    rate, channels = read_wav(args.wav)
    with open(args.out, "wb") as f:
        f.write(encode(rate, channels, args.blocks_per_frame, tags))


if __name__ == "__main__":
    main()
