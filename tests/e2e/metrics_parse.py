#!/usr/bin/python3
"""Parses a /metrics scrape with prometheus_client's exposition-format parser (Debian's python3-prometheus-client)
and prints what it read, one line each, for tests/e2e/metrics_e2e_test.cpp:

    family <name> <type>              (the parser's family name: a counter's without _total)
    sample <name> <labels> <value>    (labels: k=v,k=v sorted by key, or -)

A scrape the parser refuses exits 2 with its error. With --dashboard FILE, every metric name an `expr` of the
Grafana dashboard names must be a sample name of the scrape: each missing one is printed as `missing <name>` and
the exit status is 1.
"""
import json
import re
import sys

from prometheus_client.parser import text_string_to_metric_families


def exprs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "expr" and isinstance(v, str):
                yield v
            else:
                yield from exprs(v)
    elif isinstance(node, list):
        for v in node:
            yield from exprs(v)


def main():
    args = sys.argv[1:]
    dashboard = None
    if "--dashboard" in args:
        i = args.index("--dashboard")
        dashboard = args[i + 1]
        del args[i:i + 2]
    text = open(args[0], encoding="utf-8").read()
    samples = set()
    try:
        for fam in text_string_to_metric_families(text):
            print(f"family {fam.name} {fam.type}")
            for s in fam.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())) or "-"
                print(f"sample {s.name} {labels} {s.value!r}")
                samples.add(s.name)
    except Exception as e:  # the parser raises ValueError (and others) on malformed input
        print(f"parse error: {e}", file=sys.stderr)
        return 2
    if dashboard:
        names = set()
        for e in exprs(json.load(open(dashboard, encoding="utf-8"))):
            names.update(re.findall(r"\b((?:techpulse|process)_[a-z_]+)\b", e))
        if not names:
            print("missing any metric name in the dashboard")
            return 1
        missing = sorted(n for n in names if n not in samples)
        for n in missing:
            print(f"missing {n}")
        print(f"dashboard_names {len(names)}")
        return 1 if missing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
