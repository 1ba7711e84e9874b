#!/usr/bin/env python3
"""prom_text.py: a strict parser of the Prometheus text exposition format
(version 0.0.4, what node_exporter's textfile collector reads), for ops.sh.

The project's Python environment has no prometheus_client, so this follows
the format's specification itself, strictly: a metric name
[a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (not "__"),
label values with only the escapes \\\\, \\" and \\n, values as Go's
ParseFloat takes them (and +Inf, -Inf, NaN), an optional integer timestamp;
# HELP and # TYPE at most once per family and before its samples, the
samples of a family together, no series twice, a final line feed.

    python3 prom_text.py FILE      prints {"family": {"type", "help",
                                   "samples": [[name, {labels}, value]]}}
                                   as JSON, or exits 1 with "line N: why".
"""

import json
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|Inf|NaN)$")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


class Bad(Exception):
    pass


def family_of(name, families):
    if name in families:
        return name
    for s in SUFFIXES:
        if name.endswith(s) and name[: -len(s)] in families:
            return name[: -len(s)]
    return name


def parse_labels(s, i):
    labels = {}
    i += 1  # '{'
    while True:
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise Bad("a label name expected at column %d" % (i + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise Bad("label name %s is reserved" % name)
        if name in labels:
            raise Bad("label %s twice" % name)
        i = m.end()
        if s[i : i + 2] != '="':
            raise Bad('=" expected after label %s' % name)
        i += 2
        out = []
        while True:
            if i >= len(s):
                raise Bad("unterminated label value of %s" % name)
            c = s[i]
            if c == "\\":
                nxt = s[i + 1 : i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise Bad("invalid escape \\%s in label %s" % (nxt, name))
                out.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise Bad("line feed in label value of %s" % name)
            else:
                out.append(c)
                i += 1
        labels[name] = "".join(out)
        if i < len(s) and s[i] == ",":
            i += 1
        elif i < len(s) and s[i] == "}":
            continue
        else:
            raise Bad("',' or '}' expected after label %s" % name)


def parse(text):
    if text and not text.endswith("\n"):
        raise Bad("the last line has no line feed")
    families = {}
    seen_series = set()
    current = None      # the family whose samples are being read
    closed = set()      # families whose samples ended
    for n, line in enumerate(text.split("\n")[:-1], 1):
        try:
            if line == "":
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                    if len(parts) < 3 or not NAME.fullmatch(parts[2]):
                        raise Bad("# %s without a valid metric name" % parts[1])
                    name = parts[2]
                    fam = families.setdefault(name, {"type": None, "help": None, "samples": []})
                    if fam["samples"]:
                        raise Bad("# %s of %s after its samples" % (parts[1], name))
                    key = parts[1].lower()
                    if fam[key] is not None:
                        raise Bad("# %s of %s twice" % (parts[1], name))
                    value = parts[3] if len(parts) > 3 else ""
                    if key == "type" and value not in TYPES:
                        raise Bad("type %r of %s is not a metric type" % (value, name))
                    if key == "help" and re.search(r"\\[^\\n]", value):
                        raise Bad("invalid escape in the help of %s" % name)
                    fam[key] = value
                continue
            m = NAME.match(line)
            if not m:
                raise Bad("a metric name expected")
            name = m.group(0)
            i = m.end()
            labels = {}
            if i < len(line) and line[i] == "{":
                labels, i = parse_labels(line, i)
            rest = line[i:]
            if not rest.startswith(" "):
                raise Bad("a space expected before the value of %s" % name)
            fields = rest.split()
            if len(fields) not in (1, 2):
                raise Bad("value [timestamp] expected after %s" % name)
            if not FLOAT.match(fields[0]):
                raise Bad("value %r of %s is not a number" % (fields[0], name))
            value = float(fields[0].replace("Inf", "inf").replace("NaN", "nan"))
            if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
                raise Bad("timestamp %r of %s is not an integer" % (fields[1], name))
            fname = family_of(name, families)
            if fname != current:
                if fname in closed:
                    raise Bad("samples of %s are not together" % fname)
                if current is not None:
                    closed.add(current)
                current = fname
            fam = families.setdefault(fname, {"type": None, "help": None, "samples": []})
            key = (name, tuple(sorted(labels.items())))
            if key in seen_series:
                raise Bad("series %s%s twice" % (name, labels))
            seen_series.add(key)
            fam["samples"].append([name, labels, None if math.isnan(value) else value])
        except Bad as e:
            raise Bad("line %d: %s" % (n, e)) from None
    return families


if __name__ == "__main__":
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            print(json.dumps(parse(f.read()), sort_keys=True))
    except Bad as e:
        print(e, file=sys.stderr)
        sys.exit(1)
