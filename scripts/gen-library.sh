#!/usr/bin/env bash
# Generates a small, reproducible music library with ffmpeg's lavfi sources.
#   scripts/gen-library.sh DIR [demo|test]   (default: demo)
# demo: 3 albums by 3 artists, 12 tracks in mp3/flac/ogg(vorbis)/opus/m4a, fully tagged; one
#       album has a folder cover.jpg, one has covers embedded in its mp3s; one album has
#       non-ASCII names. test: demo plus hostile files under Hostile/ and a .hidden/ folder that
#       a scanner must ignore. The same input gives byte-identical files. Prints only errors.
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
fi
