"""`zjtx evaluate`: the documented output for the spec's example, and bad files
refused with exit 2, a message naming the entry and key, nothing on stdout."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from zjtx.policy.cli import main

SPEC_EXAMPLE = {
    "title": "涧西区企业获省级专精特新认定（名单重复导入一次）；栾川县企业获国家级小巨人认定",
    "parameters": {"policy_effective_date": "2022-07-01"},
    "enterprises": [
        {"id": "E01", "name": "示例企业01", "uscc": "91410305MA0EXAM01L", "fiscal_home": "410305"},
        {"id": "E02", "name": "示例企业02", "uscc": "91410324MA0EXAM028", "fiscal_home": "410324"},
    ],
    "events": [
        {"id": "ev1", "date": "2022-12-20", "type": "zjtx_provincial_recognized", "enterprise": "E01",
         "valid_to": "2025-12-19", "source_record": "省级名单2022-0001"},
        {"id": "ev2", "date": "2022-12-20", "type": "zjtx_provincial_recognized", "enterprise": "E01",
         "valid_to": "2025-12-19", "source_record": "省级名单2022-0001"},
        {"id": "ev3", "date": "2023-03-01", "type": "little_giant_recognized", "enterprise": "E02",
         "valid_to": "2026-02-28"},
    ],
}

INVESTMENT_CASE = {
    "enterprises": [
        {"id": "E01", "name": "示例企业01", "uscc": "91410305MA0EXAM01L", "fiscal_home": "410305"}],
    "investors": [{"id": "I01", "name": "某创投基金", "kind": "private_fund"}],
    "operators": [
        {"id": "P01", "name": "某服务平台", "uscc": "91410324MA0EXAM028", "fiscal_home": "410324"}],
    "events": [
        {"id": "r1", "date": "2022-08-01", "type": "zjtx_provincial_recognized", "enterprise": "E01",
         "valid_to": "2025-07-31"},
        {"id": "inv1", "date": "2023-01-05", "type": "equity_investment", "investor": "I01",
         "investee": "E01", "round": "A", "vehicle": "direct", "paid_in": "1234567.89"},
        {"id": "n1", "date": "2023-02-01", "type": "neeq", "enterprise": "E01", "action": "basic_listed"},
        {"id": "p1", "date": "2023-03-01", "type": "platform_recognized", "operator": "P01",
         "honour": "public_service_platform", "level": "provincial", "kind": "first"},
    ],
}


def run(tmp_path, doc, *args, suffix=".yaml", capsys=None):
    path = tmp_path / f"case{suffix}"
    text = json.dumps(doc, ensure_ascii=False) if suffix == ".json" else yaml.safe_dump(doc, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    code = main([str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_spec_example_json_is_exactly_the_documented_result(tmp_path, capsys):
    code, out, err = run(tmp_path, SPEC_EXAMPLE, "--json", capsys=capsys)
    assert code == 0 and err == ""
    result = json.loads(out)
    for line in result["reward_lines"]:
        assert line.pop("trace")  # every line explains itself
    for r in result["rejected"]:
        assert r.pop("trace") and r.pop("message")
    assert result == {
        "reward_lines": [
            {"article": 1, "item": "art1_provincial_zjtx", "payee": "E01", "event": "ev1",
             "attribution_year": 2022, "amount": "100000.00",
             "funding": {"city": "50000.00", "district": "50000.00", "county": "0.00", "zone": "0.00"},
             "local_unit": "410305"},
            {"article": 1, "item": "art1_national_little_giant", "payee": "E02", "event": "ev3",
             "attribution_year": 2023, "amount": "300000.00",
             "funding": {"city": "0.00", "district": "0.00", "county": "300000.00", "zone": "0.00"},
             "local_unit": "410324"}],
        "rejected": [{"event": "ev2", "reason": "R_DUPLICATE_EVENT"}],
        "totals_by_payee": {"E01": "100000.00", "E02": "300000.00"},
    }


def test_trace_cites_article_parameters_and_split(tmp_path, capsys):
    code, out, _ = run(tmp_path, INVESTMENT_CASE, "--json", capsys=capsys)
    assert code == 0
    lines = {line["event"]: line for line in json.loads(out)["reward_lines"]}
    inv = lines["inv1"]
    assert inv["amount"] == "12345.68"  # half-up of 1% of 1,234,567.89
    assert inv["funding"] == {"city": "6172.84", "district": "6172.84", "county": "0.00", "zone": "0.00"}
    text = "\n".join(inv["trace"])
    assert "第6条" in text and "不包括投资设立基金" in text
    assert "art6_rate" in text and "art6_item_cap" in text and "art6_enterprise_annual_cap" in text
    assert "art6_annual_cap_scope = invested_enterprise" in text
    assert "涧西区" in text
    assert lines["p1"]["honour"] == "public_service_platform"


def test_table_output_in_chinese(tmp_path, capsys):
    code, out, _ = run(tmp_path, SPEC_EXAMPLE, capsys=capsys)
    assert code == 0
    assert "奖励明细" in out and "不予奖励" in out and "R_DUPLICATE_EVENT" in out
    assert "100,000.00" in out and "按受奖主体合计" in out
    code, out, _ = run(tmp_path, SPEC_EXAMPLE, "--trace", capsys=capsys)
    assert "计算过程" in out and "第1条" in out


def test_json_input_is_accepted(tmp_path, capsys):
    code, out, _ = run(tmp_path, SPEC_EXAMPLE, "--json", suffix=".json", capsys=capsys)
    assert code == 0 and len(json.loads(out)["reward_lines"]) == 2


def test_as_of_ignores_later_events(tmp_path, capsys):
    code, out, _ = run(tmp_path, SPEC_EXAMPLE, "--json", "--as-of", "2022-12-31", capsys=capsys)
    assert code == 0
    assert [line["event"] for line in json.loads(out)["reward_lines"]] == ["ev1"]


def mutate(base, path, value):
    doc = copy.deepcopy(base)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return doc


DELETE = object()

BAD = {
    "unknown jurisdiction": (SPEC_EXAMPLE, ("enterprises", 0, "fiscal_home"), "419999", ["E01", "fiscal_home", "419999"]),
    "invalid credit code": (SPEC_EXAMPLE, ("enterprises", 1, "uscc"), "91410324MA0EXAM029", ["E02", "uscc", "校验码"]),
    "credit code too short": (SPEC_EXAMPLE, ("enterprises", 1, "uscc"), "91410324MA0", ["E02", "uscc"]),
    "negative money": (INVESTMENT_CASE, ("events", 1, "paid_in"), "-100.00", ["inv1", "paid_in", "负数"]),
    "float money": (INVESTMENT_CASE, ("events", 1, "paid_in"), 1000000.5, ["inv1", "paid_in", "浮点数"]),
    "money not a number": (INVESTMENT_CASE, ("events", 1, "paid_in"), "一百万", ["inv1", "paid_in", "不是数字"]),
    "money with three decimals": (INVESTMENT_CASE, ("events", 1, "paid_in"), "100.001", ["inv1", "paid_in"]),
    "zero paid in": (INVESTMENT_CASE, ("events", 1, "paid_in"), "0", ["inv1", "paid_in"]),
    # issue 9: only ASCII digits[.dd] strings; Decimal() alone took all of these
    "money in exponent form": (INVESTMENT_CASE, ("events", 1, "paid_in"), "1e6", ["inv1", "paid_in", "科学计数"]),
    "money with underscores": (INVESTMENT_CASE, ("events", 1, "paid_in"), "1_000", ["inv1", "paid_in", "半角数字"]),
    "money with a plus sign": (INVESTMENT_CASE, ("events", 1, "paid_in"), "+1000", ["inv1", "paid_in", "正负号"]),
    "money with spaces": (INVESTMENT_CASE, ("events", 1, "paid_in"), " 1000 ", ["inv1", "paid_in", "空格"]),
    "money in full-width digits": (INVESTMENT_CASE, ("events", 1, "paid_in"), "１０００", ["inv1", "paid_in", "全角"]),
    "money as a bare integer": (INVESTMENT_CASE, ("events", 1, "paid_in"), 1000000, ["inv1", "paid_in", "带引号"]),
    "money with a thousands comma": (INVESTMENT_CASE, ("events", 1, "paid_in"), "1,000", ["inv1", "paid_in"]),
    "parameter as a bare integer": (SPEC_EXAMPLE, ("parameters", "art1_provincial_zjtx"), 100000,
                                    ["art1_provincial_zjtx", "带引号"]),
    "rate in exponent form": (SPEC_EXAMPLE, ("parameters", "art6_rate"), "1e-2", ["art6_rate", "科学计数"]),
    "unknown event type": (SPEC_EXAMPLE, ("events", 0, "type"), "zjtx_recognised", ["ev1", "type", "zjtx_recognised"]),
    "reward_paid outside history": (SPEC_EXAMPLE, ("events", 0, "type"), "reward_paid", ["ev1", "type"]),
    "unknown node": (SPEC_EXAMPLE, ("events", 0), {"id": "ev1", "date": "2023-01-01", "type": "ipo_node", "enterprise": "E01", "path": "domestic", "exchange": "深交所", "node": "csrc_approved_or_filed"}, ["ev1", "node"]),
    "unknown action": (INVESTMENT_CASE, ("events", 2, "action"), "listed", ["n1", "action", "listed"]),
    "unknown honour": (INVESTMENT_CASE, ("events", 3, "honour"), "platform", ["p1", "honour"]),
    "undeclared enterprise": (SPEC_EXAMPLE, ("events", 2, "enterprise"), "E09", ["ev3", "enterprise", "E09"]),
    "undeclared investor": (INVESTMENT_CASE, ("events", 1, "investor"), "I09", ["inv1", "investor", "I09"]),
    "undeclared operator": (INVESTMENT_CASE, ("events", 3, "operator"), "P09", ["p1", "operator", "P09"]),
    "duplicate event ids": (SPEC_EXAMPLE, ("events", 1, "id"), "ev1", ["ev1", "id", "重复"]),
    "duplicate party ids": (SPEC_EXAMPLE, ("enterprises", 1, "id"), "E01", ["E01", "id", "重复"]),
    "malformed date": (SPEC_EXAMPLE, ("events", 2, "date"), "2023/03/01", ["ev3", "date", "2023/03/01"]),
    "impossible date": (SPEC_EXAMPLE, ("events", 2, "date"), "2023-02-29", ["ev3", "date", "2023-02-29"]),
    "valid_to before date": (SPEC_EXAMPLE, ("events", 2, "valid_to"), "2020-01-01", ["ev3", "valid_to"]),
    "misspelt key": (SPEC_EXAMPLE, ("events", 2, "valid_until"), "2026-02-28", ["ev3", "valid_until", "未知的键"]),
    "missing key": (SPEC_EXAMPLE, ("events", 2, "valid_to"), DELETE, ["ev3", "valid_to", "缺少"]),
    "unknown parameter": (SPEC_EXAMPLE, ("parameters", "art1_amount"), "1.00", ["parameters", "art1_amount"]),
    "float parameter": (SPEC_EXAMPLE, ("parameters", "art1_provincial_zjtx"), 100000.0, ["art1_provincial_zjtx", "浮点数"]),
    "unknown interpretation value": (SPEC_EXAMPLE, ("interpretations",), {"art1_upgrade": "highest"}, ["art1_upgrade", "highest"]),
    "unknown top-level key": (SPEC_EXAMPLE, ("events2",), [], ["events2"]),
    "missing events": (SPEC_EXAMPLE, ("events",), DELETE, ["events"]),
    "investor kind": (INVESTMENT_CASE, ("investors", 0, "kind"), "bank", ["I01", "kind", "bank"]),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_refused_naming_entry_and_key(name, tmp_path, capsys):
    base, path, value, words = BAD[name]
    code, out, err = run(tmp_path, mutate(base, path, value), "--json", capsys=capsys)
    assert code == 2
    assert out == ""
    for word in words:
        assert word in err, f"{word!r} not in message: {err}"


@pytest.mark.parametrize("text,words", [
    ("enterprises: [unclosed, {\nevents: x\n", ["YAML"]),
    ("- just\n- a list\n", ["映射"]),
    ("enterprises: []\nevents: []\nevents: []\n", ["events", "重复"]),
    ("enterprises: []\nevents:\n  - {id: a, date: 2023-02-30, type: neeq, enterprise: E1, action: basic_listed}\n", ["2023-02-30"]),
])
def test_malformed_files_are_refused(text, words, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    code = main([str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    for word in words:
        assert word in err


def test_missing_file_and_bad_as_of(tmp_path, capsys):
    assert main([str(tmp_path / "nope.yaml")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "无法读取" in err
    code, out, err = run(tmp_path, SPEC_EXAMPLE, "--as-of", "2023-13-01", capsys=capsys)
    assert code == 2 and out == "" and "--as-of" in err


def test_bare_number_jurisdiction_and_retired_alias(tmp_path, capsys):
    doc = mutate(SPEC_EXAMPLE, ("enterprises", 0, "fiscal_home"), 410381)  # 偃师市 → 偃师区
    code, out, _ = run(tmp_path, doc, "--json", capsys=capsys)
    assert code == 0
    line = json.loads(out)["reward_lines"][0]
    assert line["local_unit"] == "410307"
    assert line["funding"]["district"] == "50000.00"
    assert any("410381" in step and "410307" in step for step in line["trace"])
