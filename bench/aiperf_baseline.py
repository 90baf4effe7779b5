#!/usr/bin/env python3
"""Python baseline for the `srtlog aiperf` benchmark (bench/aiperf.sh).

What the AIPerf workflow's analyze_trace_data.py does, on the released trace layout:
every line is loaded with `json.loads`, per-request values are collected
into lists, and the statistics are computed from sorted lists. Unlike the
workflow's script it does not keep every record in memory (`records.append`),
which would need several times the file size in RAM; this favours Python.
Percentiles are numpy's linear method (as srtlog), written in Python.

Usage: aiperf_baseline.py profile_export.jsonl  (prints a JSON summary)
"""

import json
import sys


def pct(s, q):
    if not s:
        return None
    h = (len(s) - 1) * q
    lo = int(h)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def stats(v):
    if not v:
        return None
    s = sorted(v)
    return {"count": len(s), "min": s[0], "max": s[-1], "mean": sum(s) / len(s),
            "p50": pct(s, .5), "p90": pct(s, .9), "p95": pct(s, .95), "p99": pct(s, .99)}


def metric(m, *keys):
    for k in keys:
        v = m.get(k)
        if v is not None:
            return v.get("value") if isinstance(v, dict) else v
    return None


def main(path):
    d = {k: [] for k in ["connect", "dns", "send", "ttfb", "ttlb", "recv", "chunks", "icl", "chunk_size",
                         "req_bytes", "resp_bytes", "isl", "osl", "tps", "tpot", "bpt", "cpt", "tpc",
                         "ttft", "latency", "itl", "aiperf_icl"]}
    n = with_trace = failed = created = reused = hits = lookups = warm = 0
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            md = r.get("metadata") or {}
            if md.get("benchmark_phase", md.get("credit_phase")) == "warmup":
                warm += 1
                continue
            n += 1
            m = r.get("metrics") or {}
            bad = r.get("error") is not None or md.get("was_cancelled")
            t = r.get("trace_data")
            ttlb = None
            if t:
                with_trace += 1
                if t.get("connection_reused_ns"):
                    reused += 1
                elif t.get("tcp_connect_start_ns"):
                    created += 1
                    if t.get("connecting_ns") is not None:
                        d["connect"].append(t["connecting_ns"] / 1e6)
                if t.get("dns_lookup_start_ns"):
                    lookups += 1
                    if t.get("dns_lookup_ns") is not None:
                        d["dns"].append(t["dns_lookup_ns"] / 1e6)
                elif t.get("dns_cache_hit_ns"):
                    hits += 1
                if not bad:
                    ch = t.get("response_chunks") or []
                    se = t.get("request_send_end_ns")
                    d["send"].append((se - t["request_send_start_ns"]) / 1e6)
                    if ch:
                        d["ttfb"].append((ch[0][0] - se) / 1e6)
                        ttlb = (ch[-1][0] - se) / 1e6
                        d["ttlb"].append(ttlb)
                        d["recv"].append((ch[-1][0] - ch[0][0]) / 1e6)
                    d["chunks"].append(len(ch))
                    for i in range(1, len(ch)):
                        d["icl"].append((ch[i][0] - ch[i - 1][0]) / 1e6)
                    d["chunk_size"].extend(c[1] for c in ch)
                    d["req_bytes"].append(t.get("request_bytes_total"))
                    rb = t.get("response_bytes_total")
                    d["resp_bytes"].append(rb)
                    osl = metric(m, "output_sequence_length")
                    if osl:
                        d["bpt"].append(rb / osl)
                        d["cpt"].append(len(ch) / osl)
                    if ch:
                        d["tpc"].append((osl or 0) / len(ch))
            if bad:
                failed += 1
                continue
            isl = metric(m, "input_tokens", "num_input_tokens", "input_sequence_length", "usage_prompt_tokens")
            osl = metric(m, "output_tokens", "num_output_tokens", "output_sequence_length", "output_token_count",
                         "usage_completion_tokens")
            lat = metric(m, "request_latency")
            if isl is not None:
                d["isl"].append(isl)
            if osl is not None:
                d["osl"].append(osl)
            gen = ttlb if ttlb is not None else lat
            if osl and gen:
                d["tps"].append(osl / gen * 1000)
                d["tpot"].append(gen / osl)
            for k, tag in [("ttft", ("time_to_first_token", "ttft")), ("latency", ("request_latency",)),
                           ("itl", ("inter_token_latency",))]:
                v = metric(m, *tag)
                if v is not None:
                    d[k].append(v)
            icl = metric(m, "inter_chunk_latency")
            if icl:
                d["aiperf_icl"].extend(icl)
    out = {"records": n, "warmup": warm, "with_trace": with_trace, "errors": failed, "created": created,
           "reused": reused, "dns_hits": hits, "dns_lookups": lookups,
           "distributions": {k: stats([x for x in v if x is not None]) for k, v in d.items()}}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
