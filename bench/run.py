"""`make bench`: the whole benchmark suite on the local runtime; one table; bench/results.json.

    .venv/bin/python -m bench.run [--skip cold,latency,cost,ui,scaling,search] [--out bench/results.json]

Order: the cold start first (no runtime running), then delivery latency and throughput on a
fresh Handover runtime beside the floor runtime, then one more fresh runtime for the DynamoDB
cost per operation, the UI and the scaling runs (which seed large data). Each figure is printed
beside the floor or baseline measured in the same run. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import time
from pathlib import Path
from typing import Any

from bench.common import bench_runtime, dump, machine

RESULTS = Path(__file__).resolve().parent / "results.json"
DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
README = Path(__file__).resolve().parent.parent / "README.md"
PARTS = ("cold", "latency", "cost", "ui", "scaling", "search")


def log(line: str) -> None:
    print(line, flush=True)


def _part(results: dict[str, Any], name: str, measure: Any) -> None:
    """Run one part; a part that fails is reported in the results and the table, not fatal."""
    import traceback

    try:
        measure()
    except Exception as error:  # the other parts still run; the failure is in results.json
        log(f"  {name} FAILED: {error!r}")
        results.setdefault("failed", {})[name] = traceback.format_exc()[-3000:]


def run(skip: set[str]) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    began = time.perf_counter()
    if "cold" not in skip:
        from bench import cold_start

        log("cold start")
        results["cold_start"] = {}
        _part(results, "cold start (imports)",
              lambda: results["cold_start"].__setitem__("imports", cold_start.measure_imports(log)))
        _part(results, "cold start (first invocation)",
              lambda: results["cold_start"].__setitem__("first_invocation", cold_start.measure_first_invocation(log)))
        _part(results, "cold start (package)",
              lambda: results["cold_start"].__setitem__("package", cold_start.measure_package(log)))
    if "latency" not in skip:
        from bench import latency

        log("delivery latency and throughput (Handover beside the floor app)")

        def measure_latency() -> None:
            with bench_runtime() as handover, bench_runtime("bench.floor_app:app") as floor:
                results["latency"] = asyncio.run(latency.measure_latency(handover, floor, log=log))
                floor_meter, handover_meter = floor.meter.read(), handover.meter.read()
                results["floor_per_message"] = _floor_per_message(floor_meter)
                results["latency"]["handler_median_ms"] = {
                    "handover": _median_of(handover_meter, "POST /bot/v1/leads/{lead_ref}/messages"),
                    "floor": _median_of(floor_meter, "POST /floor/dialogs/{dialog_id}/messages")}

        _part(results, "latency", measure_latency)
    if not {"cost", "ui", "scaling", "search"} <= skip:
        def measure_rest() -> None:
            with bench_runtime() as bench:
                if "cost" not in skip:
                    from bench import dynamodb_cost

                    log("DynamoDB requests and capacity per operation; cost of a million inbound messages")
                    _part(results, "cost", lambda: results.__setitem__("dynamodb", dynamodb_cost.measure_operations(bench, log)))
                if "ui" not in skip:
                    from bench import ui_page

                    log("the UI in Chromium")
                    _part(results, "ui", lambda: results.__setitem__("ui", ui_page.measure_ui(bench, log)))
                if "scaling" not in skip:
                    from bench import scaling

                    log("scaling")
                    _part(results, "scaling", lambda: results.__setitem__("scaling", scaling.measure_scaling(bench, log)))
                    from bench import ladder_tick

                    _part(results, "ladder tick", lambda: results.setdefault("scaling", {}).__setitem__(
                        "ladder_tick", ladder_tick.measure_ladder_tick(bench, log)))
                if "search" not in skip:
                    from bench import search_scaling

                    log("search pages, 100 vs 100,000 leads")
                    _part(results, "search", lambda: results.setdefault("scaling", {}).update(
                        search_scaling.measure_search(bench, log)))

        _part(results, "runtime for cost, ui and scaling", measure_rest)
    results["seconds"] = round(time.perf_counter() - began, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def _median_of(snapshot: dict[str, Any], tag: str) -> float | None:
    from bench.common import median

    entry = snapshot.get(tag)
    return round(median(entry["duration_ms"]), 2) if entry and entry["duration_ms"] else None


def _floor_per_message(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    entry = snapshot.get("POST /floor/dialogs/{dialog_id}/messages")
    if not entry or not entry["invocations"]:
        return None
    n = entry["invocations"]
    return {"messages": n, "wru": round(entry["wru"] / n, 2), "rru": round(entry["rru"] / n, 2),
            "dynamodb_requests": sum(v for k, v in entry["requests"].items() if k.startswith("dynamodb.")) / n}


# --- the table ----------------------------------------------------------------------------------

def _f(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _status(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "MISSED")


def table(results: dict[str, Any]) -> list[list[str]]:
    """Rows: measure | Handover | floor or baseline | ratio | target | status."""
    rows: list[list[str]] = []
    latency = results.get("latency")
    if latency:
        for cell in latency["cells"]:
            h, f = cell["handover"], cell["floor"]
            headline = cell["rate"] == 20 and cell["operators"] == 10
            rows.append([f"delivery p50 / p95 / p99, {cell['rate']} msg/s, {cell['operators']} operators (ms)",
                         f"{_f(h['p50'])} / {_f(h['p95'])} / {_f(h['p99'])}",
                         f"{_f(f['p50'])} / {_f(f['p95'])} / {_f(f['p99'])}",
                         f"{_f(cell['ratio_p50'], 2)} (p50)",
                         "p99 ≤ 50 ms; ÷ floor ≤ 1.5" if headline else "÷ floor ≤ 1.5 (p50)",
                         (f"p99 {_status(h['p99'] <= 50)}, ratio {_status(cell['ratio_p50'] <= 1.5)}" if headline
                          else _status(cell["ratio_p50"] <= 1.5))
                         + (" (the local runtime is saturated, see throughput)" if h["p50"] > 200 else "")])
        throughput = latency.get("throughput", {})
        confirmed = throughput.get("confirmed") or (throughput.get("confirmations") or [{}])[-1]
        cpu = confirmed.get("cpu", {})
        sustained = throughput.get("sustained_rate", 0)
        rows.append([f"throughput for 60 s with p99 < 200 ms ({throughput.get('operators')} operators)",
                     (f"{sustained} msg/s (p99 {_f(confirmed.get('p99'))} ms)" if sustained else
                      f"none confirmed (last: {confirmed.get('rate', '–')} msg/s, p99 {_f(confirmed.get('p99'))} ms)"),
                     f"floor: {throughput.get('floor_ramp_best_rate', '–')} msg/s in the 4 s ramp; Handover's runtime "
                     f"used {cpu.get('runtime_process_cores', '–')} cores, DynamoDB Local "
                     f"{cpu.get('dynamodb_local_cores', '–')}", "–", "the most it sustains", "–"])
    dynamo = results.get("dynamodb")
    if dynamo:
        inbound = dynamo["inbound"]
        per = inbound["per_message"]
        floor = results.get("floor_per_message") or {}
        rows.append(["DynamoDB per inbound message (requests / RRU / WRU)",
                     f"{_f(per['dynamodb_requests'])} / {_f(per['rru'])} / {_f(per['wru'])}",
                     f"{_f(floor.get('dynamodb_requests'))} / {_f(floor.get('rru'))} / {_f(floor.get('wru'))}" if floor
                     else "–",
                     f"{_f(per['wru'] / floor['wru'], 1)}× (WRU)" if floor.get("wru") else "–", "the design's minimum", "–"])
        minimum = _minimum_cost(inbound, floor)
        rows.append(["AWS cost of 1 M inbound messages, 3 operators watching (USD, us-east-1)",
                     f"${_f(inbound['total_per_million_usd'], 2)}", f"${_f(minimum, 2)} (floor)" if minimum else "–",
                     _f(inbound["total_per_million_usd"] / minimum, 2) if minimum else "–", "≤ $8",
                     _status(inbound["total_per_million_usd"] <= 8)])
    scaling = results.get("scaling")
    if scaling:
        for key, label in (("message_page_newest", "message page (newest), 100 vs 100,000 messages"),
                           ("message_page_deep", "message page (deep in history), 100 vs 100,000 messages"),
                           ("tab_page_waiting", "Waiting tab page, 100 vs 10,000 dialogs"),
                           ("tab_page_all", "All tab page, 100 vs 10,000 dialogs"),
                           ("reminder_tick", "reminder tick, 10 vs 10,000 waiting leads"),
                           ("ladder_tick", "per-minute tick (reminders + escalation ladder), 10 vs 10,000 "
                                           "dialogs in the wait-clock index"),
                           ("canned_reply_page", "canned-reply page (team + own, rendered), 100 vs 100,000 leads"),
                           ("search_name_prefix", "search page (name prefix), 100 vs 100,000 leads"),
                           ("search_tag", "search page (tag), 100 vs 100,000 leads")):
            pair = scaling.get(key)
            if not pair:
                continue
            small, large = list(pair.values())[:2]
            value = pair.get("ratio_normalized", pair["ratio"])
            note = f" (raw {pair['ratio']}, machine drift {pair['reference_ratio']})" if "ratio_normalized" in pair else ""
            rows.append([f"{label} (ms, requests)", f"{_f(large['median_ms'], 2)} ms, {_f(large['dynamodb_requests'])}",
                         f"{_f(small['median_ms'], 2)} ms, {_f(small['dynamodb_requests'])}", f"{_f(value, 2)}{note}",
                         "≤ 1.2", _status(value <= 1.2)])
    cold = results.get("cold_start") or {}
    if "imports" in cold:
        imports = cold["imports"]
        rows.append([f"import app.py, fresh interpreter (median of {imports['runs']}, ms)",
                     _f(imports["handover_import_ms"]), f"{_f(imports['bare_import_ms'])} (bare Chalice + boto3)",
                     _f(imports["ratio"], 2), "≤ 1.5 ×", _status(imports["ratio"] <= 1.5)])
    if "first_invocation" in cold:
        first = cold["first_invocation"]
        rows.append(["first invocation: set-up; first log line (loads Powertools) (ms)",
                     f"{_f(first['set_up_ms'])}; {_f(first['first_log_line_ms'])}",
                     f"{_f(first['set_up_with_tracing_ms'])} (set-up with HANDOVER_TRACE_AWS_CALLS=true)", "–", "–", "–"])
    if "package" in cold:
        package = cold["package"]
        if "error" not in package:
            rows.append(["Lambda package, `chalice package` (MB)", _f(package["chalice_package_mb"], 2),
                         f"{_f(package['deployed_mb'], 2)} (as infra/ deploys it, without boto3/botocore)", "–", "≤ 20 MB",
                         _status(package["chalice_package_mb"] <= 20)])
    ui = results.get("ui")
    if ui:
        js = ui["js"]
        rows.append(["JS the operator page loads, gzipped (KB)", _f(js["gzipped_kb"]),
                     f"{_f(js['vendored_library_gzipped_kb'])} (the vendored library)", "–", "≤ 60 KB",
                     _status(js["gzipped_kb"] <= 60)])
        opening = ui["open_dialog"]
        rows.append(["open a 20,000-message dialog until the newest portion is shown (ms)",
                     _f(opening["large_median_ms"]), f"{_f(opening['small_median_ms'])} (a 20-message dialog)",
                     _f(opening["ratio"], 2), "≤ 500 ms", _status(opening["large_median_ms"] <= 500)])
        memory = ui["memory"]
        after, before = memory["after_scrolling_back"], memory["after_open"]
        rows.append([f"page memory after scrolling back {memory['scrolled_back_messages']} messages (JS heap MB, DOM nodes)",
                     f"{_f(after['js_heap_used_mb'], 2)}, {after['dom_nodes']}",
                     f"{_f(before['js_heap_used_mb'], 2)}, {before['dom_nodes']} (just opened)",
                     _f(after["js_heap_used_mb"] / before["js_heap_used_mb"], 1) if before["js_heap_used_mb"] else "–",
                     "–", "–"])
    for name in results.get("failed", {}):
        rows.append([f"{name}: the part FAILED (see bench/results.json)", "–", "–", "–", "–", "FAILED"])
    return rows


def _minimum_cost(inbound: dict[str, Any], floor: dict[str, Any]) -> float | None:
    """The floor's cost of the same million messages: one REST call and one Lambda of the same
    duration, the floor app's DynamoDB units, one push per watching operator."""
    from bench import prices

    if not floor:
        return None
    per = inbound["per_message"]
    memory_gb = inbound["lambda_memory_mb"] / 1024
    million = 1_000_000
    return (prices.API_GATEWAY_REST_PER_MILLION + prices.LAMBDA_REQUESTS_PER_MILLION
            + million * per["lambda_billed_ms"] / 1000 * memory_gb * prices.LAMBDA_GB_SECOND
            + floor["wru"] * prices.DYNAMODB_WRU_PER_MILLION + floor["rru"] * prices.DYNAMODB_RRU_PER_MILLION
            + inbound["watching_operators"] * prices.WEBSOCKET_MESSAGES_PER_MILLION
            + inbound["cost_per_million_usd"]["websocket_connection_minutes"])


def markdown(rows: list[list[str]], results: dict[str, Any]) -> str:
    m = results["machine"]
    head = ["measure", "Handover", "floor / baseline (same run)", "ratio", "target", ""]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    lines.append("")
    lines.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}, "
                 f"Linux {m['kernel']}; load average {m['load_average_at_start'][0]} at the start, "
                 f"{m.get('load_average_at_end', ['?'])[0]} at the end; {m['date']}; the suite took {results['seconds']} s.")
    return "\n".join(lines)


def headline_markdown(rows: list[list[str]], results: dict[str, Any]) -> str:
    """The rows that carry a target, for the README (the full table is in docs/performance.md)."""
    keep = [row for row in rows if "met" in row[-1] or "MISSED" in row[-1] or row[0].startswith("throughput")]
    keep = [row for row in keep if not row[0].startswith("delivery") or "20 msg/s, 10 operators" in row[0]]
    lines = ["| measure | Handover | floor / baseline | ratio | target | |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in keep]
    m = results["machine"]
    lines += ["", f"{m['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB (load average "
                  f"{m['load_average_at_start'][0]} at the start: a machine shared with other test runs)."]
    return "\n".join(lines)


def operations_markdown(results: dict[str, Any]) -> str:
    """The DynamoDB requests and units of every operation (docs/performance.md)."""
    dynamo = results.get("dynamodb")
    if not dynamo:
        return ""
    lines = ["| operation | DynamoDB requests | RRU | WRU | pushes | then, from the deliveries stream |",
             "|---|---|---|---|---|---|"]
    seen: set[str] = set()
    for row in dynamo["operations"]:
        if row["operation"] in seen:
            continue
        seen.add(row["operation"])
        requests = ", ".join(f"{n} {k.split('.', 1)[1]}" for k, n in sorted(row["requests"].items())
                             if k.startswith("dynamodb."))
        stream = row.get("then_stream") or {}
        then = f"{stream['dynamodb_requests']} requests, {stream['rru']} RRU, {stream['wru']} WRU" if stream else ""
        lines.append(f"| {row['operation'].replace('|', '/')} | {row['dynamodb_requests']} ({requests}) | {row['rru']} | "
                     f"{row['wru']} | {row['pushes']} | {then} |")
    return "\n".join(lines)


def update_doc(path: Path, sections: dict[str, str]) -> None:
    """Replace what is between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in `path`."""
    text = path.read_text()
    for name, body in sections.items():
        start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
        if start in text and end in text:
            before, rest = text.split(start, 1)
            _, after = rest.split(end, 1)
            text = f"{before}{start}\n{body}\n{end}{after}"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help=f"comma-separated parts to leave out: {', '.join(PARTS)}")
    parser.add_argument("--out", default=str(RESULTS), help="where to write the results (default bench/results.json)")
    parser.add_argument("--update-docs", action="store_true",
                        help="also put the tables into docs/performance.md and README.md (between their bench markers)")
    args = parser.parse_args(argv)
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    unknown = skip - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {sorted(unknown)}")
    results = run(skip)
    rows = table(results)
    results["table_markdown"] = markdown(rows, results)
    results["operations_markdown"] = operations_markdown(results)
    dump(Path(args.out), results)
    if args.update_docs:
        update_doc(DOC, {"table": results["table_markdown"], "operations": results["operations_markdown"]})
        update_doc(README, {"headline": headline_markdown(rows, results)})
    print()
    print(results["table_markdown"])
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

