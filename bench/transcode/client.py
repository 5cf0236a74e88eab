#!/usr/bin/env python3
"""Transcode bench client: swaz's live transcode against the ffmpeg command line.

  client.py ttfb       PORT TOKEN IDS_FILE FILES_FILE REPS
  client.py throughput PORT TOKEN IDS_FILE FILES_FILE PARALLEL SWAZ_PID
  client.py paced      PORT TOKEN IDS_FILE STREAMS KBPS PREBUFFER_S

ttfb: time to the first body byte and to the end, one request at a time, swaz then ffmpeg
on the same file. throughput: PARALLEL workers transcode every song once each (swaz, then
ffmpeg); reports audio seconds per CPU second (x realtime per core) and per wall second.
paced: STREAMS listeners at once, each reading its own song as a player does (a PREBUFFER_S
buffer filled first, then KBPS drained in real time); an underrun is a moment the buffer
runs dry before the song has ended. Reports the time to the first body byte (for mp3 the
ID3 head: tags, cover) and the time to play (PREBUFFER_S of audio received: playback
starts). Prints key=value lines for run.sh.
"""
import os
import resource
import socket
import subprocess
import sys
import threading
import time

FORMAT = 'format=mp3&bitrate=128'
MAX_AHEAD_S = 10  # a paced listener reads at most this far ahead of playback


def read_lines(path):
    with open(path, encoding='utf-8') as f:
        return [line.rstrip('\n') for line in f if line.strip()]


class Chunked:
    """Counts the payload of a chunked body as it arrives and sees its end. Players keep the
    connection alive (no Connection: close), so the end of the body is the last chunk."""

    def __init__(self):
        self.pending = b''
        self.left = 0  # payload bytes of the current chunk still to come, then its CRLF
        self.done = False

    def feed(self, data):
        """Returns the payload bytes in `data`."""
        payload = 0
        buf = self.pending + data
        self.pending = b''
        i = 0
        while i < len(buf) and not self.done:
            if self.left > 0:
                n = min(self.left, len(buf) - i)
                payload += n
                self.left -= n
                i += n
                if self.left == 0:
                    self.left = -2  # the CRLF after the data
                continue
            if self.left < 0:
                n = min(-self.left, len(buf) - i)
                self.left += n
                i += n
                continue
            end = buf.find(b'\r\n', i)
            if end < 0:
                self.pending = buf[i:]
                break
            size = int(buf[i:end].split(b';')[0], 16)
            i = end + 2
            if size == 0:
                self.done = True
            self.left = size
        return payload


class Sized:
    """The same for a body with a Content-Length (a transcode served from the cache)."""

    def __init__(self, length):
        self.left = length
        self.done = length == 0

    def feed(self, data):
        n = min(len(data), self.left)
        self.left -= n
        self.done = self.left == 0
        return n


def open_stream(port, token, song_id):
    """Sends the request; returns (socket, t0)."""
    s = socket.create_connection(('127.0.0.1', port))
    req = (f'GET /api/songs/{song_id}/stream?{FORMAT} HTTP/1.1\r\nHost: bench\r\n'
           f'Authorization: Bearer {token}\r\n\r\n')
    t0 = time.monotonic()
    s.sendall(req.encode())
    return s, t0


def read_head(s):
    """Reads the response head; returns (status, body reader, payload bytes already there)."""
    buf = b''
    while b'\r\n\r\n' not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise RuntimeError('connection closed before the head')
        buf += chunk
    head, body = buf.split(b'\r\n\r\n', 1)
    status = int(head.split(b' ', 2)[1])
    lower = head.lower()
    length = [line.split(b':', 1)[1] for line in lower.split(b'\r\n')
              if line.startswith(b'content-length:')]
    if b'transfer-encoding: chunked' in lower:
        body_reader = Chunked()
    elif length:
        body_reader = Sized(int(length[0]))
    else:
        raise RuntimeError(f'HTTP {status} with neither chunks nor a length')
    return status, body_reader, body_reader.feed(body)


def read_more(s, body_reader, size):
    """Reads up to `size` bytes; returns the payload bytes (the end: body_reader.done)."""
    data = s.recv(size)
    if not data:
        raise RuntimeError('connection closed inside the body')
    return body_reader.feed(data)


def swaz_once(port, token, song_id):
    """Returns (ttfb_s, total_s, bytes)."""
    s, t0 = open_stream(port, token, song_id)
    status, body, n = read_head(s)
    if status != 200:
        raise RuntimeError(f'HTTP {status}')
    first = time.monotonic() if n else None
    while not body.done:
        got = read_more(s, body, 65536)
        if first is None and got:
            first = time.monotonic()
        n += got
    s.close()
    end = time.monotonic()
    return first - t0, end - t0, n


def ffmpeg_cmd(path):
    return ['ffmpeg', '-nostdin', '-hide_banner', '-loglevel', 'error', '-i', path, '-map',
            '0:a', '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3', 'pipe:1']


def ffmpeg_once(path):
    t0 = time.monotonic()
    p = subprocess.Popen(ffmpeg_cmd(path), stdout=subprocess.PIPE)
    first = None
    n = 0
    while True:
        chunk = p.stdout.read1(65536)
        if not chunk:
            break
        if first is None:
            first = time.monotonic()
        n += len(chunk)
    p.wait()
    return first - t0, time.monotonic() - t0, n


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def cmd_ttfb(port, token, ids, files, reps):
    sw, ff = [], []
    for i in range(reps):
        sw.append(swaz_once(port, token, ids[i % len(ids)]))
        ff.append(ffmpeg_once(files[i % len(files)]))
    for name, r in (('swaz', sw), ('ffmpeg', ff)):
        t = [x[0] * 1000 for x in r]
        print(f'{name}_ttfb_p50_ms={pct(t, 0.5):.1f}')
        print(f'{name}_ttfb_max_ms={max(t):.1f}')
        print(f'{name}_single_wall_s={sum(x[1] for x in r) / len(r):.3f}')


def proc_cpu(pid):
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    tick = os.sysconf('SC_CLK_TCK')
    return (int(fields[11]) + int(fields[12])) / tick


def run_parallel(n, jobs, fn):
    lock = threading.Lock()
    queue = list(jobs)
    errors = []

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            try:
                fn(job)
            except Exception as e:  # noqa: BLE001 - reported, not hidden
                errors.append(str(e))

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def cmd_throughput(port, token, ids, files, parallel, swaz_pid, audio_s):
    c0, t0 = proc_cpu(swaz_pid), time.monotonic()
    errs = run_parallel(parallel, ids, lambda i: swaz_once(port, token, i))
    c1, t1 = proc_cpu(swaz_pid), time.monotonic()
    audio = audio_s * len(ids)
    print(f'swaz_errors={len(errs)}')
    if errs:
        print(f'swaz_first_error={errs[0]}')
    print(f'swaz_cpu_s={c1 - c0:.2f}')
    print(f'swaz_x_realtime_per_core={audio / max(c1 - c0, 1e-9):.1f}')
    print(f'swaz_x_realtime_wall={audio / (t1 - t0):.1f}')
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    errs = run_parallel(parallel, files, ffmpeg_once)
    r1, t1 = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    print(f'ffmpeg_errors={len(errs)}')
    print(f'ffmpeg_cpu_s={cpu:.2f}')
    print(f'ffmpeg_x_realtime_per_core={audio / max(cpu, 1e-9):.1f}')
    print(f'ffmpeg_x_realtime_wall={audio / (t1 - t0):.1f}')


def paced_listener(port, token, song_id, kbps, prebuffer_s, out):
    """Plays one stream in real time like a player: waits for PREBUFFER_S of audio, then
    plays at KBPS while reading ahead at most MAX_AHEAD_S; when the buffer runs dry before the
    stream has ended that is an underrun, and playback waits for a second of audio again.
    Records (ttfb, underruns, stalled seconds, error, time to play)."""
    rate = kbps * 1000 / 8  # bytes of audio per second
    max_ahead = MAX_AHEAD_S * rate
    try:
        s, t0 = open_stream(port, token, song_id)
        status, body, got = read_head(s)
        if status != 200:
            out.append((None, 0, 0.0, f'HTTP {status}', None))
            return
        ttfb = time.monotonic() - t0 if got else None
        while got < prebuffer_s * rate and not body.done:
            n = read_more(s, body, 65536)
            if n and ttfb is None:
                ttfb = time.monotonic() - t0
            got += n
        ended = body.done
        play_start = time.monotonic()
        to_play = play_start - t0
        stalled = 0.0
        underruns = 0
        s.settimeout(0.05)
        while not ended:
            now = time.monotonic()
            played = rate * (now - play_start - stalled)
            if played > got:  # dry: playback stops where the data stopped
                underruns += 1
                stalled = now - play_start - got / rate
                t_dry = now
                while got < played_at(rate, play_start, stalled, t_dry) + rate and not ended:
                    try:
                        got += read_more(s, body, 65536)
                        ended = body.done
                    except socket.timeout:
                        pass
                stalled += time.monotonic() - t_dry
                continue
            room = max_ahead - (got - played)
            if room <= 0:
                time.sleep(0.05)
                continue
            try:
                got += read_more(s, body, max(1, int(min(room, 65536))))
                ended = body.done
            except socket.timeout:
                pass
        s.close()
        out.append((ttfb, underruns, stalled, None, to_play))
    except Exception as e:  # noqa: BLE001 - reported, not hidden
        out.append((None, 0, 0.0, str(e), None))


def played_at(rate, play_start, stalled, t):
    return rate * (t - play_start - stalled)


def cmd_paced(port, token, ids, streams, kbps, prebuffer_s):
    out = []
    threads = [threading.Thread(target=paced_listener,
                                args=(port, token, ids[i % len(ids)], kbps, prebuffer_s, out))
               for i in range(streams)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [r for r in out if r[3] is None]
    errs = [r[3] for r in out if r[3] is not None]
    ttfbs = [r[0] * 1000 for r in ok if r[0] is not None]
    print(f'paced_streams={streams}')
    print(f'paced_errors={len(errs)}')
    if errs:
        print(f'paced_first_error={errs[0]}')
    print(f'paced_underruns={sum(r[1] for r in ok)}')
    print(f'paced_listeners_with_underrun={sum(1 for r in ok if r[1])}')
    print(f'paced_stalled_s={sum(r[2] for r in ok):.2f}')
    if ttfbs:
        print(f'paced_ttfb_p50_ms={pct(ttfbs, 0.5):.1f}')
        print(f'paced_ttfb_p99_ms={pct(ttfbs, 0.99):.1f}')
    plays = [r[4] * 1000 for r in ok if r[4] is not None]
    if plays:
        print(f'paced_play_p50_ms={pct(plays, 0.5):.1f}')
        print(f'paced_play_p99_ms={pct(plays, 0.99):.1f}')
    print(f'paced_wall_s={time.monotonic() - t0:.1f}')


def main():
    mode = sys.argv[1]
    port, token = int(sys.argv[2]), sys.argv[3]
    ids = read_lines(sys.argv[4])
    if mode == 'ttfb':
        cmd_ttfb(port, token, ids, read_lines(sys.argv[5]), int(sys.argv[6]))
    elif mode == 'throughput':
        cmd_throughput(port, token, ids, read_lines(sys.argv[5]), int(sys.argv[6]),
                       int(sys.argv[7]), float(sys.argv[8]))
    elif mode == 'paced':
        cmd_paced(port, token, ids, int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))
    else:
        sys.exit(f'unknown mode {mode}')


if __name__ == '__main__':
    main()
