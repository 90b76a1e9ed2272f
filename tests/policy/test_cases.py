"""The policy's own YAML cases, in the manner of OpenFisca's YAML tests.

Each `cases/NNN-slug.yaml` is a facts file in the format of docs/facts-format.md,
with three more keys that `zjtx evaluate` ignores: `title` (Chinese), `description`
(the article, reading and reason it checks, and why the result follows) and
`expected`, the exact `--json` result without `trace` and `message`.

A case is evaluated through `zjtx.policy.engine.evaluate_document(doc)`, the
result is stripped of traces and messages, and compared with `expected` exactly:
list order matters (history, then events by date, then file order).

`test_coverage` holds the suite to its claims: every item of the contract in
some expected line, every reason code in some expected rejection, every named
interpretation with each of its values in some case.
"""

from __future__ import annotations

import copy
import difflib
import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

CASES_DIR = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))
MIN_CASES = 40

# docs/facts-format.md, "Items".
ITEMS = (
    "art1_provincial_zjtx",
    "art1_national_little_giant",
    "art5_domestic_tutoring_accepted",
    "art5_domestic_review_passed",
    "art5_domestic_listed",
    "art5_overseas_csrc_approved",
    "art5_overseas_listed",
    "art5_neeq_basic_listed",
    "art5_neeq_entered_innovation_from_basic",
    "art5_neeq_innovation_listed_direct",
    "art5_regional_equity_trading_board",
    "art6_equity_investment",
    "art17_provincial_first",
    "art17_national_first",
)

# docs/facts-format.md, "Reasons for events that pay nothing", in the table's order.
REASONS = (
    "R_DUPLICATE_EVENT",
    "R_EXPIRED_BEFORE_POLICY",
    "R_PRE_POLICY",
    "R_AFTER_POLICY",
    "R_REVIEW_NOT_NEW",
    "R_DISPLAY_BOARD",
    "R_FUND_SETUP",
    "R_NOT_ELIGIBLE_TIER",
    "R_NOT_ZJTX_AT_EVENT",
    "R_INVESTEE_LISTED",
    "R_ROUNDS_TO_ZERO",  # an extension of the table (issue 10)
    "R_ALREADY_LISTED",
    "R_HONOUR_ALREADY_PAID",
    "R_NODE_ALREADY_PAID",
    "R_NEEQ_NOT_FIRST_ENTRY",
    "R_ITEM_CAP_REACHED",
    "R_ANNUAL_CAP_REACHED",
)

LINE_KEYS = {
    "article",
    "item",
    "payee",
    "event",
    "attribution_year",
    "amount",
    "funding",
    "local_unit",
}
FUNDING_KEYS = {"city", "district", "county", "zone"}
DROPPED_KEYS = ("trace", "message")


def load_case(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def strip_result(result: dict) -> dict:
    """The result without `trace` (lines, rejections) and `message` (rejections)."""

    def strip(entry: dict) -> dict:
        return {k: v for k, v in entry.items() if k not in DROPPED_KEYS}

    stripped = dict(result)
    stripped["reward_lines"] = [strip(line) for line in result.get("reward_lines", [])]
    stripped["rejected"] = [strip(r) for r in result.get("rejected", [])]
    return stripped


KEY_ORDER = (
    "event",
    "reason",
    "article",
    "item",
    "payee",
    "beneficiary_enterprise",
    "honour",
    "attribution_year",
    "amount",
    "raw_amount",
    "capped_by",
    "funding",
    "local_unit",
)


def _ordered(entry):
    if not isinstance(entry, dict):
        return entry
    rank = {k: i for i, k in enumerate(KEY_ORDER)}
    return {k: entry[k] for k in sorted(entry, key=lambda k: (rank.get(k, len(rank)), k))}


def _dump(obj) -> list[str]:
    """One line per reward line or rejection (event first), so a diff shows whole entries."""
    if isinstance(obj, list):
        return [json.dumps(_ordered(e), ensure_ascii=False, default=str) for e in obj]
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True, default=str).splitlines()


def readable_diff(expected: dict, actual: dict) -> str:
    parts = []
    for key in ("reward_lines", "rejected", "totals_by_payee"):
        if expected.get(key) != actual.get(key):
            parts.append(f"--- {key} differs ---")
            parts.extend(
                difflib.unified_diff(
                    _dump(expected.get(key)),
                    _dump(actual.get(key)),
                    fromfile=f"expected.{key}",
                    tofile=f"actual.{key}",
                    lineterm="",
                )
            )
    other = sorted((set(expected) | set(actual)) - {"reward_lines", "rejected", "totals_by_payee"})
    if other:
        parts.append(f"--- unexpected top-level keys: {other} ---")
    return "\n".join(parts)


def _case_id(path: Path) -> str:
    return path.name


@pytest.mark.parametrize("path", CASE_FILES, ids=_case_id)
def test_case(path: Path):
    from zjtx.policy.engine import evaluate_document

    doc = load_case(path)
    expected = doc["expected"]
    actual = strip_result(evaluate_document(copy.deepcopy(doc)))
    if actual != expected:
        pytest.fail(
            f"{path.name} — {doc.get('title', '')}\n{readable_diff(expected, actual)}",
            pytrace=False,
        )


@pytest.mark.parametrize("path", CASE_FILES, ids=_case_id)
def test_case_is_well_formed(path: Path):
    """Title, description and expected are there; expected has the contract's shape and adds up."""
    doc = load_case(path)
    for key in ("title", "description", "expected"):
        assert doc.get(key), f"{path.name}: `{key}` is missing or empty"
    assert isinstance(doc["title"], str) and isinstance(doc["description"], str)

    expected = doc["expected"]
    assert set(expected) == {"reward_lines", "rejected", "totals_by_payee"}, path.name
    event_ids = {e["id"] for e in doc["events"]}

    totals: dict[str, Decimal] = {}
    for line in expected["reward_lines"]:
        keys = set(LINE_KEYS)
        if line.get("article") == 6:
            keys.add("beneficiary_enterprise")
            if "raw_amount" in line or "capped_by" in line:
                keys |= {"raw_amount", "capped_by"}
                assert line["capped_by"] in ("item_cap", "annual_cap"), line
                assert Decimal(line["raw_amount"]) > Decimal(line["amount"]), line
        if line.get("article") == 17:
            keys.add("honour")
        assert set(line) == keys, (
            f"{path.name} {line.get('event')}: keys {sorted(set(line) ^ keys)}"
        )
        assert line["item"] in ITEMS, line
        assert line["event"] in event_ids, line
        amount = Decimal(line["amount"])
        assert line["amount"] == f"{amount:.2f}", line
        assert set(line["funding"]) == FUNDING_KEYS, line
        parts = [Decimal(v) for v in line["funding"].values()]
        assert all(v == f"{Decimal(v):.2f}" for v in line["funding"].values()), line
        assert sum(parts) == amount, f"{path.name} {line['event']}: funding parts do not add up"
        if line["local_unit"] is None:
            assert line["funding"]["city"] == line["amount"], line
        totals[line["payee"]] = totals.get(line["payee"], Decimal(0)) + amount

    for rejection in expected["rejected"]:
        assert set(rejection) == {"event", "reason"}, rejection
        assert rejection["reason"] in REASONS, rejection
        assert rejection["event"] in event_ids, rejection

    assert expected["totals_by_payee"] == {k: f"{v:.2f}" for k, v in totals.items()}, path.name


def test_coverage():
    """Across all cases: every item paid, every reason given, every interpretation both ways."""
    from zjtx.policy.pack import load_pack

    assert len(CASE_FILES) >= MIN_CASES, f"only {len(CASE_FILES)} cases"

    interpretations = load_pack().interpretations
    items, reasons = set(), set()
    used: dict[str, set[str]] = {key: set() for key in interpretations}
    for path in CASE_FILES:
        doc = load_case(path)
        expected = doc["expected"]
        items |= {line["item"] for line in expected["reward_lines"]}
        reasons |= {r["reason"] for r in expected["rejected"]}
        chosen = doc.get("interpretations") or {}
        unknown = set(chosen) - set(interpretations)
        assert not unknown, f"{path.name}: unknown interpretation keys {unknown}"
        for key, interp in interpretations.items():
            value = chosen.get(key, interp.default)
            assert value in interp.options, f"{path.name}: {key}={value} is not an option"
            used[key].add(value)

    assert not set(ITEMS) - items, f"items never paid: {sorted(set(ITEMS) - items)}"
    assert not set(REASONS) - reasons, f"reasons never given: {sorted(set(REASONS) - reasons)}"
    missing = {
        k: sorted(set(i.options) - used[k])
        for k, i in interpretations.items()
        if set(i.options) - used[k]
    }
    assert not missing, f"interpretation values never used: {missing}"
