#!/usr/bin/env python3
"""Writes a synthetic music library of N tiny tagged files, fast (no encoder per file).

    gen.py TEMPLATES_DIR OUT_DIR N

TEMPLATES_DIR holds what bench/scan/run.sh made once with ffmpeg: t1.mp3, t2.mp3 (MPEG audio
frames with a Xing header, no tags), t1.flac, t2.flac (fLaC + STREAMINFO + frames) and
cover.jpg. Each output file is a template's audio with tags of its own: an ID3v2.3 tag
(TIT2 TPE1 TALB TRCK TPE2 TCON TYER) in front of the mp3 frames, a VORBIS_COMMENT block in
the flac. Albums of 10 songs in ARTIST/ALBUM folders, alternately mp3 and flac; every fifth
album has a cover.jpg. The same N gives the same library. Two worker processes.
"""
import os
import random
import struct
import sys
from multiprocessing import Pool

SONGS_PER_ALBUM = 10
GENRES = ["Rock", "Pop", "Jazz", "Blues", "Folk", "Electronic", "Classical", "Hip-Hop",
          "Metal", "Punk", "Soul", "Reggae", "Country", "Ambient", "Funk", "Latin"]
WORDS = ("red blue night day river stone fire glass paper silver golden quiet loud "
         "northern southern broken open secret last first little big wild dark bright "
         "summer winter ocean city garden mirror shadow echo signal motor velvet "
         "electric lonely happy hollow crystal iron thunder rain snow wind song dream "
         "heart road light star moon sun café über señor øre").split()


def id3_frame(fid, text):
    try:
        data = b"\x00" + text.encode("latin-1")
    except UnicodeEncodeError:
        data = b"\x01\xff\xfe" + text.encode("utf-16-le")
    return fid + struct.pack(">I", len(data)) + b"\x00\x00" + data


def id3v23(tags):
    body = b"".join(id3_frame(k, v) for k, v in tags)
    n = len(body)
    return b"ID3\x03\x00\x00" + bytes([(n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127,
                                       n & 127]) + body


def flac_parts(buf):
    """(STREAMINFO and SEEKTABLE blocks without their headers' last flag, frames)."""
    assert buf[:4] == b"fLaC"
    pos, keep = 4, []
    while True:
        h = buf[pos]
        n = int.from_bytes(buf[pos + 1:pos + 4], "big")
        if h & 127 in (0, 3):
            keep.append(bytes([h & 127]) + buf[pos + 1:pos + 4 + n])
        pos += 4 + n
        if h & 128:
            return b"fLaC" + b"".join(keep), buf[pos:]


def vorbis_block(tags):
    vendor = b"swaz-bench"
    p = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(tags))
    for k, v in tags:
        c = (k + "=" + v).encode()
        p += struct.pack("<I", len(c)) + c
    return bytes([4 | 128]) + len(p).to_bytes(3, "big") + p


def name(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).title()


def album_job(args):
    out, templates, album_no, first_song, count = args
    rng = random.Random(album_no)
    artist_no = album_no // 2  # two albums per artist
    artist = "%s %05d" % (name(random.Random(artist_no * 7919), 2), artist_no)
    album = "%s %06d" % (name(rng, 3), album_no)
    genre = GENRES[album_no % len(GENRES)]
    year = str(1960 + album_no % 65)
    fmt = "flac" if album_no % 2 else "mp3"
    d = os.path.join(out, artist, album)
    os.makedirs(d, exist_ok=True)
    if album_no % 5 == 0:
        with open(os.path.join(d, "cover.jpg"), "wb") as f:
            f.write(templates["cover"])
    for i in range(count):
        t = i + 1
        title = "%s %07d" % (name(rng, 2), first_song + i)
        audio = templates[fmt][(album_no + i) % len(templates[fmt])]
        if fmt == "mp3":
            data = id3v23([(b"TIT2", title), (b"TPE1", artist), (b"TALB", album),
                           (b"TRCK", "%d/%d" % (t, count)), (b"TPE2", artist),
                           (b"TCON", genre), (b"TYER", year)]) + audio
        else:
            head, frames = audio
            data = head + vorbis_block([("TITLE", title), ("ARTIST", artist),
                                        ("ALBUM", album), ("ALBUMARTIST", artist),
                                        ("TRACKNUMBER", str(t)), ("TRACKTOTAL", str(count)),
                                        ("GENRE", genre), ("DATE", year)]) + frames
        with open(os.path.join(d, "%02d - %s.%s" % (t, title, fmt)), "wb") as f:
            f.write(data)
    return count


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: gen.py TEMPLATES_DIR OUT_DIR N")
    tdir, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

    def read(p):
        with open(os.path.join(tdir, p), "rb") as f:
            return f.read()

    templates = {"mp3": [read("t1.mp3"), read("t2.mp3")],
                 "flac": [flac_parts(read("t1.flac")), flac_parts(read("t2.flac"))],
                 "cover": read("cover.jpg")}
    jobs = []
    for a, first in enumerate(range(0, n, SONGS_PER_ALBUM)):
        jobs.append((out, templates, a, first, min(SONGS_PER_ALBUM, n - first)))
    with Pool(2) as pool:
        done = sum(pool.imap_unordered(album_job, jobs, chunksize=64))
    assert done == n


if __name__ == "__main__":
    main()
