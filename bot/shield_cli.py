"""``lanekeeper shield``: why a message was (not) intercepted, and how well the rules do.

``lanekeeper shield explain "text" [--protected U…] [--asked U…]`` prints the verdict, who the
message addresses, who it puts a request to, and the rule that decided (its stable id and the
human reason) and every request cue that counted, for operators who want to know why a message was or was not intercepted.
When the second stage (a model over the rules' reading and the words, issue 18 round 3) ran, it
prints its probability, what the rules alone said and the features that weighed most;
``--rules-only`` shows the rules' verdict alone.
Without ``--protected`` everyone mentioned counts as protected.

``lanekeeper shield bench [--source …] [--brief] [--frozen]`` runs ``bench/interception.py``
from a source checkout: recall and false interceptions per source of labelled messages, per
kind, the misses and false interceptions, and the time per message.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from .domain._interception_model import shipped as shipped_model
from .domain.interception import RULES, SECOND_STAGE_FINAL, classify, mentioned_users

BENCH = Path(__file__).resolve().parent.parent / "bench" / "interception.py"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    s = sub.add_parser("shield", help="interception: explain a verdict, run the benchmark")
    ssub = s.add_subparsers(dest="shield_command", required=True)
    ex = ssub.add_parser("explain", help="why a message is (not) intercepted")
    ex.add_argument("text", help="the message as Slack sends it (mentions as <@U…>)")
    ex.add_argument(
        "--protected",
        action="append",
        metavar="USER",
        help="a protected user id (repeatable or comma-separated; default: everyone mentioned)",
    )
    ex.add_argument(
        "--asked",
        action="append",
        metavar="USER",
        help="a protected user who just asked a question in that conversation (context)",
    )
    ex.add_argument("--sender", help="the sender's user id (never a target of their message)")
    ex.add_argument(
        "--rules-only", action="store_true", help="the rules' verdict, without the second stage"
    )
    ex.set_defaults(func=cmd_shield_explain)
    bench = ssub.add_parser("bench", help="run the interception benchmark")
    bench.add_argument("--source", action="append", help="only this source (repeatable)")
    bench.add_argument("--brief", action="store_true", help="figures only, no miss lists")
    bench.add_argument(
        "--frozen", action="store_true", help="also the frozen held-out batch (measure it once)"
    )
    bench.set_defaults(func=cmd_shield_bench)


def _ids(values: list[str] | None) -> list[str]:
    return [v.strip().strip("<@>") for raw in values or [] for v in raw.split(",") if v.strip()]


def cmd_shield_explain(args: argparse.Namespace) -> int:
    text = args.text
    mentioned = mentioned_users(text)
    protected = _ids(args.protected) or mentioned
    v = classify(
        text,
        protected=protected,
        sender=args.sender,
        recent_question_by=frozenset(_ids(args.asked)),
        second_stage=not args.rules_only,
    )

    def who(ids: tuple[str, ...] | list[str]) -> str:
        return ", ".join(f"<@{u}>" for u in ids) or "nobody"

    print(f"verdict:    {'request: intercepted' if v.is_request else 'not a request: let through'}")
    print(f"rule:       {v.rule} ({RULES.get(v.rule, '')})")
    print(f"reason:     {v.reason}")
    print(f"addressed:  {who(v.addressed)}")
    print(f"request to: {who(v.targets)}")
    print(f"cues:       {', '.join(v.cues) or 'none'}")
    print(f"protected:  {who(protected)}" + ("" if args.protected else " (everyone mentioned)"))
    print(f"urgent:     {'yes' if v.urgent else 'no'}")
    model = shipped_model()
    if v.model_score is None:
        why = "not asked (--rules-only)" if args.rules_only else "did not run"
        if not args.rules_only and model is not None and v.rule in SECOND_STAGE_FINAL:
            why = f"did not run: {v.rule} is final"
        elif not args.rules_only and model is None:
            why = "no model shipped"
        print(f"model:      {why}")
    else:
        threshold = model.threshold if model is not None else 0.5
        print(
            f"model:      {v.model_score:.2f} (a request from {threshold:.2f}); "
            f"the rules said {v.rules_rule}"
        )
        print(f"features:   {', '.join(v.model_features) or 'none'}")
    return 0


def cmd_shield_bench(args: argparse.Namespace) -> int:
    if not BENCH.exists():
        print(f"lanekeeper shield bench: {BENCH} not found (the benchmark ships with the source)")
        return 1
    spec = importlib.util.spec_from_file_location("lanekeeper_bench_interception", BENCH)
    if spec is None or spec.loader is None:
        print(f"lanekeeper shield bench: cannot load {BENCH}")
        return 1
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    argv = [f"--source={s}" for s in args.source or []]
    argv += ["--brief"] if args.brief else []
    argv += ["--frozen"] if args.frozen else []
    try:
        return int(module.main(argv))
    except SystemExit as exc:  # an unknown --source: argparse has said why
        return int(exc.code or 0)
