"""Recognition lists as bureaus publish them (issue 9): a code column slipped by a
row, renamed enterprises, 复核 lists, province-wide lists that name only 洛阳市,
and the tier and zone spellings bureaus use."""

from __future__ import annotations

import pytest

from tests.registry.factories import enterprise, jurisdiction, make_uscc, recognition
from zjtx.fulfilment.models import Entitlement
from zjtx.fulfilment.scan import run_scan
from zjtx.registry import models
from zjtx.registry.imports.service import run_import

from .helpers import REC_HEADINGS, write_xlsx

pytestmark = pytest.mark.django_db


def import_list(tmp_path, rows, *, dry_run=False, name="名单.xlsx"):
    return run_import("recognitions", write_xlsx(tmp_path / name, REC_HEADINGS, rows), dry_run=dry_run)


def registered(n, home="410305"):
    return [enterprise(name=f"洛阳第{i}精密制造有限公司", home=home) for i in range(n)]


# --- 1. a name and a code that disagree -------------------------------------------------

def test_codes_shifted_by_one_row_refuse_every_row_naming_both_enterprises(tmp_path):
    ents = registered(1000)
    rows = [[i + 1, e.name, ents[(i + 1) % len(ents)].uscc, "涧西区", "省级专精特新中小企业", "", "2024-06-28",
             "2027-06-27"] for i, e in enumerate(ents)]
    report = import_list(tmp_path, rows)
    assert not report.written and report.created == 0
    assert report.error_count == 1000
    first = next(e for e in report.errors if e.row == 2)
    assert "企业名称与统一社会信用代码不符" in first.message
    assert ents[1].name in first.message and ents[0].name in first.message and ents[0].uscc in first.message
    assert not models.Recognition.objects.exists()


def test_a_name_that_matches_nobody_is_refused_with_a_hint_to_rename(tmp_path):
    e = enterprise(name="洛阳某轴承有限公司")
    report = import_list(tmp_path, [[1, "洛阳某某新材料有限公司", e.uscc, "涧西区", "省级专精特新中小企业", "",
                                     "2024-06-28", ""]])
    assert not report.written
    assert "如企业已更名" in report.errors[0].message


def test_name_variants_and_former_names_agree_with_the_code(tmp_path):
    e = enterprise(name="洛阳某轴承(集团)有限责任公司")
    e.name = "洛阳某轴承科技股份有限公司"
    e.save()
    rows = [[1, "洛阳某轴承（集团）有限公司", e.uscc, "涧西区", "省级专精特新中小企业", "", "2022-12-20", ""],
            [2, " 洛阳某轴承科技股份有限公司 ", e.uscc, "涧西区", "国家级专精特新“小巨人”企业", "", "2023-07-01", ""]]
    report = import_list(tmp_path, rows)
    assert report.written and report.created == 2, report.errors


# --- 2. renames ---------------------------------------------------------------------------

def test_a_rename_keeps_the_former_name_and_a_names_only_list_finds_it(tmp_path):
    e = enterprise(name="洛阳旧名机械有限公司")
    enterprises_file = write_xlsx(tmp_path / "企业名录.xlsx", ["企业名称", "统一社会信用代码", "所属县区"],
                                  [["洛阳新名智能装备有限公司", e.uscc, "涧西区"]])
    assert run_import("enterprises", enterprises_file).written
    e.refresh_from_db()
    assert e.name == "洛阳新名智能装备有限公司"
    assert list(e.former_names.values_list("name", flat=True)) == ["洛阳旧名机械有限公司"]
    # a names-only list of an earlier day still names it the old way
    report = import_list(tmp_path, [[1, "洛阳旧名机械有限公司", "", "", "省级专精特新中小企业", "", "2022-12-20", ""]])
    assert report.written and report.created == 1, report.errors
    assert models.Recognition.objects.get().enterprise == e


def test_an_edit_keeps_the_former_name_once(db):
    e = enterprise(name="洛阳甲机械有限公司")
    for name in ("洛阳乙机械有限公司", "洛阳乙机械（有限）公司", "洛阳丙机械有限公司"):
        e.name = name
        e.save()
    # 乙 and 乙（有限） are one name (brackets ignored): kept once, as last written
    assert sorted(e.former_names.values_list("name", flat=True)) == ["洛阳乙机械（有限）公司", "洛阳甲机械有限公司"]


def test_a_former_name_of_one_that_is_the_name_of_another_is_never_guessed(tmp_path):
    a = enterprise(name="洛阳同名科技有限公司")
    a.name = "洛阳甲科技有限公司"
    a.save()
    enterprise(name="洛阳同名科技有限公司")  # the name, taken up by another enterprise since
    report = import_list(tmp_path, [[1, "洛阳同名科技有限公司", "", "", "省级专精特新中小企业", "", "2022-12-20", ""]])
    assert not report.written and "匹配到多家企业" in report.errors[0].message


def test_the_one_file_page_shows_former_names(client, world):
    xa = world["xa"]
    old = xa.name
    xa.name = "新安某精密机械股份有限公司"
    xa.save()
    client.force_login(world["city_admin"])
    page = client.get(f"/registry/enterprises/{xa.pk}/").content.decode()
    assert "曾用名" in page and old in page


# --- 3. a 复核 list without its recognition ------------------------------------------------

def test_a_review_list_without_the_original_recognition_is_listed_and_never_paid(tmp_path):
    e = enterprise(name="洛阳复核机械有限公司")
    rows = [[1, e.name, e.uscc, "涧西区", "国家级专精特新“小巨人”企业", "", "2024-07-20", "2027-07-19"]]
    path = write_xlsx(tmp_path / "复核名单.xlsx", [*REC_HEADINGS, "认定方式"], [[*rows[0], "复核"]])
    report = run_import("recognitions", path)
    assert report.written
    assert any("原认定不在企业库" in n.message for n in report.notices)
    run_scan()
    assert not Entitlement.objects.exists()


def test_a_review_of_a_registered_recognition_says_nothing(tmp_path):
    e = enterprise(name="洛阳复核机械有限公司")
    recognition(e, tier="national", on="2021-07-20", to="2024-07-19")
    path = write_xlsx(tmp_path / "复核名单.xlsx", [*REC_HEADINGS, "认定方式"],
                      [[1, e.name, e.uscc, "涧西区", "国家级专精特新“小巨人”企业", "", "2024-07-20", "2027-07-19", "复核"]])
    report = run_import("recognitions", path)
    assert report.written and not [n for n in report.notices if "原认定" in n.message]


# --- 4. 所属地区 = 洛阳市 ---------------------------------------------------------------------

def test_a_list_naming_only_the_city_imports_for_registered_enterprises(tmp_path):
    e = enterprise(name="洛阳全省名单机械有限公司", home="410323")
    code = make_uscc("410305")
    rows = [[1, e.name, e.uscc, "洛阳市", "省级专精特新中小企业", "", "2024-06-28", ""],
            [2, "洛阳新登记机械有限公司", code, "河南省洛阳市", "省级专精特新中小企业", "", "2024-06-28", ""]]
    report = import_list(tmp_path, rows)
    assert not report.written
    assert [e.row for e in report.errors] == [3]  # only the new enterprise needs its county
    assert "只到市一级" in report.errors[0].message
    report = import_list(tmp_path, rows[:1])
    assert report.written and models.Recognition.objects.get().enterprise == e


def test_a_district_that_disagrees_with_the_registry_is_shown_not_applied(tmp_path):
    e = enterprise(name="洛阳迁移机械有限公司", home="410323")
    report = import_list(tmp_path, [[1, e.name, e.uscc, "涧西区", "省级专精特新中小企业", "", "2024-06-28", ""]],
                         dry_run=True)
    assert any("名单所属县区为涧西区，企业库登记为新安县" in n.message for n in report.notices)
    e.refresh_from_db()
    assert e.fiscal_home == jurisdiction("410323")


# --- 7. spellings ----------------------------------------------------------------------------

@pytest.mark.parametrize("written, tier", [
    ("河南省创新型中小企业", "innovative"), ("省级创新型中小企业", "innovative"),
    ("专精特新中小企业", "provincial"), ("河南省专精特新中小企业", "provincial"),
    ("国家级专精特新\"小巨人\"企业", "national"), ("专精特新“小巨人”", "national"),
])
def test_tier_spellings_bureaus_use(tmp_path, written, tier):
    e = enterprise(name="洛阳拼写机械有限公司")
    report = import_list(tmp_path, [[1, e.name, e.uscc, "涧西区", written, "", "2024-06-28", ""]])
    assert report.written, report.errors
    assert models.Recognition.objects.get().tier == tier


def test_an_unknown_tier_is_refused_with_the_accepted_spellings(tmp_path):
    e = enterprise(name="洛阳拼写机械有限公司")
    report = import_list(tmp_path, [[1, e.name, e.uscc, "涧西区", "瞪羚企业", "", "2024-06-28", ""]])
    assert not report.written and "省级专精特新中小企业" in report.errors[0].message


@pytest.mark.parametrize("zone", ["高新技术开发区", "洛阳高新技术开发区", "洛阳国家高新技术产业开发区", "高新区管委会",
                                  "伊滨经济技术开发区"])
def test_zone_names_bureaus_use(tmp_path, zone):
    code = make_uscc("410371")
    report = import_list(tmp_path, [[1, "洛阳开发区新材料有限公司", code, zone, "省级专精特新中小企业", "",
                                     "2024-06-28", ""]])
    assert report.written, report.errors
    assert models.Enterprise.objects.get(uscc=code).fiscal_home.kind == "zone"


# --- 5. a refused file says it wrote nothing ------------------------------------------------

def test_a_refused_file_reports_nothing_written_and_why(tmp_path):
    ents = registered(3)
    rows = [[i + 1, e.name, e.uscc, "涧西区", "省级专精特新中小企业", "", "2024-06-28", ""] for i, e in enumerate(ents)]
    rows.append([4, "洛阳无此企业有限公司", "", "", "省级专精特新中小企业", "", "2024-06-28", ""])
    report = import_list(tmp_path, rows)
    assert not report.written and (report.created, report.updated) == (0, 0)
    assert "0 created" in report.summary_line
    log = models.ImportLog.objects.get(pk=report.log.pk)
    assert (log.created, log.updated, log.status) == (0, 0, "refused")
    assert "未写入任何数据" in log.message and "1 处错误" in log.message


# --- 6. credit codes as Excel keeps them -------------------------------------------------------

def all_digit_code() -> str:
    from stdnum.cn import uscc

    for n in range(1000):
        body = f"91410305{n:09d}"
        if (digit := uscc.calc_check_digit(body)).isdigit():
            return body + digit
    raise AssertionError


def test_a_code_in_a_number_cell_that_lost_digits_says_so(tmp_path):
    code = all_digit_code()
    e = enterprise(name="洛阳数字代码有限公司", uscc=code)
    report = import_list(tmp_path, [[1, e.name, float(code[:15] + "000"), "涧西区", "省级专精特新中小企业", "",
                                     "2024-06-28", ""]])
    assert not report.written
    assert "数字格式" in report.errors[0].message and "15 位有效数字" in report.errors[0].message


def test_a_number_that_still_has_all_eighteen_digits_is_the_code(tmp_path):
    code = all_digit_code()
    e = enterprise(name="洛阳数字代码有限公司", uscc=code)
    path = tmp_path / "数字.csv"
    path.write_text(",".join(REC_HEADINGS) + f"\n1,{e.name},{code},涧西区,省级专精特新中小企业,,2024-06-28,\n",
                    encoding="utf-8")
    from zjtx.registry.imports import values as v

    assert v.credit_code(int(code)) == code
    assert run_import("recognitions", path).written


@pytest.mark.parametrize("typed", ["{c8}-{rest}", "{c4} {c4b} {rest}", "{c8}－{rest}"])
def test_a_code_typed_with_spaces_or_hyphens_is_read(tmp_path, typed):
    e = enterprise(name="洛阳分组代码有限公司")
    c = e.uscc
    written = typed.format(c8=c[:8], c4=c[:4], c4b=c[4:8], rest=c[8:])
    report = import_list(tmp_path, [[1, e.name, written, "涧西区", "省级专精特新中小企业", "", "2024-06-28", ""]])
    assert report.written, report.errors


def test_a_bad_code_names_itself_and_the_reason(tmp_path):
    report = import_list(tmp_path, [[1, "洛阳某有限公司", "91410305MA0EXAM01X", "涧西区", "省级专精特新中小企业", "",
                                     "2024-06-28", ""]])
    message = report.errors[0].message
    assert "91410305MA0EXAM01X" in message and "校验码不符" in message and "无效：无效" not in message


# --- 7. dates as bureaus write them -----------------------------------------------------------

@pytest.mark.parametrize("announced, validity, on, to", [
    ("2023.5.12", "", "2023-05-12", "2026-05-11"),
    ("2023-05-12T00:00:00", "", "2023-05-12", "2026-05-11"),
    ("2023.5.12", "2023.5.12-2026.5.11", "2023-05-12", "2026-05-11"),
    ("2023年5月12日", "2023年5月12日至2026年5月11日", "2023-05-12", "2026-05-11"),
])
def test_date_spellings_bureaus_use(tmp_path, announced, validity, on, to):
    import datetime as dt

    e = enterprise(name="洛阳日期机械有限公司")
    report = import_list(tmp_path, [[1, e.name, e.uscc, "涧西区", "省级专精特新中小企业", "", announced, validity]])
    assert report.written, report.errors
    r = models.Recognition.objects.get()
    assert (r.announced_on, r.valid_to) == (dt.date.fromisoformat(on), dt.date.fromisoformat(to))


# --- a published list of names alone, with the list's tier and date -----------------------

def claims_now():
    return sorted((c.entitlement.enterprise.uscc, c.entitlement.item, c.entitlement.amount,
                   tuple(c.entitlement.parts().items()), c.entitlement.budget_year)
                  for c in __import__("zjtx.fulfilment.models", fromlist=["Claim"]).Claim.objects.select_related(
                      "entitlement__enterprise"))


def test_a_names_only_list_with_the_lists_tier_and_date_gives_the_claims_the_coded_list_gives(tmp_path):
    from django.db import transaction

    from .helpers import run

    # registered as 有限责任公司 with full-width brackets; the province prints 有限公司 and ( )
    ents = [enterprise(name=f"洛阳（{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{i}）精密制造有限责任公司",
                       home="410305" if i < 12 else "410323") for i in range(20)]
    published = [[i + 1, e.name.replace("有限责任公司", "有限公司").replace("（", "(").replace("）", ")"), "洛阳市"]
                 for i, e in enumerate(ents)]
    names_only = write_xlsx(tmp_path / "名单.xlsx", ["序号", "企业名称", "所属地区"], published,
                            title="河南省2024年度专精特新中小企业名单")
    with transaction.atomic():
        rc, out = run("recognitions", names_only, "--tier", "专精特新中小企业", "--date", "2024.12.20",
                      "--source", "豫工信企业〔2024〕123号")
        assert rc == 0, out
        run_scan()
        by_names = claims_now()
        assert models.Recognition.objects.filter(source_document="豫工信企业〔2024〕123号").count() == 20
        transaction.set_rollback(True)
    coded = [[i + 1, e.name, e.uscc, "洛阳市", "省级专精特新中小企业", "", "2024-12-20", ""] for i, e in enumerate(ents)]
    assert import_list(tmp_path, coded, name="带代码.xlsx").written
    run_scan()
    assert claims_now() == by_names and len(by_names) == 20


def test_a_list_without_tier_or_date_and_no_constant_is_refused_naming_the_columns(tmp_path):
    from .helpers import run

    e = enterprise(name="洛阳某机械有限公司")
    path = write_xlsx(tmp_path / "名单.xlsx", ["序号", "企业名称", "所属地区"], [[1, e.name, "洛阳市"]])
    rc, out = run("recognitions", path)
    assert rc != 0 and "缺少必填列：认定类型、认定时间" in "".join(out)
    rc, out = run("recognitions", path, "--tier", "瞪羚企业", "--date", "2024-12-20")
    assert rc != 0 and "整份名单的认定类型" in "".join(out)
