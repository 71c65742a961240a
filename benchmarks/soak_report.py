"""The soak's verdict (``soak.py``): the PASS/FAIL list, printed and saved as JSON."""

import json
import os
import sys
from collections import Counter
from pathlib import Path

from dashboard_at_scale import percentile
from issues_at_scale import ROOT


def stored_submissions(run_id: str) -> Counter:
    from issues.models import Issue

    return Counter(Issue.objects.filter(title__startswith=f"[soak {run_id}] ")
                   .values_list("title", flat=True))


def report(args, config, traffic, timing: dict, outbox: dict, folder: Path, *, mix: dict) -> None:
    """Print the checks and the figures, save them, and exit 1 if a check failed."""
    stored = stored_submissions(traffic.run_id)
    answered = {t for t, s in traffic.submitted.items() if 200 <= s < 400}
    memory = timing["memory"]
    growth = memory["end"]["total"] / memory["start"]["total"] - 1
    checks = [
        ("no 5xx answer", not traffic.five_xx,
         f"{len(traffic.five_xx)} 5xx ({sum(x['during_outage'] for x in traffic.five_xx)} "
         f"during the broker's outage) of {sum(traffic.answers.values())} requests"),
        ("every request answered", not traffic.no_answer, f"{len(traffic.no_answer)} without"),
        ("submissions stored = answered 2xx/3xx",
         answered == set(stored) and all(n == 1 for n in stored.values()),
         f"sent {len(traffic.submitted)}, answered 2xx/3xx {len(answered)}, stored "
         f"{sum(stored.values())}; answered but not stored {len(answered - set(stored))}, "
         f"stored twice {sum(1 for n in stored.values() if n > 1)}"),
        ("notifications sent = expected", outbox["all_sent"], outbox["summary"]),
        ("each email and SMS delivered exactly once", outbox["exactly_once"],
         outbox["delivery_summary"]),
        (f"worker memory growth < {args.max_growth:.0%}", growth < args.max_growth,
         f"{memory['start']['total'] / 1024:.1f} MiB after the warm-up → "
         f"{memory['end']['total'] / 1024:.1f} MiB at the end ({growth:+.1%}; "
         f"{memory['first']['total'] / 1024:.1f} MiB before any traffic)"),
    ]
    statuses = Counter()
    for (_kind, status), n in traffic.answers.items():
        statuses[status] += n
    print(f"\nRequests: {sum(statuses.values())} in {timing['seconds']:.0f} s, statuses "
          f"{dict(sorted(statuses.items()))}; p50 {percentile(traffic.latencies, .5):.0f} ms, "
          f"p95 {percentile(traffic.latencies, .95):.0f} ms; workflow steps "
          f"{dict(traffic.steps_done)}; refused or retried {len(traffic.refused)}; slots "
          f"over 1 s late {timing['late_slots']}.")
    for x in traffic.five_xx[:10]:
        print(f"  5xx: {x['method']} {x['path']} → {x['status']}"
              f"{' (broker down)' if x['during_outage'] else ''}")
    print()
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    saved = args.json or ROOT / "var" / "benchmarks" / f"soak-{config['NAME']}.json"
    saved.write_text(json.dumps({
        "arguments": {k: str(v) for k, v in vars(args).items()}, "run": traffic.run_id,
        "logs": str(folder), "timing": timing, "mix": mix,
        "checks": [{"name": n, "pass": ok, "detail": d} for n, ok, d in checks],
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "answers": {f"{k[0]} {k[1]}": v for k, v in sorted(traffic.answers.items())},
        "five_xx": traffic.five_xx, "no_answer": traffic.no_answer,
        "client_errors": traffic.client_errors,
        "refused": traffic.refused[:100], "steps": dict(traffic.steps_done),
        "outbox": outbox, "load_average_end": list(os.getloadavg()),
    }, indent=1, ensure_ascii=False, default=str))
    print(f"\nSaved in {saved}; logs, mail and SMS in {folder}.")
    if not all(ok for _, ok, _ in checks):
        sys.exit(1)
