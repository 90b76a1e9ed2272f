"""zjtx import recognitions: a bureau's list in, row by row refusal, re-import a no-op."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from tests.registry.factories import enterprise, make_uscc
from zjtx.registry import models
from zjtx.registry.imports.signals import import_finished

from .helpers import REC_HEADINGS, run, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

D = dt.date
NEW_A, NEW_B = make_uscc("410305", 9001), make_uscc("410381", 9002)


def clean_rows(existing_name: str):
    return [
        [1, "洛阳甲科技有限公司", NEW_A, "涧西区", "省级专精特新中小企业", "2023年第一批", D(2023, 5, 1), D(2026, 4, 30)],
        [2, "洛阳乙装备有限责任公司", NEW_B, "偃师市", '国家级专精特新"小巨人"企业', "第五批", "2023/7/14", ""],
        [3, existing_name, "", "", "国家级专精特新“小巨人”企业", "第五批", "2023年7月14日", "2026-07-13"],
        [4, "洛阳甲科技有限公司", NEW_A, "涧西区", "创新型中小企业", "", "2022-12-20", None],
    ]


def counts():
    return (models.Enterprise.objects.count(), models.Recognition.objects.count(),
            models.Enterprise.history.count(), models.Recognition.history.count())


def test_a_bureaus_xlsx_with_chinese_headings_goes_in(tmp_path):
    old = enterprise(name="洛阳（丙）重工有限公司", home="410323")
    path = write_xlsx(tmp_path / "2023年认定名单.xlsx", REC_HEADINGS, clean_rows("洛阳(丙)重工 有限责任公司"),
                      title="2023年洛阳市专精特新中小企业认定名单")
    rc, out = run("recognitions", path)
    assert rc == 0, out
    assert out[-1] == "import recognitions: 4 rows, 4 created, 0 updated, 0 errors"

    a = models.Enterprise.objects.get(uscc=NEW_A)
    b = models.Enterprise.objects.get(uscc=NEW_B)
    assert (a.name, a.fiscal_home.code, a.name_key) == ("洛阳甲科技有限公司", "410305", "洛阳甲科技有限公司")
    assert b.fiscal_home.code == "410307"  # 偃师市 (retired) → 偃师区
    assert b.name_key == "洛阳乙装备有限公司"
    rec = {(r.enterprise_id, r.tier): r for r in models.Recognition.objects.all()}
    assert rec[(a.pk, "provincial")].valid_to == D(2026, 4, 30)
    assert not rec[(a.pk, "provincial")].valid_to_defaulted
    assert rec[(b.pk, "national")].announced_on == D(2023, 7, 14)
    assert rec[(b.pk, "national")].valid_to == D(2026, 7, 13) and rec[(b.pk, "national")].valid_to_defaulted
    assert rec[(old.pk, "national")].batch == "第五批"  # matched by normalised name
    assert rec[(a.pk, "innovative")].valid_to == D(2025, 12, 19) and rec[(a.pk, "innovative")].valid_to_defaulted
    # The list's kept latest-recognition date (database triggers) holds for imported rows too.
    assert models.Enterprise.objects.get(pk=a.pk).latest_recognition_on == D(2023, 5, 1)
    assert models.Enterprise.objects.get(pk=old.pk).latest_recognition_on == D(2023, 7, 14)
    # History: one entry per record created, attributed to the import.
    hist = models.Recognition.history.filter(id=rec[(a.pk, "provincial")].pk).get()
    assert hist.history_type == "+" and "2023年认定名单.xlsx" in hist.history_change_reason
    assert models.Enterprise.history.filter(id=a.pk).count() == 1

    log = models.ImportLog.objects.get()
    assert (log.kind, log.status, log.rows, log.created, log.updated, log.error_count, log.dry_run) == (
        "recognitions", "done", 4, 4, 0, 0, False)
    assert log.file_name == "2023年认定名单.xlsx" and len(log.file_sha256) == 64 and log.actor.startswith("命令行")
    assert {n[2] for n in log.notices if n[1] == "有效期至"} == {
        "未填写，按认定时间起三年推定为 2026-07-13", "未填写，按认定时间起三年推定为 2025-12-19"}


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    enterprise(name="洛阳（丙）重工有限公司", home="410323")
    path = write_xlsx(tmp_path / "list.xlsx", REC_HEADINGS, clean_rows("洛阳丙重工有限公司"))
    assert run("recognitions", path)[0] == 0
    before = counts()
    rc, out = run("recognitions", path)
    assert rc == 0
    assert out[-1] == "import recognitions: 4 rows, 0 created, 0 updated, 0 errors"
    assert counts() == before  # no new rows, no new history
    assert models.ImportLog.objects.count() == 2


def test_a_changed_row_updates_its_record_with_one_history_entry(tmp_path):
    rows = clean_rows("x")[:2]
    assert run("recognitions", write_xlsx(tmp_path / "a.xlsx", REC_HEADINGS, rows))[0] == 0
    rows[0][5] = "2023年第二批"  # batch corrected
    rows[1][7] = "2026-07-31"  # a stated date replaces the presumed one
    rc, out = run("recognitions", write_xlsx(tmp_path / "b.xlsx", REC_HEADINGS, rows))
    assert out[-1] == "import recognitions: 2 rows, 0 created, 2 updated, 0 errors"
    r = models.Recognition.objects.get(enterprise__uscc=NEW_B)
    assert (r.valid_to, r.valid_to_defaulted) == (D(2026, 7, 31), False)
    assert models.Recognition.objects.get(enterprise__uscc=NEW_A).batch == "2023年第二批"
    latest = models.Recognition.history.filter(id=r.pk).order_by("-history_date").first()
    assert latest.history_type == "~" and latest.valid_to == D(2026, 7, 31) and latest.batch == "第五批"


def test_blank_validity_keeps_a_stated_date(tmp_path):
    rows = clean_rows("x")[:1]
    assert run("recognitions", write_xlsx(tmp_path / "a.xlsx", REC_HEADINGS, rows))[0] == 0
    rows[0][7] = None
    rc, out = run("recognitions", write_xlsx(tmp_path / "b.xlsx", REC_HEADINGS, rows))
    assert out[-1] == "import recognitions: 1 rows, 0 created, 0 updated, 0 errors"
    assert models.Recognition.objects.get().valid_to == D(2026, 4, 30)


def test_dry_run_reports_what_it_would_do_and_writes_nothing(tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", REC_HEADINGS, clean_rows("x")[:2])
    rc, out = run("recognitions", path, "--dry-run")
    assert rc == 0
    assert out[-1] == "import recognitions: 2 rows, 2 created, 0 updated, 0 errors"
    assert "试导入" in out[-2]
    assert counts() == (0, 0, 0, 0)
    log = models.ImportLog.objects.get()
    assert log.dry_run and log.created == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030(tmp_path, encoding):
    rows = [[1, "洛阳甲科技有限公司", NEW_A, "高新区", "市级专精特新中小企业", "2023年", "2023/5/1", ""]]
    path = write_csv(tmp_path / "list.csv", REC_HEADINGS, rows, encoding=encoding)
    rc, out = run("recognitions", path)
    assert out[-1] == "import recognitions: 1 rows, 1 created, 0 updated, 0 errors", out
    assert models.Enterprise.objects.get().fiscal_home.code == "410371"
    assert run("recognitions", path)[1][-1] == "import recognitions: 1 rows, 0 created, 0 updated, 0 errors"


def test_date_cells_and_written_dates_are_the_same_date(tmp_path):
    rows = [[i, f"洛阳{i}号有限公司", make_uscc("410305", 9100 + i), "涧西区", "创新型中小企业", "", on, ""]
            for i, on in enumerate([D(2023, 5, 1), dt.datetime(2023, 5, 1), "2023-05-01", "2023/5/1", "2023年5月1日"])]
    rc, out = run("recognitions", write_xlsx(tmp_path / "d.xlsx", REC_HEADINGS, rows, date_format="yyyy/m/d"))
    assert rc == 0, out
    assert set(models.Recognition.objects.values_list("announced_on", flat=True)) == {D(2023, 5, 1)}


def test_retired_districts_map_to_todays_jurisdictions(tmp_path):
    rows = [[i, f"洛阳{name}企业有限公司", make_uscc("410300", 9200 + i), name, "创新型中小企业", "", "2023-01-01", ""]
            for i, name in enumerate(["偃师市", "孟津县", "吉利区", "高新区", "伊滨区"])]
    assert run("recognitions", write_xlsx(tmp_path / "d.xlsx", REC_HEADINGS, rows))[0] == 0
    homes = dict(models.Enterprise.objects.values_list("name", "fiscal_home__code"))
    assert homes == {"洛阳偃师市企业有限公司": "410307", "洛阳孟津县企业有限公司": "410308",
                     "洛阳吉利区企业有限公司": "410308", "洛阳高新区企业有限公司": "410371",
                     "洛阳伊滨区企业有限公司": "LY-YIBIN"}


GOOD = [1, "洛阳好企业有限公司", make_uscc("410305", 9301), "涧西区", "省级专精特新中小企业", "", "2023-05-01", ""]


def bad(**cells):
    row = [2, "洛阳坏企业有限公司", make_uscc("410305", 9302), "涧西区", "省级专精特新中小企业", "", "2023-05-01", ""]
    for heading, value in cells.items():
        row[REC_HEADINGS.index(heading)] = value
    return row


BAD_CASES = {
    "invalid credit code": ([GOOD, bad(统一社会信用代码="91410305MA0EXAM01X")],
                            "第3行 统一社会信用代码：统一社会信用代码无效：91410305MA0EXAM01X，校验码不符"),
    "credit code of a wrong length": ([GOOD, bad(统一社会信用代码="91410305MA0")],
                                      "第3行 统一社会信用代码：统一社会信用代码无效：91410305MA0，长度应为18位"),
    "unknown district": ([GOOD, bad(所属县区="郑州市金水区")], "第3行 所属县区：未知的县区“郑州市金水区”"),
    "duplicate row": ([GOOD, list(GOOD)], "第3行 统一社会信用代码：与第2行重复"),
    "missing field": ([GOOD, bad(认定类型="")], "第3行 认定类型：必填，不能为空"),
    "missing name": ([GOOD, bad(企业名称=None)], "第3行 企业名称：必填，不能为空"),
    "bad date": ([GOOD, bad(认定时间="23.5.1")], "第3行 认定时间：日期格式不正确：“23.5.1”"),
    "impossible date": ([GOOD, bad(有效期至="2026-02-30")], "第3行 有效期至：日期不存在：“2026-02-30”"),
    "validity before announcement": ([GOOD, bad(有效期至="2020-01-01")],
                                     "第3行 有效期至：有效期至（2020-01-01）早于认定时间（2023-05-01）"),
    "unknown tier": ([GOOD, bad(认定类型="专精特新")], "第3行 认定类型：未知的认定类型“专精特新”"),
    "new enterprise without district": ([GOOD, bad(所属县区="")],
                                        "第3行 所属县区：该企业尚未登记，新登记企业须填写所属县区"),
    "name only, unmatched": ([GOOD, bad(统一社会信用代码="", 企业名称="洛阳查无此企业有限公司")],
                             "第3行 企业名称：未匹配到企业：系统中没有名称为“洛阳查无此企业有限公司”的企业"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_a_bad_row_is_reported_with_row_and_column_and_nothing_is_written(tmp_path, case):
    rows, message = BAD_CASES[case]
    before = counts()
    for rows_of, suffix in ((rows, ".xlsx"), (rows, ".csv")):
        path = tmp_path / f"bad{suffix}"
        (write_xlsx if suffix == ".xlsx" else write_csv)(path, REC_HEADINGS, rows_of)
        for args in ((), ("--dry-run",)):
            rc, out = run("recognitions", path, *args)
            assert rc == 1
            assert any(line.startswith(message) for line in out), out
            assert out[-1] == "import recognitions: 2 rows, 0 created, 0 updated, 1 errors", out  # refused: nothing written
            assert counts() == before
    log = models.ImportLog.objects.filter(dry_run=False).last()
    assert log.status == "refused" and log.error_count == 1 and log.errors[0][0] == 3


def test_a_name_matching_two_enterprises_is_listed_never_guessed(tmp_path):
    a = enterprise(name="洛阳同名科技有限公司", home="410305")
    b = enterprise(name="洛阳同名科技有限责任公司", home="410323")
    rows = [[1, "洛阳同名科技（有限公司）", "", "", "省级专精特新中小企业", "", "2023-05-01", ""]]
    rc, out = run("recognitions", write_xlsx(tmp_path / "x.xlsx", REC_HEADINGS, rows))
    assert rc == 1
    assert out[0].startswith("第2行 企业名称：匹配到多家企业：")
    assert a.uscc in out[0] and b.uscc in out[0]
    assert models.Recognition.objects.count() == 0 and models.Enterprise.objects.count() == 2


def test_a_name_only_row_never_creates_an_enterprise_even_with_a_district(tmp_path):
    rows = [[1, "洛阳新企业有限公司", "", "涧西区", "省级专精特新中小企业", "", "2023-05-01", ""]]
    rc, out = run("recognitions", write_xlsx(tmp_path / "x.xlsx", REC_HEADINGS, rows))
    assert rc == 1 and "未匹配到企业" in out[0]
    assert models.Enterprise.objects.count() == 0


def test_every_bad_row_is_reported_in_row_order(tmp_path):
    rows = [bad(认定时间="明天"), GOOD, bad(统一社会信用代码="123", 所属县区="火星"), list(GOOD)]
    rows[2][0] = 3
    rc, out = run("recognitions", write_xlsx(tmp_path / "x.xlsx", REC_HEADINGS, rows))
    assert rc == 1
    errors = [line for line in out if line.startswith("第")]
    assert [e.split(" ")[0] for e in errors] == ["第2行", "第4行", "第4行", "第5行"]
    assert out[-1] == "import recognitions: 4 rows, 0 created, 0 updated, 3 errors"


def test_a_file_without_the_headings_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", ["序号", "名称", "代码"], [[1, "甲", "乙"]])
    rc, out = run("recognitions", path)
    assert rc == 1
    assert out[0].startswith("文件：未找到表头")
    assert out[-1] == "import recognitions: 0 rows, 0 created, 0 updated, 1 errors"
    path = write_xlsx(tmp_path / "y.xlsx", ["序号", "企业名称", "认定时间"], [[1, "甲", "2023-01-01"]])
    rc, out = run("recognitions", path)
    assert out[0] == "文件：第1行（表头）缺少必填列：认定类型"


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("not a workbook")
    rc, out = run("recognitions", path)
    assert rc == 1 and "不是有效的 .xlsx" in out[0]
    (tmp_path / "x.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    rc, out = run("recognitions", tmp_path / "x.xls")
    assert rc == 1 and "另存为 .xlsx" in out[0]


def test_empty_and_example_rows_are_skipped(tmp_path):
    rows = [["示例", "洛阳示例科技有限公司", "91410305MA0EXAM01L", "涧西区", "省级专精特新中小企业", "", "2023-05-01", ""],
            GOOD, [2, None, None, None, None, None, None, None], [3]]
    rc, out = run("recognitions", write_xlsx(tmp_path / "x.xlsx", REC_HEADINGS, rows))
    assert out[-1] == "import recognitions: 1 rows, 1 created, 0 updated, 0 errors"


def test_the_summary_is_the_last_line_when_a_scan_follows(tmp_path, capsys):
    def scan(sender, report, **kwargs):
        print(f"scan: {len(report.enterprise_ids)} enterprises")

    import_finished.connect(scan)
    try:
        from django.core.management import call_command

        call_command("import", "recognitions", str(write_xlsx(tmp_path / "x.xlsx", REC_HEADINGS, [GOOD])))
    finally:
        import_finished.disconnect(scan)
    lines = capsys.readouterr().out.splitlines()
    assert "scan: 1 enterprises" in lines
    assert lines[-1] == "import recognitions: 1 rows, 1 created, 0 updated, 0 errors"


def test_the_user_is_recorded_in_history_and_log(tmp_path):
    admin = get_user_model().objects.create_user("chen", password="x")
    assert run("recognitions", write_xlsx(tmp_path / "x.xlsx", REC_HEADINGS, [GOOD]), "--user", "chen")[0] == 0
    assert models.Recognition.history.get().history_user == admin
    assert models.ImportLog.objects.get().user == admin


def test_a_failing_follow_up_does_not_undo_the_import(tmp_path):
    def broken(sender, report, **kwargs):
        raise RuntimeError("扫描服务不可用")

    import_finished.connect(broken)
    try:
        rc, out = run("recognitions", write_xlsx(tmp_path / "x.xlsx", REC_HEADINGS, [GOOD]))
    finally:
        import_finished.disconnect(broken)
    assert rc == 0 and out[-1] == "import recognitions: 1 rows, 1 created, 0 updated, 0 errors"
    assert any("后续处理失败：扫描服务不可用" in line for line in out)
    log = models.ImportLog.objects.get()
    assert log.status == "done" and models.Recognition.objects.count() == 1
