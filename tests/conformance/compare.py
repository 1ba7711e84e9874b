"""compare.py: what two engines did with one DAG run, side by side.

Each side is a dict {"state", "tasks": {id: {"state", "tries", "xcom"}},
"requests": [...], "s3": [...], "mails": [...]} as conform.py gathers it.
normalise() keeps what ../shared/CONFORMANCE.md says to compare and blanks
only what must differ between two runs (times, run ids, trace ids, the S3
key's job segment); differences() returns one line per difference.
"""

import collections
import json
import re

# Hop-by-hop and client-specific headers: each HTTP client sets its own.
# Airflow's own bookkeeping XComs (the branch's followed ids, for the
# scheduler), not data a DAG pushes.
INTERNAL_XCOMS = {"skipmixin_key"}
TRANSPORT_HEADERS = {"host", "user-agent", "accept-encoding", "connection", "content-length",
                     "transfer-encoding", "expect", "keep-alive", "te"}

ISO_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?")
DIGIT = re.compile(r"\d")
# CoWorks' trace header: Root=1-<run start, hex seconds>-<hex of "cws" + 9 digits>.
TRACE = re.compile(r"^Root=1-[0-9a-f]{8}-637773(?:3[0-9]){9}$")
# s3/<dag_id>/<task_id>/<job id>: the job id is per engine.
S3_KEY = re.compile(r"\b(s3/[^/\s\"']+/[^/\s\"']+)/[^/\s\"']+")


def norm_text(s):
    """Times keep their shape (separator, fraction, offset), not their digits:
    the two runs are made at different instants, in the same format."""
    s = ISO_TIME.sub(lambda m: DIGIT.sub("N", m.group(0)), s)
    return S3_KEY.sub(r"\1/<job>", s)


def norm_value(v):
    """A JSON value with every string normalised."""
    if isinstance(v, str):
        return norm_text(v)
    if isinstance(v, list):
        return [norm_value(x) for x in v]
    if isinstance(v, dict):
        return {norm_text(k): norm_value(x) for k, x in v.items()}
    return v


def norm_request(r):
    headers = {}
    for k, v in sorted(r.get("headers", {}).items()):
        k = k.lower()
        if k in TRANSPORT_HEADERS:
            continue
        if k == "x-amzn-trace-id":
            v = "<trace>" if TRACE.match(v) else "malformed trace: " + v
        headers[k] = norm_text(v)
    body = r.get("json")
    if body is None and r.get("body"):
        body = {"<raw>": r["body"]}
    out = {"method": r["method"], "path": norm_text(r["path"]),
           "query": norm_value(r.get("query") or {}), "headers": headers,
           "body": norm_value(body)}
    if r.get("host"):
        out["host"] = r["host"]
    return out


def normalise(side):
    tasks = {}
    for tid, t in side.get("tasks", {}).items():
        tasks[tid] = {"state": t.get("state"), "tries": t.get("tries"),
                      "xcom": norm_value({k: v for k, v in (t.get("xcom") or {}).items()
                                          if k not in INTERNAL_XCOMS})}
    return {
        "state": side.get("state"),
        "tasks": tasks,
        "requests": [norm_request(r) for r in side.get("requests", [])],
        "s3": sorted(json.dumps(norm_value({"bucket": s["bucket"], "key": s["key"],
                                            "status": s.get("status")}), sort_keys=True)
                     for s in side.get("s3", [])),
        # Which S3 objects were asked for, and how: a set, since how many
        # times a sensor pokes depends on when the result lands.
        "s3_requests": sorted({json.dumps(norm_value({
            "method": r["method"], "path": r["path"], "query": sorted(r["query"]),
            "signed": r["signed"], "sha256": r["sha256"]}), sort_keys=True)
            for r in side.get("s3_requests", [])}),
        "mails": sorted(json.dumps({
            "to": sorted(a["address"] for a in m.get("to") or []),
            "cc": sorted(a["address"] for a in m.get("cc") or []),
            # Who the SMTP server delivered to: bcc is only in the envelope.
            "envelope": sorted(a["address"] for a in (m.get("envelope") or {}).get("to") or []),
            "subject": norm_text(m.get("subject", ""))}, sort_keys=True)
            for m in side.get("mails", [])),
    }


def _j(v, limit=300):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) <= limit else s[:limit] + "..."


def _request_key(r):
    return "%s %s%s%s" % (r["method"], r.get("host", ""), r["path"],
                          "?" + _j(r["query"]) if r["query"] else "")


def _request_diffs(a, b, names):
    lines = []
    ca = collections.Counter(json.dumps(r, sort_keys=True) for r in a)
    cb = collections.Counter(json.dumps(r, sort_keys=True) for r in b)
    only_a = list((ca - cb).elements())
    only_b = list((cb - ca).elements())
    # Pair leftovers that share method, path and query: show what differs.
    by_key_b = collections.defaultdict(list)
    for s in only_b:
        r = json.loads(s)
        by_key_b[_request_key(r)].append(r)
    for s in only_a:
        ra = json.loads(s)
        key = _request_key(ra)
        if by_key_b[key]:
            rb = by_key_b[key].pop(0)
            for field in ("headers", "body"):
                if ra[field] == rb[field]:
                    continue
                if field == "headers":
                    for h in sorted(set(ra["headers"]) | set(rb["headers"])):
                        va, vb = ra["headers"].get(h), rb["headers"].get(h)
                        if va != vb:
                            lines.append("request %s: header %s: %s=%s %s=%s"
                                         % (key, h, names[0], _j(va), names[1], _j(vb)))
                else:
                    lines.append("request %s: body: %s=%s %s=%s"
                                 % (key, names[0], _j(ra["body"]), names[1], _j(rb["body"])))
        else:
            lines.append("request %s: only %s sent it (body %s)" % (key, names[0], _j(ra["body"])))
    for key, rest in sorted(by_key_b.items()):
        for rb in rest:
            lines.append("request %s: only %s sent it (body %s)" % (key, names[1], _j(rb["body"])))
    return lines


def differences(a, b, names=("airflow", "bizc")):
    """One line per difference between two normalised sides."""
    lines = []
    if a["state"] != b["state"]:
        lines.append("run state: %s=%s %s=%s" % (names[0], a["state"], names[1], b["state"]))
    for tid in sorted(set(a["tasks"]) | set(b["tasks"])):
        ta, tb = a["tasks"].get(tid), b["tasks"].get(tid)
        if ta is None or tb is None:
            lines.append("task %s: only %s has it" % (tid, names[0] if tb is None else names[1]))
            continue
        for field in ("state", "tries"):
            if ta[field] != tb[field]:
                lines.append("task %s: %s %s=%s %s=%s"
                             % (tid, field, names[0], ta[field], names[1], tb[field]))
        for key in sorted(set(ta["xcom"]) | set(tb["xcom"])):
            va, vb = ta["xcom"].get(key, "<none>"), tb["xcom"].get(key, "<none>")
            if va != vb:
                lines.append("task %s: xcom %s: %s=%s %s=%s"
                             % (tid, key, names[0], _j(va), names[1], _j(vb)))
    lines += _request_diffs(a["requests"], b["requests"], names)
    for what in ("s3", "s3_requests", "mails"):
        ca, cb = collections.Counter(a[what]), collections.Counter(b[what])
        for s in sorted((ca - cb).elements()):
            lines.append("%s: only %s: %s" % (what, names[0], s))
        for s in sorted((cb - ca).elements()):
            lines.append("%s: only %s: %s" % (what, names[1], s))
    return lines
