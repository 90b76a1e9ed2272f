"""Input of the fulfilment pages: parsing and types only. What a step needs (a
reason to reject, an unpaid part, the right person) is the services' to say."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from .models import PART_LABELS, PARTS, ClaimState, Payment
from .selectors import MONEY_ARTICLES, AuditFilters, ClaimFilters, LedgerFilters

YES_NO = [("", "全部"), ("1", "是"), ("0", "否")]


def _valid_part(form: forms.Form) -> dict:
    """The filter values that are valid: a bad one is dropped (and shown as an
    error), the others still apply."""
    form.is_valid()
    return form.cleaned_data


class ClaimFilterForm(forms.Form):
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *ClaimState.choices])
    article = forms.TypedChoiceField(label="条款", required=False, coerce=int, empty_value=None,
                                     choices=[("", "全部条款")] + [(n, f"第{n}条") for n in MONEY_ARTICLES])
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100, widget=forms.Select)
    flagged = forms.ChoiceField(label="待复核差异", required=False, choices=YES_NO)
    q = forms.CharField(label="企业名称或信用代码", required=False, max_length=100)
    mine = forms.BooleanField(label="只看待我处理", required=False)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.choices = [("", "全部年度")] + [(y, f"{y}年") for y in years]

    def filters(self) -> ClaimFilters:
        d = _valid_part(self)
        flagged = d.get("flagged")
        return ClaimFilters(state=d.get("state") or "", article=d.get("article"), year=d.get("year"),
                            flagged=None if not flagged else flagged == "1", search=d.get("q") or "",
                            mine=bool(d.get("mine")))


class ConfirmForm(forms.Form):
    bank_name = forms.CharField(label="开户银行", max_length=100)
    bank_account = forms.RegexField(label="银行账号", max_length=40, regex=r"^[0-9 -]{6,40}$",
                                    error_messages={"invalid": "银行账号只能包含数字"})
    account_name = forms.CharField(label="账户名称", max_length=200)

    def clean_bank_account(self):
        return self.cleaned_data["bank_account"].replace(" ", "").replace("-", "")


class ReviewForm(forms.Form):
    DECISIONS = [("approve", "审核通过"), ("return", "退回补正"), ("reject", "驳回")]
    decision = forms.ChoiceField(label="审核意见", choices=DECISIONS)
    comment = forms.CharField(label="意见说明", required=False, max_length=1000, widget=forms.Textarea(
        attrs={"rows": 3, "placeholder": "退回或驳回必须填写理由"}))


class PaymentForm(forms.Form):
    part = forms.ChoiceField(label="承担层级", choices=[(p, PART_LABELS[p]) for p in PARTS])
    paid_on = forms.DateField(label="拨付日期", widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label="凭证号", max_length=60)

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("拨付日期不能晚于今天")
        return day


class ReverseForm(forms.Form):
    payment = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="冲正原因", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.TypedChoiceField(label="处理", choices=[("1", "采纳"), ("0", "不予采纳")],
                                    coerce=lambda v: v == "1")
    comment = forms.CharField(label="说明", required=False, max_length=1000)


class LedgerFilterForm(forms.Form):
    year = forms.IntegerField(label="预算年度", required=False, min_value=2000, max_value=2100, widget=forms.Select)
    part = forms.ChoiceField(label="承担层级", required=False,
                             choices=[("", "全部层级")] + [(p, PART_LABELS[p]) for p in PARTS])
    payer = forms.ChoiceField(label="承担单位", required=False, choices=[])
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部"), *Payment.Kind.choices])

    def __init__(self, *args, years=(), payers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.choices = [("", "全部年度")] + [(y, f"{y}年") for y in years]
        self.fields["payer"].choices = [("", "全部单位"), *payers]

    def filters(self) -> LedgerFilters:
        d = _valid_part(self)
        return LedgerFilters(year=d.get("year"), part=d.get("part") or "", payer=d.get("payer") or "",
                             kind=d.get("kind") or "")


class AuditFilterForm(forms.Form):
    verb = forms.ChoiceField(label="事件", required=False, choices=[])
    since = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label="操作人（用户名）", required=False, max_length=150)
    claim = forms.IntegerField(label="申领编号", required=False, min_value=1)

    def __init__(self, *args, verbs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["verb"].choices = [("", "全部事件")] + [(v, VERB_LABELS.get(v, v)) for v in verbs]

    def clean(self):
        d = super().clean()
        if d.get("since") and d.get("until") and d["since"] > d["until"]:
            raise forms.ValidationError("起始日期不能晚于截止日期")
        return d

    def filters(self) -> AuditFilters:
        d = _valid_part(self)
        return AuditFilters(verb=d.get("verb") or "", since=d.get("since"), until=d.get("until"),
                            actor=(d.get("actor") or "").strip(), claim=d.get("claim"))


VERB_LABELS = {
    "entitlement_found": "发现应享奖励",
    "claim_confirmed": "确认意愿",
    "claim_approve": "审核通过",
    "claim_return": "退回补正",
    "claim_reject": "驳回",
    "payment_recorded": "拨付",
    "payment_reversed": "冲正",
    "revision_found": "扫描发现差异",
    "revision_resolved": "处理差异",
    "scan_run": "免申即享扫描",
    "application_submitted": "提交申请",
    "application_accepted": "申请采纳",
    "application_rejected": "申请驳回",
    "policy_changed": "修改政策参数或解读",
}
