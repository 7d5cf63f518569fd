"""Interception quality: the rule set against the naive keyword list, on the labelled set.

Run from the repository root: ``python bench/interception.py``. Prints recall (requests to a
protected person that are intercepted) and the false-positive rate (other messages that are
intercepted) for both, per category, every miss and false positive, and the time per message.
It measures; it never fails.

The set was partly written after the rules (see its header), so the whole-set figure is a
training figure. When changing the rules, write fresh messages first and measure them once.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.domain.interception import LaneHint, classify, keyword_baseline  # noqa: E402

DATA = Path(__file__).with_name("interception_messages.tsv")
PROTECTED = frozenset({"U01TECH1", "U01TECH2", "U01TECH3"})
LANES = (
    LaneHint("sla-risk", ("sla", "overdue", "aging", "breach")),
    LaneHint("alert", ("alert", "backup", "monitor", "rmm", "datto", "veeam", "n-able")),
    LaneHint("coverage", ("cover", "coverage", "on-call", "shift", "schedule")),
    LaneHint("client-request", ("faster", "priority", "expedite", "asap")),
    LaneHint("change", ("change", "reboot", "patch", "window", "firmware")),
    LaneHint("security", ("phishing", "ransomware", "mfa", "breach", "compromise")),
    LaneHint("onsite", ("onsite", "on-site", "site visit")),
)

Row = tuple[str, str, str]


def load(path: Path = DATA) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, category, text = line.split("\t", 2)
        rows.append((label, category, text))
    return rows


def _rules(text: str) -> bool:
    return classify(text, protected=PROTECTED, lanes=LANES).is_request


def _baseline(text: str) -> bool:
    return keyword_baseline(text, protected=PROTECTED)


def report(name: str, rows: list[Row], decide: Callable[[str], bool]) -> None:
    requests = [r for r in rows if r[0] == "request"]
    others = [r for r in rows if r[0] != "request"]
    decided = {r[2]: decide(r[2]) for r in rows}  # also warms up compiled patterns
    timings = []
    for _, _, text in rows:
        started = time.perf_counter()
        decide(text)
        timings.append(time.perf_counter() - started)
    timings.sort()
    mean = sum(timings) / len(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    caught = sum(decided[r[2]] for r in requests)
    false_pos = sum(decided[r[2]] for r in others)
    print(f"== {name}")
    print(f"recall              {caught}/{len(requests)} = {caught / len(requests):.1%}")
    print(f"false positive rate {false_pos}/{len(others)} = {false_pos / len(others):.1%}")
    print(f"time per message    {mean * 1e6:.0f} µs mean, {p99 * 1e6:.0f} µs p99")
    by_category: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for label, category, text in rows:
        by_category[(label, category)].append(decided[text])
    print("per category (share intercepted):")
    for (label, category), hits in sorted(by_category.items()):
        print(
            f"  {label:8} {category:18} {sum(hits):3}/{len(hits):<3} {sum(hits) / len(hits):6.1%}"
        )
    misses = [r for r in requests if not decided[r[2]]]
    wrong = [r for r in others if decided[r[2]]]
    print(f"misses ({len(misses)}):")
    for _, category, text in misses:
        print(f"  [{category}] {text}")
    print(f"false positives ({len(wrong)}):")
    for _, category, text in wrong:
        print(f"  [{category}] {text}")
    print()


def main() -> int:
    rows = load()
    print(f"{len(rows)} labelled messages from {DATA.name}\n")
    report("rules (bot.domain.interception.classify)", rows, _rules)
    report("keyword baseline (keyword_baseline)", rows, _baseline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
