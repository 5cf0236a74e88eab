#!/usr/bin/env bash
# Checks the house style of the C sources (STYLE.md rules 11, 12, 14; DESIGN.md section 3):
#   (a) clang-format --dry-run -Werror on every *.c/*.h under src/ tests/unit/ fuzz/ bench/;
#   (b) no banned libc calls in src/ (comments and string literals are ignored);
#   (c) include layering in src/: third-party headers in their one folder, arrows point down.
# Prints each violation as `file:line: message`, then one line `style: N passed, N failed`
# where N counts (file, check) pairs. Exits 1 on any failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

passed=0
failed=0

dirs=()
for d in src tests/unit fuzz bench; do
    [[ -d $d ]] && dirs+=("$d")
done
files=()
if ((${#dirs[@]} > 0)); then
    mapfile -t files < <(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
fi

# (a) formatting, one check per file.
if ((${#files[@]} > 0)) && ! command -v clang-format >/dev/null 2>&1; then
    echo "check-style: clang-format not found (scripts/deps.sh test installs it)" >&2
    exit 1
fi
for f in "${files[@]}"; do
    if out=$(clang-format --dry-run -Werror --style=file "$f" 2>&1); then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        # clang-format reports `file:line:col: error: code should be clang-formatted`;
        # keep the first few lines per file so a whole-file reformat stays readable.
        grep -E '^[^ ]+:[0-9]+:[0-9]+: ' <<<"$out" | head -n 5 |
            sed -E 's/^([^:]+):([0-9]+):[0-9]+: (error|warning): (.*) \[-Wclang-format-violations\]$/\1:\2: format: \4/' ||
            echo "$f:1: format: clang-format failed"
    fi
done

# (b) and (c): one check each per file under src/.
if [[ -d src ]]; then
    counts=$(python3 - <<'PY'
import os, re, sys

BANNED = ["strcpy", "strcat", "sprintf", "vsprintf", "gets", "strtok", "atoi", "atol",
          "system", "popen", "gmtime", "localtime"]
banned_re = re.compile(r"(?<![\w.>])(" + "|".join(BANNED) + r")\s*\(")

# Third-party headers: a regex on the include target -> the only src/ folder allowed.
THIRD_PARTY = [
    (re.compile(r"^microhttpd(_\w+)?\.h$"), "http"),
    (re.compile(r"^sqlite3(ext)?\.h$"), "db"),
    (re.compile(r"^(postgresql/)?(libpq-fe|libpq/.*)\.h$"), "db"),
    (re.compile(r"^(hiredis/.*|hiredis\.h|async\.h)$"), "cache"),
    (re.compile(r"^lib(avformat|avcodec|avutil|avfilter|avdevice|swresample|swscale)/"), "media"),
    (re.compile(r"^vips/"), "media"),
]

# Which of our layers each layer may include (besides itself). None = anything.
ALLOWED = {
    "core": set(),
    "db": {"core"},
    "cache": {"core"},
    "http": {"core"},
}
FORBIDDEN = {
    "library": {"http", "api", "app"},
    "media": {"http", "api", "app"},
    "auth": {"http", "api", "app"},
    "api": {"app"},
}
LAYERS = {"app", "core", "http", "auth", "api", "library", "media", "db", "cache"}


def strip(text):
    """Blanks out comments and string/char literals, keeping newlines and offsets."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + (c if j - 1 > i else ""))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def layer_of(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else ""


include_re = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
passed = failed = 0
files = []
for dirpath, dirnames, filenames in os.walk("src"):
    dirnames.sort()
    for name in sorted(filenames):
        if name.endswith((".c", ".h")):
            files.append(os.path.join(dirpath, name))

for path in files:
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    code = strip(text)
    lines = code.split("\n")

    # (b) banned functions; preprocessor include lines cannot contain calls.
    bad = []
    for lineno, line in enumerate(lines, 1):
        for m in banned_re.finditer(line):
            bad.append(f"{path}:{lineno}: banned function {m.group(1)}() (STYLE.md rule 12)")
    for msg in bad:
        print(msg)
    if bad:
        failed += 1
    else:
        passed += 1

    # (c) include layering. Include targets sit inside quotes/brackets, which strip() blanked,
    # so read them from the original text on lines that are not commented out.
    me = layer_of(path)
    bad = []
    orig_lines = text.split("\n")
    for lineno, line in enumerate(lines, 1):
        if not re.match(r"^\s*#\s*include\b", line):
            continue
        m = include_re.match(orig_lines[lineno - 1])
        if not m:
            continue
        kind, target = m.group(1), m.group(2).strip()
        for pat, home in THIRD_PARTY:
            if pat.search(target) and me != home:
                bad.append(f"{path}:{lineno}: <{target}> may only be included in src/{home}/ "
                           "(STYLE.md rule 11)")
                break
        if kind != '"':
            continue
        # Our headers: "layer/x.h" from src/, or "x.h" next to the including file.
        first = target.split("/")[0] if "/" in target else ""
        if first in LAYERS:
            dep = first
        elif first == "" or target.startswith("."):
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), target))
            dep = layer_of(resolved) if resolved.startswith("src/") else ""
        else:
            dep = ""
        if not dep or dep == me:
            continue
        why = None
        if dep == "app":
            why = "nothing outside src/app/ includes app/"
        elif me in ALLOWED and dep not in ALLOWED[me]:
            allowed = " and ".join(f"{x}/" for x in sorted(ALLOWED[me] | {me}))
            why = f"src/{me}/ may include only {allowed}"
        elif me in FORBIDDEN and dep in FORBIDDEN[me]:
            why = f"src/{me}/ must not include {dep}/ (arrows point down)"
        if why:
            bad.append(f'{path}:{lineno}: "{target}": {why} (DESIGN.md section 3)')
    for msg in bad:
        print(msg)
    if bad:
        failed += 1
    else:
        passed += 1

print(f"COUNTS {passed} {failed}")
PY
)
    while IFS= read -r line; do
        if [[ $line =~ ^COUNTS\ ([0-9]+)\ ([0-9]+)$ ]]; then
            passed=$((passed + BASH_REMATCH[1]))
            failed=$((failed + BASH_REMATCH[2]))
        else
            echo "$line"
        fi
    done <<<"$counts"
fi

echo "style: $passed passed, $failed failed"
((failed == 0))
