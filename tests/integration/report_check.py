#!/usr/bin/env python3
"""report_check.py: what an HTML run report holds, for ops.sh.

    python3 report_check.py FILE.html

Parses the page with the standard library's HTML parser and prints one
JSON object: "nodes" {task: [state, fill]} (the graph's task boxes),
"bars" {task: [[try, state, background]...]} (the Gantt's bars),
"details" (task ids with a details block), "groups" (collapsible group
blocks, counted once per list), "external" (every reference to something
outside the page: a src, a link, an http(s) href or url()), "text" (the
page's text, for searches), "logs" {task: text of its log block},
"xcom" {task: text of its XCom cell}, "mapped" {task: instance count} (the
graph's mapped task boxes), "instances" {task: [instance ids]} (the blocks
of a mapped task's instances in the task list).
"""

import html.parser
import json
import re
import sys


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes, self.bars, self.details, self.external = {}, {}, [], []
        self.groups = 0
        self.mapped, self.instances = {}, {}
        self.inst_of = None    # the mapped block being read (task list)
        self.text = []
        self.logs, self.xcom = {}, {}
        self.node = None       # the graph node being read
        self.row = None        # the Gantt row being read
        self.task = None       # the task details being read
        self.in_log = 0
        self.cell = None       # "XComs" header seen: the next td is its cell
        self.in_xcom = 0
        self.stack = []
        self.dstack = []       # the open details blocks: "task" or "group"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        for k in ("src", "href", "xlink:href"):
            v = a.get(k)
            if v is not None and (k == "src" or re.match(r"(https?:)?//", v)):
                self.external.append("%s %s=%s" % (tag, k, v))
        if tag == "link":
            self.external.append("link %s" % a.get("href"))
        if "url(" in (a.get("style") or ""):
            self.external.append("style url(): %s" % a["style"])
        if tag == "g" and "node" in cls:
            self.node = a["data-task"]
            self.nodes[self.node] = [a.get("data-state"), None]
            if "mapped" in cls:
                self.mapped[self.node] = int(a["data-mapped"])
        elif tag == "rect" and self.node is not None:
            self.nodes[self.node][1] = a.get("fill")
        elif tag == "div" and "grow" in cls and "data-task" in a:
            self.row = a["data-task"]
            self.bars.setdefault(self.row, [])
        elif tag == "div" and "bar" in cls:
            bg = re.search(r"background:([^;\"]+)", a.get("style") or "")
            self.bars[self.row].append([int(a["data-try"]), a["data-state"], bg.group(1) if bg else None])
        elif tag == "details":
            self.dstack.append("task" if "task" in cls else "mapped" if "mapped" in cls else "group")
            if "task" in cls:
                self.task = a["data-task"]
                self.details.append(self.task)
                if self.inst_of is not None:
                    self.instances[self.inst_of].append(self.task)
            elif "mapped" in cls:
                self.inst_of = a["data-of"]
                self.instances.setdefault(self.inst_of, [])
            elif "group" in cls:
                self.groups += 1
        elif tag == "div" and "log" in cls and self.task is not None:
            self.in_log = 1
            self.logs[self.task] = ""
        elif tag == "td" and self.cell:
            self.in_xcom = 1
            self.xcom[self.task] = ""
            self.cell = None
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "g":
            self.node = None
        if tag == "details" and self.dstack:
            kind = self.dstack.pop()
            if kind == "task":
                self.task = None
            elif kind == "mapped":
                self.inst_of = None
        if tag == "div" and self.in_log:
            self.in_log = 0
        if tag == "td":
            self.in_xcom = 0
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        self.text.append(data)
        if self.in_log and self.task is not None:
            self.logs[self.task] += data
        if self.in_xcom and self.task is not None:
            self.xcom[self.task] += data
        if data.strip() == "XComs" and self.task is not None:
            self.cell = True


def main():
    p = Page()
    with open(sys.argv[1], encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    print(json.dumps({"nodes": p.nodes, "bars": p.bars, "details": p.details, "groups": p.groups,
                      "external": p.external, "text": "".join(p.text), "logs": p.logs,
                      "xcom": p.xcom, "mapped": p.mapped, "instances": p.instances}, sort_keys=True))


if __name__ == "__main__":
    main()
