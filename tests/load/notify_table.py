#!/usr/bin/env python3
"""The markdown table of tests/load/notify_ceiling.sh's JSON lines, and each node count's ceiling: the highest
target rate whose worst per-node p99 stayed under 50 ms with every message delivered to every node."""
import json
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if sys.argv[2:] == ["--last"]:  # one line for the step just run
    r = rows[-1]
    per = r["per_node"]
    worst = max((x["p99_ms"] or 0) for x in per) if per else None
    lost = sum(r["inserted"] - x["received"] for x in per) if per else r["inserted"]
    print(f"nodes={r['nodes']} rows/tx={r['rows_per_tx']} target={r['target_msgs_s']}/s "
          f"achieved={r['achieved_msgs_s']}/s worst p99={worst} ms lost={lost} load={r['loadavg']}")
    sys.exit(0)
print("| nodes | rows/tx | target msg/s | achieved msg/s | p50 ms (worst node) | p99 ms (worst node) | max ms | lost | queue use | load average |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
ceiling = {}
for r in rows:
    per = r["per_node"]
    p50 = max((x["p50_ms"] or 0) for x in per) if per else None
    p99 = max((x["p99_ms"] or 0) for x in per) if per else None
    mx = max((x["max_ms"] or 0) for x in per) if per else None
    lost = sum(r["inserted"] - x["received"] for x in per) if per else r["inserted"]
    ok = per and lost == 0 and p99 is not None and p99 < 50 and r["achieved_msgs_s"] >= 0.9 * r["target_msgs_s"]
    key = (r["nodes"], r["rows_per_tx"])
    if ok:
        ceiling[key] = max(ceiling.get(key, 0), r["achieved_msgs_s"])
    print(f"| {r['nodes']} | {r['rows_per_tx']} | {r['target_msgs_s']:,} | {r['achieved_msgs_s']:,} | {p50} | {p99} | "
          f"{mx} | {lost} | {r['queue_usage_max']:.6f} | {r['loadavg']} |")
print()
for (n, b), c in sorted(ceiling.items()):
    print(f"- {n} node(s), {b} row(s) per transaction: {c:,} msg/s with p99 < 50 ms and nothing lost")
