"""Interception quality: the rule set against the naive keyword list, per source of text.

Run from the repository root: ``python bench/interception.py`` (or ``lanekeeper shield bench``).
For each source it prints recall (requests to a protected person that are intercepted) and the
false-interception rate (other messages that are intercepted) for ``classify`` as shipped
(``rules+2nd``: the rules and the second stage, issue 18 round 3), for the rules alone
(``second_stage=False``) and for the keyword baseline, the share intercepted per kind, every miss
and false interception of ``classify`` as shipped (with the rule that decided, and the rules' own
when the second stage overruled them), and the time per message. It measures; it never fails.
The second stage was trained on every training source below (``bench/interception_model.py``),
so its figures on them are training figures.

Sources, each reported on its own because they were written differently:

``original``  ``interception_messages.tsv``, the project's first set, partly written after the
              rules: a training figure.
``added``     ``interception_added_2026-12.tsv``, lines written for issue 18 by the engineer who
              tuned the rules: a training figure too.
``tuning``    ``interception_tuning_2026-12.tsv``, written blind to the rules by someone else,
              then used for tuning: a training figure once tuned on.
``spent``     ``interception_frozen_2026-12.tsv``, frozen batch a: written blind to the rules and
              measured once as held out (81.5% / 16.0%), then its misses were read on 2026-12-03,
              so it is spent: a training figure from then on.
``spent-b``   ``interception_frozen_2026-12b.tsv``, frozen batch b: written blind to the rules,
              measured once as held out on 2026-12-03 (87.8% / 17.1%), then its misses read and
              tuned on (issue 18, round 2): a training figure from then on.
``spent-c``   ``interception_frozen_2026-12c.tsv``, frozen batch c: written by someone who never
              saw the rules, measured once on 2026-12-03 after round 2 (rules at cd9af51):
              81.6% / 12.1%; its misses read and the round-3 second stage trained on it: a
              training figure from then on.
``spent-d``   ``interception_frozen_2026-12d.tsv``, frozen batch d: measured once on 2026-12-03
              after round 3 (89.9% / 9.2%); its errors read and the round-4 tuning used it
              (the second stage learns from the rules that measured it): training.
``spent-e``   ``interception_frozen_2026-12e.tsv``, frozen batch e: measured once on 2026-12-03
              after round 4 (89.3% / 5.4%); its errors read and the round-5 tuning used it
              (the second stage learns from the rules that measured it, dd0f345): training.
``spent-f``   ``interception_frozen_2026-12f.tsv``, frozen batch f: measured once on 2026-12-03
              after round 5 (88dfbd6, 91.0% / 7.6%); its errors read and the round-6 tuning used
              it (the second stage learns from the rules that measured it, 88dfbd6): training.
``spent-g``   ``interception_frozen_2026-12g.tsv``, frozen batch g: measured once on 2026-12-03
              after round 6 (dddd358, rules of f14108a, 87.4% / 4.8%); its errors read and the
              round-7 tuning used it (the second stage learns from the rules that measured it,
              dddd358): training.
``frozen``    ``interception_frozen_2026-12h.tsv``, frozen batch h: written blind to the rules and
              committed (dd93fd2) before round 7, not read by round 7's tuning (one accidental
              character count, bench/README.md); read only with ``--frozen``. Measured once on
              2026-12-04 after round 7's tuning commits (516fb6a, fe0d4e7, ae39b68, ac7c282):
              spent from then on. Batch i (``interception_frozen_2026-12i.tsv``, 5a7151a) is the
              next unmeasured one.

Files: ``label<TAB>kind<TAB>text[<TAB>note]``, ``#`` comments; a line break inside a message is
written as the two characters ``\\n``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.domain.interception import LaneHint, classify, keyword_baseline  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE / "interception_messages.tsv"
SOURCES = {
    "original": "interception_messages.tsv",
    "added": "interception_added_2026-12.tsv",
    "tuning": "interception_tuning_2026-12.tsv",
    # Frozen batch a was measured once as held out (81.5% recall, 16.0% false interceptions) and
    # its misses were then read: spent on 2026-12-03 after one measurement, so it is tuned on
    # and reported as a training source like the others.
    "spent": "interception_frozen_2026-12.tsv",
    # Frozen batch b: measured once as held out on 2026-12-03 after tuning (rules at 1f78455),
    # 87.8% recall / 17.1% false interceptions; its misses were then read and the round-2 tuning
    # used it, so it is spent and a training source too.
    "spent-b": "interception_frozen_2026-12b.tsv",
    # Frozen batch c: measured once as held out on 2026-12-03 after round 2 (rules at cd9af51),
    # 81.6% / 12.1%; its misses were read and the round-3 second stage trained on it: training.
    "spent-c": "interception_frozen_2026-12c.tsv",
    # Frozen batch d: measured once as held out on 2026-12-03 after round 3 (89.9% / 9.2%);
    # read and trained on in round 4: training.
    "spent-d": "interception_frozen_2026-12d.tsv",
    # Frozen batch e: measured once as held out on 2026-12-03 after round 4 (89.3% / 5.4%);
    # read and trained on in round 5: training.
    "spent-e": "interception_frozen_2026-12e.tsv",
    # Frozen batch f: measured once as held out on 2026-12-03 after round 5 (88dfbd6, 91.0% /
    # 7.6%); read and trained on in round 6: training.
    "spent-f": "interception_frozen_2026-12f.tsv",
    # Frozen batch g: measured once as held out on 2026-12-03 after round 6 (dddd358, rules of
    # f14108a), 87.4% / 4.8%; read and trained on in round 7: training.
    "spent-g": "interception_frozen_2026-12g.tsv",
}
# Frozen batch g was measured here once after round 6 (87.4% / 4.8%) and is spent (spent-g above).
# Frozen batch h, written blind to the rules and committed (dd93fd2) before round 7; round 7's
# tuning did not read it and was committed first (516fb6a, fe0d4e7, ae39b68, ac7c282). Measured
# with --frozen once after those commits (bench/README.md, round 7): spent from then on. The next
# round points this at batch i (interception_frozen_2026-12i.tsv, 5a7151a, written blind, never
# read or measured).
FROZEN = {"frozen": "interception_frozen_2026-12h.tsv"}
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
    """``(label, kind, text)`` rows; ``\\n`` in a text becomes a line break."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, kind, text = line.split("\t")[:3]
        rows.append((label, kind, text.replace("\\n", "\n")))
    return rows


def _shipped(text: str) -> bool:
    return classify(text, protected=PROTECTED, lanes=LANES).is_request


def _rules(text: str) -> bool:
    return classify(text, protected=PROTECTED, lanes=LANES, second_stage=False).is_request


def _rule_of(text: str) -> str:
    v = classify(text, protected=PROTECTED, lanes=LANES)
    if v.rule.startswith("model."):
        return f"{v.rule}, rules: {v.rules_rule}"
    return v.rule


def _baseline(text: str) -> bool:
    return keyword_baseline(text, protected=PROTECTED)


@dataclass(frozen=True)
class Figures:
    requests: int
    caught: int
    others: int
    false_pos: int
    mean_us: float
    p99_us: float

    @property
    def recall(self) -> float:
        return self.caught / self.requests if self.requests else 0.0

    @property
    def false_rate(self) -> float:
        return self.false_pos / self.others if self.others else 0.0


def measure(rows: Sequence[Row], decide: Callable[[str], bool]) -> tuple[Figures, dict[str, bool]]:
    decided = {r[2]: decide(r[2]) for r in rows}  # also warms up compiled patterns
    timings = []
    for _ in range(3):
        for _, _, text in rows:
            started = time.perf_counter()
            decide(text)
            timings.append(time.perf_counter() - started)
    timings.sort()
    mean = sum(timings) / max(1, len(timings))
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))] if timings else 0.0
    requests = [r for r in rows if r[0] == "request"]
    others = [r for r in rows if r[0] != "request"]
    figures = Figures(
        requests=len(requests),
        caught=sum(decided[r[2]] for r in requests),
        others=len(others),
        false_pos=sum(decided[r[2]] for r in others),
        mean_us=mean * 1e6,
        p99_us=p99 * 1e6,
    )
    return figures, decided


def _line(name: str, f: Figures) -> str:
    return (
        f"  {name:9} recall {f.caught:4}/{f.requests:<4} = {f.recall:6.1%}   "
        f"false interceptions {f.false_pos:4}/{f.others:<4} = {f.false_rate:6.1%}   "
        f"{f.mean_us:5.0f} µs mean, {f.p99_us:5.0f} µs p99"
    )


def report(
    source: str, path: Path, *, details: bool = True, out: Callable[[str], None] = print
) -> Figures:
    rows = load(path)
    shipped, decided = measure(rows, _shipped)
    rules, rules_decided = measure(rows, _rules)
    base, base_decided = measure(rows, _baseline)
    out(f"== {source}: {len(rows)} labelled messages from {path.name}")
    out(_line("rules+2nd", shipped))
    out(_line("rules", rules))
    out(_line("keywords", base))
    by_kind: dict[tuple[str, str], list[tuple[bool, bool, bool]]] = defaultdict(list)
    for label, kind, text in rows:
        by_kind[(label, kind)].append((decided[text], rules_decided[text], base_decided[text]))
    out("  per kind (share intercepted: rules+2nd, rules, keywords):")
    for (label, kind), hits in sorted(by_kind.items()):
        n = len(hits)
        m, r, b = (sum(h[i] for h in hits) for i in range(3))
        out(
            f"    {label:8} {kind:22} {m:3}/{n:<3} {m / n:6.1%}   {r:3}/{n:<3} {r / n:6.1%}"
            f"   {b:3}/{n:<3} {b / n:6.1%}"
        )
    misses = [r for r in rows if r[0] == "request" and not decided[r[2]]]
    wrong = [r for r in rows if r[0] != "request" and decided[r[2]]]
    if details:
        out(f"  misses ({len(misses)}):")
        for _, kind, text in misses:
            out(f"    [{kind}] ({_rule_of(text)}) {text!r}")
        out(f"  false interceptions ({len(wrong)}):")
        for _, kind, text in wrong:
            out(f"    [{kind}] ({_rule_of(text)}) {text!r}")
    else:
        out(
            f"  misses {len(misses)}, false interceptions {len(wrong)} (without --brief they are listed)"
        )
    out("")
    return rules


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--source",
        action="append",
        choices=sorted(SOURCES),
        help="only this source (repeatable; default: every source but the frozen batch)",
    )
    parser.add_argument(
        "--frozen",
        action="store_true",
        help="also measure the frozen held-out batch (measure it once, after tuning)",
    )
    parser.add_argument("--brief", action="store_true", help="figures only, no miss lists")
    parser.add_argument("--dir", type=Path, default=HERE, help="where the .tsv files are")
    args = parser.parse_args(argv)
    chosen = {k: SOURCES[k] for k in (args.source or SOURCES)}
    if args.frozen:
        chosen.update(FROZEN)
    for source, name in chosen.items():
        path = args.dir / name
        if not path.exists():
            out(f"== {source}: {path} not found, skipped\n")
            continue
        report(source, path, details=not args.brief, out=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
