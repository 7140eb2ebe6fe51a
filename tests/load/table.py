#!/usr/bin/env python3
"""Turns compare.sh's JSON lines into markdown tables; with several rounds, each cell is the median."""
import json
import os
import statistics
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
STYLES = [("tp", "techpulse-gateway"), ("nchan", "nginx+nchan"), ("ws", "Node ws"), ("uws", "uWebSockets")]


def pick(label, style):
    return [r for r in rows if r.get("label") == label and r.get("style") == style]


def med(rs, key, sub=None):
    vals = []
    for r in rs:
        v = r.get(key)
        if sub is not None and isinstance(v, dict):
            v = v.get(sub)
        if isinstance(v, (int, float)) and v >= 0:
            vals.append(v)
    return statistics.median(vals) if vals else None


def f(v, digits=0):
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def of_max(label, style, per_cpu):
    """For an open-loop row "fanout S=N at P%": its efficiency as a share of the same server's window-32 max-rate
    figure in the same run (the "no collapse below saturation" target)."""
    if " at " not in label or per_cpu is None:
        return "–"
    base = med(pick(label.split(" at ")[0] + " w=32 max", style), "deliveries_per_server_cpu_s")
    return f"{100 * per_cpu / base:.0f}%" if base else "–"


labels = []
for r in rows:
    if r.get("label") not in labels:
        labels.append(r.get("label"))

rounds = max([len(pick(l, s)) for l in labels for s, _ in STYLES] + [1])
print(f"Medians of {rounds} round(s). Load average at the start of the first and last run: "
      f"{rows[0].get('loadavg', '?')} / {rows[-1].get('loadavg', '?')}.\n")

print("### Fan-out and latency (%s)\n" % os.environ.get("TP_BENCH_PLACEMENT", "server on core 0, load generator on core 1"))
print("| run | server | deliveries/s | per server CPU-s | of max-rate figure | server CPU % | client CPU % | p50 ms | p99 ms | p99.9 ms | max ms | missing | errors |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


for l in labels:
    if not (l.startswith("fanout") or l.startswith("latency")):
        continue
    for s, name in STYLES:
        rs = pick(l, s)
        if not rs:
            continue
        per_cpu = med(rs, 'deliveries_per_server_cpu_s')
        print(f"| {l} | {name} | {f(med(rs, 'deliveries_per_s'))} | {f(per_cpu)} | {of_max(l, s, per_cpu)} | "
              f"{f(med(rs, 'server_cpu_pct'))} | {f(med(rs, 'client_cpu_pct'))} | {f(med(rs, 'latency_ms', 'p50'), 2)} | "
              f"{f(med(rs, 'latency_ms', 'p99'), 2)} | {f(med(rs, 'latency_ms', 'p999'), 2)} | {f(med(rs, 'latency_ms', 'max'), 2)} | "
              f"{f(med(rs, 'missing'))} | {f(med(rs, 'errors'))} |")

pers = [l for l in labels if l.startswith("persisted")]
pg = [l for l in labels if l.startswith("pgbench")]
if pers or pg:
    print("\n### Persisted (500 threads, a sender and a subscriber each; synchronous_commit=on)\n")
    print("| run | acked sends/s | ack p50 ms | ack p99 ms | send→receive p50 ms | p99 ms | server CPU % | machine CPU % | missing | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for l in pers:
        rs = pick(l, "tp")
        print(f"| {l} | {f(med(rs, 'acks_per_s'))} | {f(med(rs, 'ack_ms', 'p50'), 2)} | {f(med(rs, 'ack_ms', 'p99'), 2)} | "
              f"{f(med(rs, 'latency_ms', 'p50'), 2)} | {f(med(rs, 'latency_ms', 'p99'), 2)} | {f(med(rs, 'server_cpu_pct'))} | "
              f"{f(med(rs, 'machine_cpu_pct'))} | {f(med(rs, 'missing'))} | {f(med(rs, 'errors'))} |")
    for l in pg:
        rs = pick(l, "pgbench")
        print(f"| {l} | {f(med(rs, 'tps'))} (tps) | {f(med(rs, 'latency_avg_ms'), 2)} (avg) | | | | | | | |")

conn = [l for l in labels if l.startswith("connections")]
if conn:
    print("\n### Idle connections (source addresses 127.0.0.1–8)\n")
    print("| run | server | ready | connects/s | server RSS before KiB | after KiB | KiB per connection |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for l in conn:
        for s, name in STYLES:
            rs = pick(l, s)
            if not rs:
                continue
            print(f"| {l} | {name} | {f(med(rs, 'ready'))} | {f(med(rs, 'connects_per_s'))} | {f(med(rs, 'rss_before_kib'))} | "
                  f"{f(med(rs, 'rss_after_kib'))} | {f(med(rs, 'rss_per_conn_kib'), 2)} |")
