"""``lanekeeper shield explain`` and ``lanekeeper shield bench``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import shield_cli
from bot.cli import main


def explain(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, str]:
    assert main(["shield", "explain", *args]) == 0
    lines = capsys.readouterr().out.splitlines()
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in lines)}


def test_explain_names_the_verdict_the_addressees_and_the_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = explain(
        capsys,
        "sorry to bug you <@U01TECH1>, could you unlock the Northwind admin account cc <@U02OTHER1>",
        "--protected",
        "U01TECH1",
    )
    assert out["verdict"] == "request: intercepted"
    assert out["rule"].startswith("request.ask ")
    assert out["reason"] == "ask to <@U01TECH1>"
    assert out["addressed"] == "<@U01TECH1>"
    assert out["request to"] == "<@U01TECH1>"
    assert out["cues"] == "ask, question"  # "could you unlock" is also a work question


def test_explain_lists_every_cue_that_counted(capsys: pytest.CaptureFixture[str]) -> None:
    out = explain(capsys, "<@U01TECH1> the Acme server is down, can you look?")
    assert out["cues"] == "ask, question, problem"
    out = explain(capsys, "Acme firewall cert renewed <@U01TECH1>, all tunnels back up")
    assert out["rule"] == "none.done (reports work done)"
    assert out["cues"] == "none"


def test_explain_says_why_a_message_is_let_through(capsys: pytest.CaptureFixture[str]) -> None:
    text = "<@U02OTHER1> can you reset the MFA for Contoso? cc <@U01TECH1>"
    out = explain(capsys, text, "--protected=U01TECH1")
    assert out["verdict"] == "not a request: let through"
    assert out["rule"] == "none.fyi (fyi or cc)"  # the ask is U02OTHER1's; U01TECH1 is cc'd
    assert out["addressed"] == "<@U02OTHER1>, <@U01TECH1>"
    assert out["request to"] == "nobody"
    out = explain(
        capsys, "<@U02OTHER1> pls take #48213, <@U01TECH1> is swamped", "--protected=U01TECH1"
    )
    assert out["rule"] == "none.someone-else (request to someone else)"
    assert out["addressed"] == "<@U02OTHER1>"
    # without --protected everyone mentioned is protected: then it is a request to U02OTHER1
    out = explain(capsys, text)
    assert out["protected"] == "<@U02OTHER1>, <@U01TECH1> (everyone mentioned)"
    assert out["request to"] == "<@U02OTHER1>"


def test_explain_takes_the_context_of_her_own_question(capsys: pytest.CaptureFixture[str]) -> None:
    text = "<@U01TECH1> the Fabrikam voice VLAN is still untagged on the core switch"
    assert explain(capsys, text)["rule"].startswith("request.report")
    out = explain(capsys, text, "--asked", "<@U01TECH1>")
    assert out["rule"] == "none.answer-context (answers their own recent question)"


def test_explain_shows_the_second_stage(capsys: pytest.CaptureFixture[str]) -> None:
    text = "<@U01TECH1> the Northwind Veeam job failed again"
    out = explain(capsys, text)
    assert out["model"].endswith("(a request from 0.60); the rules said request.problem")
    assert out["features"].startswith("verdict=request +")
    assert explain(capsys, text, "--rules-only")["model"] == "not asked (--rules-only)"
    assert explain(capsys, text, "--rules-only")["rule"].startswith("request.problem ")
    out = explain(capsys, "<@U01TECH1> can you check the Acme backup")
    assert out["model"] == "did not run: request.ask is final"


def test_bench_prints_figures_per_source_and_never_the_frozen_batch_unasked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["shield", "bench", "--brief", "--source", "added"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== added: ")
    assert "rules+2nd recall" in out and "rules     recall" in out and "keywords  recall" in out
    assert "µs mean" in out and "per kind" in out
    assert "frozen" not in out and "tuning" not in out and "original" not in out


def test_bench_without_the_benchmark_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shield_cli, "BENCH", tmp_path / "missing.py")
    assert main(["shield", "bench"]) == 1
    assert "not found" in capsys.readouterr().out
