#!/usr/bin/env bash
# Generates a small, reproducible music library with ffmpeg's lavfi sources.
#   scripts/gen-library.sh DIR [demo|test]   (default: demo)
# demo: 3 albums by 3 artists, 12 tracks in mp3/flac/ogg(vorbis)/opus/m4a, fully tagged; one
#       album has a folder cover.jpg, one has covers embedded in its mp3s; one album has
#       non-ASCII names.
# test: demo plus
#   - every other format the scanner reads: wma (wmav2/asf), aiff, m4a (alac), wavpack,
#     dsf (written by hand: DSD, fmt, data chunks and an ID3v2.3 tag) and ape (Monkey's
#     Audio; Debian has no encoder, scripts/ape-encode.py writes it from an ffmpeg WAV).
#   - tag cases: two ARTISTS comments, a joined "A; B" artist, "X feat. Y", a compilation
#     without album artist (Various Artists), "Rock; Pop", a sibling synced .lrc, embedded
#     unsynced lyrics, ReplayGain, MusicBrainz ids, disc subtitles, an artist.jpg;
#   - hostile files under Hostile/ (empty, not audio, truncated mp3, flac with garbage frames,
#     m4a with impossible atom sizes), an album whose cover.jpg declares 60000x60000 pixels,
#     a .hidden/ folder and a folder holding .swazignore, which a scanner must skip.
# The same input gives byte-identical files. Prints only errors.
# tests/integration/lib/library.mjs lists the same songs: change both together.
set -euo pipefail

if (($# < 1 || $# > 2)); then
    echo "usage: $0 DIR [demo|test]" >&2
    exit 2
fi
out=$1
mode=${2:-demo}
case "$mode" in
demo | test) ;;
*)
    echo "usage: $0 DIR [demo|test]" >&2
    exit 2
    ;;
esac

mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ff=(ffmpeg -nostdin -hide_banner -loglevel error -y)
exact=(-fflags +bitexact -flags:a +bitexact -map_metadata -1)

# codec_args EXT: encoder arguments for one container/codec.
codec_args() {
    case "$1" in
    mp3) echo "-c:a libmp3lame -b:a 128k -id3v2_version 3 -write_xing 1" ;;
    flac) echo "-c:a flac -compression_level 5" ;;
    ogg) echo "-c:a libvorbis -q:a 2" ;;
    opus) echo "-c:a libopus -b:a 64k" ;;
    m4a) echo "-c:a aac -b:a 128k -movflags +faststart" ;;
    alac) echo "-c:a alac -f ipod -movflags +faststart" ;;
    wma) echo "-c:a wmav2 -b:a 64k" ;;
    aiff) echo "-c:a pcm_s16be -write_id3v2 1 -id3v2_version 3" ;;
    wv) echo "-c:a wavpack" ;;
    *)
        echo "gen-library: unknown format $1" >&2
        return 1
        ;;
    esac
}

# source_args KIND FREQ SECONDS EXT: a lavfi input; opus is 48 kHz, the rest 44.1 kHz stereo.
source_args() {
    local kind=$1 freq=$2 secs=$3 ext=$4 rate=44100
    [[ $ext == opus ]] && rate=48000
    if [[ $kind == noise ]]; then
        echo "-f lavfi -i anoisesrc=d=$secs:c=pink:r=$rate:a=0.2:seed=$freq"
    else
        echo "-f lavfi -i sine=frequency=$freq:duration=$secs:sample_rate=$rate"
    fi
}

# track FILE KIND FREQ SECONDS TITLE ARTIST ALBUM ALBUM_ARTIST TRACK DISC DATE GENRE [COVER]
track() {
    local file=$1 kind=$2 freq=$3 secs=$4 title=$5 artist=$6 album=$7 aartist=$8
    local trk=$9 disc=${10} date=${11} genre=${12} cover=${13:-}
    local ext=${file##*.}
    local src codec
    src=$(source_args "$kind" "$freq" "$secs" "$ext")
    codec=$(codec_args "$ext")
    mkdir -p "$(dirname "$file")"
    local cover_in=() cover_map=()
    if [[ -n $cover ]]; then
        cover_in=(-i "$cover")
        cover_map=(-map 0:a -map 1:v -c:v copy -disposition:v attached_pic
            -metadata:s:v title=Cover -metadata:s:v comment="Cover (front)")
    fi
    # shellcheck disable=SC2086 # src and codec are word lists on purpose
    "${ff[@]}" $src "${cover_in[@]}" "${exact[@]}" "${cover_map[@]}" -ac 2 $codec \
        -metadata title="$title" -metadata artist="$artist" -metadata album="$album" \
        -metadata album_artist="$aartist" -metadata track="$trk" -metadata disc="$disc" \
        -metadata date="$date" -metadata genre="$genre" "$file"
}

# tagged FILE CODEC FREQ SECONDS KEY=VALUE...: a sine tone encoded as CODEC (a codec_args
# name) with exactly these tags.
tagged() {
    local file=$1 kind=$2 freq=$3 secs=$4
    shift 4
    local src codec meta=() kv
    src=$(source_args sine "$freq" "$secs" "$kind")
    codec=$(codec_args "$kind")
    for kv in "$@"; do
        meta+=(-metadata "$kv")
    done
    mkdir -p "$(dirname "$file")"
    # shellcheck disable=SC2086 # src and codec are word lists on purpose
    "${ff[@]}" $src "${exact[@]}" -ac 2 $codec "${meta[@]}" "$file"
}

# ape FILE KEY=VALUE...: 2 s of stereo (a different tone per channel) as Monkey's Audio with
# these APEv2 items.
ape() {
    local file=$1
    shift
    local tags=() kv
    for kv in "$@"; do
        tags+=(--tag "$kv")
    done
    mkdir -p "$(dirname "$file")"
    "${ff[@]}" -f lavfi -i "aevalsrc=0.4*sin(2*PI*415*t)|0.3*sin(2*PI*622*t):d=2:s=44100" \
        "${exact[@]}" -c:a pcm_s16le "$tmp/$(basename "$file").wav"
    python3 "$(dirname "$0")/ape-encode.py" "$tmp/$(basename "$file").wav" "$file" "${tags[@]}"
}

# fix.py: the fixtures ffmpeg cannot write (DSF, multi-valued Vorbis comments, broken files).
cat >"$tmp/fix.py" <<'EOF'
import hashlib, struct, sys

def id3v23(tags):
    """An ID3v2.3 tag holding text frames; latin-1 when possible, else UTF-16 with BOM."""
    body = b""
    for fid, text in tags:
        try:
            data = b"\x00" + text.encode("latin-1")
        except UnicodeEncodeError:
            data = b"\x01\xff\xfe" + text.encode("utf-16-le")
        body += fid.encode() + struct.pack(">I", len(data)) + b"\x00\x00" + data
    n = len(body)
    size = bytes([(n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127])
    return b"ID3\x03\x00\x00" + size + body

def dsf(out, seconds, title, artist, album, aartist, track, disc, year, genre):
    """Stereo DSD64 (2.8224 MHz, 1 bit), 4096-byte blocks, DSD 'silence' pattern with a
    little variation, then an ID3v2.3 tag that the DSD chunk points to."""
    rate, ch, block = 2822400, 2, 4096
    samples = rate * int(seconds)
    nbytes = samples // 8
    blocks = (nbytes + block - 1) // block
    data = bytearray()
    for b in range(blocks):
        for c in range(ch):
            chunk = bytearray(b"\x69" * block)
            chunk[b % block] = 0x96 if c else 0x6a
            data += chunk
    tag = id3v23([("TIT2", title), ("TPE1", artist), ("TALB", album), ("TPE2", aartist),
                  ("TRCK", track), ("TPOS", disc), ("TYER", year), ("TCON", genre)])
    fmt = b"fmt " + struct.pack("<QIIIIIIQII", 52, 1, 0, 2, ch, rate, 1, samples, block, 0)
    datac = b"data" + struct.pack("<Q", 12 + len(data)) + bytes(data)
    total = 28 + len(fmt) + len(datac) + len(tag)
    head = b"DSD " + struct.pack("<QQQ", 28, total, 28 + len(fmt) + len(datac))
    with open(out, "wb") as f:
        f.write(head + fmt + datac + tag)

def flac_blocks(buf):
    """[(type, is_last, payload)], offset of the first frame."""
    assert buf[:4] == b"fLaC"
    pos, blocks = 4, []
    while True:
        h = buf[pos]
        n = int.from_bytes(buf[pos + 1:pos + 4], "big")
        blocks.append((h & 127, bool(h & 128), buf[pos + 4:pos + 4 + n]))
        pos += 4 + n
        if h & 128:
            return blocks, pos

def flac_multi(path):
    """Splits every Vorbis comment whose value holds ';;' into several comments, same key."""
    buf = open(path, "rb").read()
    blocks, start = flac_blocks(buf)
    out = b"fLaC"
    for i, (t, last, p) in enumerate(blocks):
        if t == 4:
            vlen = struct.unpack("<I", p[:4])[0]
            vendor, pos = p[4:4 + vlen], 4 + vlen
            count = struct.unpack("<I", p[pos:pos + 4])[0]
            pos += 4
            comments = []
            for _ in range(count):
                n = struct.unpack("<I", p[pos:pos + 4])[0]
                c = p[pos + 4:pos + 4 + n]
                pos += 4 + n
                key, _, val = c.partition(b"=")
                comments += [key + b"=" + v for v in val.split(b";;")]
            p = struct.pack("<I", vlen) + vendor + struct.pack("<I", len(comments))
            p += b"".join(struct.pack("<I", len(c)) + c for c in comments)
        out += bytes([t | (128 if last else 0)]) + len(p).to_bytes(3, "big") + p
    open(path, "wb").write(out + buf[start:])

def garbage(n, seed):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s-%d" % (seed.encode(), i)).digest()
        i += 1
    return out[:n]

def corrupt_flac(src, dst):
    """Valid fLaC marker and metadata blocks; every frame byte replaced by noise."""
    buf = open(src, "rb").read()
    _, start = flac_blocks(buf)
    open(dst, "wb").write(buf[:start] + garbage(len(buf) - start, "flac"))

def bogus_atom(src, dst, name, size):
    """The 32-bit size of the first `name` atom replaced by `size` (past its parent and EOF)."""
    buf = bytearray(open(src, "rb").read())
    pos = buf.find(name.encode()) - 4
    if pos < 0:
        sys.exit("no %s atom in %s" % (name, src))
    buf[pos:pos + 4] = struct.pack(">I", size)
    open(dst, "wb").write(bytes(buf))

def jpeg_bomb(src, dst, w, h):
    """A real JPEG whose frame header (SOFn) claims w x h pixels."""
    buf = bytearray(open(src, "rb").read())
    pos = 2
    while pos < len(buf):
        marker, n = buf[pos + 1], struct.unpack(">H", buf[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            buf[pos + 5:pos + 9] = struct.pack(">HH", h, w)
            break
        pos += 2 + n
    else:
        sys.exit("no SOF marker in " + src)
    open(dst, "wb").write(bytes(buf))

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "dsf":
    dsf(*args)
elif cmd == "multi":
    flac_multi(*args)
elif cmd == "corrupt-flac":
    corrupt_flac(*args)
elif cmd == "bogus-atom":
    bogus_atom(args[0], args[1], args[2], int(args[3], 0))
elif cmd == "jpeg-bomb":
    jpeg_bomb(args[0], args[1], int(args[2]), int(args[3]))
else:
    sys.exit("fix.py: unknown command " + cmd)
EOF
fix() {
    python3 "$tmp/fix.py" "$@"
}

# Covers: a folder cover.jpg from testsrc, an embedded one from a colour source.
"${ff[@]}" -f lavfi -i testsrc=size=320x320:rate=1:duration=1 -frames:v 1 -fflags +bitexact \
    -flags:v +bitexact -map_metadata -1 -q:v 4 "$tmp/folder.jpg"
"${ff[@]}" -f lavfi -i color=c=0x3355aa:size=300x300:rate=1:duration=1 -frames:v 1 \
    -fflags +bitexact -flags:v +bitexact -map_metadata -1 -q:v 4 "$tmp/embedded.jpg"

pids=()
run() {
    track "$@" &
    pids+=($!)
}
run_tagged() {
    tagged "$@" &
    pids+=($!)
}
run_ape() {
    ape "$@" &
    pids+=($!)
}

# Album 1: mp3 with embedded covers.
a="The Quiet Foxes"
al="Northern Lights"
d="$out/$a/$al"
run "$d/01 - Aurora.mp3" sine 220 3 "Aurora" "$a" "$al" "$a" 1/4 1/1 2019 Rock "$tmp/embedded.jpg"
run "$d/02 - Frozen Lake.mp3" sine 247 4 "Frozen Lake" "$a" "$al" "$a" 2/4 1/1 2019 Rock "$tmp/embedded.jpg"
run "$d/03 - Pine Smoke.mp3" sine 262 3 "Pine Smoke" "$a" "$al" "$a" 3/4 1/1 2019 Rock "$tmp/embedded.jpg"
run "$d/04 - Long Night.mp3" noise 7 5 "Long Night" "$a" "$al" "$a" 4/4 1/1 2019 Rock "$tmp/embedded.jpg"

# Album 2: non-ASCII names, flac/ogg/opus, folder cover.jpg.
a="Sólrún Ævarsdóttir"
al="Café Olé"
d="$out/$a/$al"
mkdir -p "$d"
cp "$tmp/folder.jpg" "$d/cover.jpg"
run "$d/01 - Kaffi og kökur.flac" sine 294 4 "Kaffi og kökur" "$a" "$al" "$a" 1/4 1/1 2021 Ambient
run "$d/02 - Blár þráður.ogg" sine 330 3 "Blár þráður" "$a" "$al" "$a" 2/4 1/1 2021 Ambient
run "$d/03 - Señorita Ñandú.opus" sine 349 3 "Señorita Ñandú" "$a" "$al" "$a" 3/4 1/1 2021 Ambient
run "$d/04 - Über Straße.flac" noise 11 3 "Über Straße" "$a" "$al" "$a" 4/4 1/1 2021 Ambient

# Album 3: two discs, a guest artist, m4a/mp3/ogg/flac.
a="Marta Quill"
al="Midnight Sessions"
d="$out/$a/$al"
run "$d/1-01 - Blue Hour.m4a" sine 392 4 "Blue Hour" "$a" "$al" "$a" 1/2 1/2 2015 Jazz
run "$d/1-02 - Side Street.m4a" sine 440 3 "Side Street" "$a & Dex Arlo" "$al" "$a" 2/2 1/2 2015 Jazz
run "$d/2-01 - Last Call.mp3" sine 494 3 "Last Call" "Dex Arlo" "$al" "$a" 1/2 2/2 2015 Jazz
run "$d/2-02 - Closing Time.ogg" sine 523 4 "Closing Time" "$a" "$al" "$a" 2/2 2/2 2015 Jazz

if [[ $mode == test ]]; then
    h="$out/Hostile"
    mkdir -p "$h"
    long=$(printf 'Very long title %.0s' $(seq 1 400) | head -c 5000)
    run "$h/long-title.flac" sine 587 2 "$long" "Hostile Tester" "Hostile Album" "Hostile Tester" 1 1 2020 Test
    run "$h/It's a \"quoted\" 100% song.mp3" sine 659 2 "It's a \"quoted\" 100% song" "Hostile Tester" "Hostile Album" "Hostile Tester" 2 1 2020 Test
    run "$out/.hidden/Secret Song.mp3" sine 698 2 "Secret Song" "Hidden Artist" "Hidden Album" "Hidden Artist" 1 1 2020 Test
    run "$tmp/full.mp3" sine 740 3 "Truncated" "Hostile Tester" "Hostile Album" "Hostile Tester" 3 1 2020 Test
    : >"$h/empty.mp3"
    printf 'This is not a FLAC file.\nJust text.\n' >"$h/notaudio.flac"

    # Every other format (1 s of DSD, 2 s of the rest).
    a="Format Tester"
    al="Every Format"
    d="$out/$a/$al"
    common=("artist=$a" "album=$al" "album_artist=$a" "disc=1/1" "date=2022" "genre=Electronic")
    run_tagged "$d/01 - Windows Media.wma" wma 330 2 "title=Windows Media" track=1/6 "${common[@]}"
    run_tagged "$d/02 - Interchange.aiff" aiff 349 2 "title=Interchange" track=2/6 "${common[@]}"
    run_tagged "$d/03 - Apple Lossless.m4a" alac 370 2 "title=Apple Lossless" track=3/6 "${common[@]}"
    run_tagged "$d/04 - Wave Pack.wv" wv 392 2 "title=Wave Pack" track=4/6 "${common[@]}"
    mkdir -p "$d"
    fix dsf "$d/05 - Direct Stream.dsf" 1 "Direct Stream" "$a" "$al" "$a" 5/6 1/1 2022 Electronic
    run_ape "$d/06 - Monkey Audio.ape" "Title=Monkey Audio" "Artist=$a" "Album=$al" \
        "Album Artist=$a" "Track=6/6" "Disc=1/1" "Year=2022" "Genre=Electronic"

    # Several artists: two ARTISTS comments, a joined artist, a guest, two genres, an artist image.
    a="Alice Arden"
    al="Together"
    d="$out/$a/$al"
    common=("album=$al" "album_artist=$a" "disc=1/1" "date=2017" "genre=Folk")
    run_tagged "$d/01 - Two Voices.flac" flac 262 2 "title=Two Voices" track=1/4 "${common[@]}" \
        "artist=Alice Arden & Bob Brand" "ARTISTS=Alice Arden;;Bob Brand"
    run_tagged "$d/02 - Joined.flac" flac 294 2 "title=Joined" track=2/4 "${common[@]}" \
        "artist=Alice Arden; Bob Brand"
    run_tagged "$d/03 - Guest Spot.mp3" mp3 330 2 "title=Guest Spot" track=3/4 "${common[@]}" \
        "artist=Alice Arden feat. Carl Crane"
    run_tagged "$d/04 - Two Genres.flac" flac 349 2 "title=Two Genres" track=4/4 "album=$al" \
        "album_artist=$a" disc=1/1 date=2017 "artist=$a" "genre=Rock; Pop"
    mkdir -p "$d"
    cp "$tmp/folder.jpg" "$out/$a/artist.jpg"

    # A compilation: no album artist, a different artist on every track.
    al="Summer Hits"
    d="$out/Compilations/$al"
    common=("album=$al" "disc=1/1" "date=2018" "genre=Pop" "compilation=1")
    run_tagged "$d/01 - Sunburn.flac" flac 392 2 "title=Sunburn" "artist=Dana Dale" track=1/3 "${common[@]}"
    run_tagged "$d/02 - Heatwave.ogg" ogg 440 2 "title=Heatwave" "artist=Evan Eld" track=2/3 "${common[@]}"
    run_tagged "$d/03 - Low Tide.m4a" m4a 494 2 "title=Low Tide" "artist=Fay Fern" track=3/3 "${common[@]}"

    # Lyrics (sibling synced .lrc, embedded unsynced), disc subtitles, ReplayGain, MusicBrainz.
    a="Lyric Singer"
    al="Words and Numbers"
    d="$out/$a/$al"
    common=("artist=$a" "album=$al" "album_artist=$a" "date=2016" "genre=Pop")
    run_tagged "$d/1-01 - Synced.flac" flac 523 2 "title=Synced" track=1/2 disc=1/2 \
        "DISCSUBTITLE=Words" "${common[@]}"
    mkdir -p "$d"
    printf '[ti:Synced]\n[ar:Lyric Singer]\n[00:00.00]First synced line\n[00:00.80]Second synced line\n[00:01.60]Third synced line\n' \
        >"$d/1-01 - Synced.lrc"
    run_tagged "$d/1-02 - Embedded.flac" flac 587 2 "title=Embedded" track=2/2 disc=1/2 \
        "DISCSUBTITLE=Words" "LYRICS=First plain line
Second plain line" "${common[@]}"
    run_tagged "$d/2-01 - Gains.flac" flac 659 2 "title=Gains" track=1/2 disc=2/2 \
        "DISCSUBTITLE=Numbers" "REPLAYGAIN_TRACK_GAIN=-6.50 dB" "REPLAYGAIN_TRACK_PEAK=0.988525" \
        "REPLAYGAIN_ALBUM_GAIN=-5.25 dB" "REPLAYGAIN_ALBUM_PEAK=0.999969" "${common[@]}"
    run_tagged "$d/2-02 - Brainz.flac" flac 698 2 "title=Brainz" track=2/2 disc=2/2 \
        "DISCSUBTITLE=Numbers" "${common[@]}" \
        "MUSICBRAINZ_TRACKID=0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9" \
        "MUSICBRAINZ_RELEASETRACKID=1c2d3e4f-5061-4728-93a4-b5c6d7e8f90a" \
        "MUSICBRAINZ_ALBUMID=2d3e4f50-6172-4839-a4b5-c6d7e8f90a1b" \
        "MUSICBRAINZ_ARTISTID=3e4f5061-7283-494a-b5c6-d7e8f90a1b2c" \
        "MUSICBRAINZ_ALBUMARTISTID=3e4f5061-7283-494a-b5c6-d7e8f90a1b2c" \
        "MUSICBRAINZ_RELEASEGROUPID=4f506172-8394-4a5b-86d7-e8f90a1b2c3d"
    run_tagged "$out/$a/Single/01 - Brainz Single.mp3" mp3 740 2 "title=Brainz Single" \
        "artist=$a" "album=Single" "album_artist=$a" track=1/1 disc=1/1 date=2016 genre=Pop \
        "MusicBrainz Album Id=50617283-94a5-4b6c-97e8-f90a1b2c3d4e" \
        "MusicBrainz Artist Id=3e4f5061-7283-494a-b5c6-d7e8f90a1b2c" \
        "MusicBrainz Release Group Id=61728394-a5b6-4c7d-a8f9-0a1b2c3d4e5f" \
        "REPLAYGAIN_TRACK_GAIN=-3.10 dB" "REPLAYGAIN_TRACK_PEAK=0.912345"

    # An image bomb: cover.jpg claims 60000x60000 pixels in about 10 KB. Its songs are fine.
    a="Bomb Artist"
    al="Huge Cover"
    d="$out/$a/$al"
    mkdir -p "$d"
    fix jpeg-bomb "$tmp/folder.jpg" "$d/cover.jpg" 60000 60000
    run "$d/01 - Safe Song.mp3" sine 784 2 "Safe Song" "$a" "$al" "$a" 1/2 1/1 2023 Test
    run "$d/02 - Safe Song Two.flac" sine 831 2 "Safe Song Two" "$a" "$al" "$a" 2/2 1/1 2023 Test

    # A folder holding .swazignore: skipped.
    d="$out/Ignored Artist/Ignored Album"
    mkdir -p "$d"
    : >"$d/.swazignore"
    run "$d/01 - Ignored.mp3" sine 880 2 "Ignored" "Ignored Artist" "Ignored Album" "Ignored Artist" 1 1 2020 Test

    # Sources of the broken files, finished after the wait below.
    run "$tmp/corrupt.flac" sine 932 2 "Corrupt" "Hostile Tester" "Hostile Album" "Hostile Tester" 4 1 2020 Test
    run "$tmp/bogus.m4a" sine 988 2 "Bogus" "Hostile Tester" "Hostile Album" "Hostile Tester" 5 1 2020 Test
fi

fail=0
for p in "${pids[@]}"; do
    wait "$p" || fail=1
done
if ((fail)); then
    echo "gen-library: ffmpeg failed" >&2
    exit 1
fi

if [[ $mode == test ]]; then
    head -c 2500 "$tmp/full.mp3" >"$out/Hostile/truncated.mp3"
    fix multi "$out/Alice Arden/Together/01 - Two Voices.flac"
    fix corrupt-flac "$tmp/corrupt.flac" "$out/Hostile/corrupt.flac"
    fix bogus-atom "$tmp/bogus.m4a" "$out/Hostile/atom-past-eof.m4a" moov 0x7ffffff0
    fix bogus-atom "$tmp/bogus.m4a" "$out/Hostile/atom-ffffffff.m4a" moov 0xffffffff
    fix bogus-atom "$tmp/bogus.m4a" "$out/Hostile/trak-ffffffff.m4a" trak 0xffffffff
    fix bogus-atom "$tmp/bogus.m4a" "$out/Hostile/stsd-ffffffff.m4a" stsd 0xffffffff
fi
