"""The three application forms: types, choices and required fields. Whether the
fact can enter the registry (a known investee, a positive amount, a date not in
the future, no duplicate, acceptable files) is services.registry_row's to say,
so that every way in is checked alike."""

from __future__ import annotations

from django import forms

from zjtx.registry.models import Investment, ListingMilestone, PlatformRecognition

from . import evidence
from .models import Application

DATE = forms.DateInput(attrs={"type": "date"})
DATE_ERRORS = {"invalid": "请输入有效的日期，如 2024-05-10"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; the limits are checked by evidence.file_errors."""

    widget = MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        return [super(EvidenceField, self).clean(f, initial) for f in files]


class _ApplicationForm(forms.Form):
    files = EvidenceField(label="证明材料", required=False,
                          help_text=f"PDF、JPG 或 PNG，每个不超过 10 MB，最多 {evidence.MAX_FILES} 个")

    application_kind: str

    def facts(self) -> dict:
        """The fact as the service takes it: every field but the files."""
        return {k: v for k, v in self.cleaned_data.items() if k != "files"}


class InvestmentForm(_ApplicationForm):
    application_kind = Application.Kind.INVESTMENT
    vehicle = forms.ChoiceField(label="投资方式", choices=Investment.Vehicle.choices,
                                initial=Investment.Vehicle.DIRECT,
                                help_text="出资设立基金不属于第6条奖励范围（原文“不包括投资设立基金”），如实申报即可")
    target_uscc = forms.CharField(label="被投资企业（或设立的基金）统一社会信用代码", max_length=30)
    round = forms.CharField(label="投资轮次", max_length=50, help_text="如：天使轮、A轮、Pre-IPO")
    tranche = forms.IntegerField(label="分期", min_value=1, max_value=99, initial=1,
                                 help_text="同一轮次分期实缴的，每期分别申报")
    paid_in = forms.DecimalField(label="实缴金额（元）", max_digits=16, decimal_places=2,
                                 error_messages={"invalid": "请输入金额（元），最多两位小数"})
    paid_in_date = forms.DateField(label="实缴日期", widget=DATE, error_messages=DATE_ERRORS)
    field_order = ["target_uscc", "vehicle", "round", "tranche", "paid_in", "paid_in_date", "files"]


class PlatformForm(_ApplicationForm):
    application_kind = Application.Kind.PLATFORM
    platform_name = forms.CharField(label="平台（基地）名称", max_length=200)
    honour = forms.ChoiceField(label="荣誉", choices=PlatformRecognition.Honour.choices)
    level = forms.ChoiceField(label="层级", choices=PlatformRecognition.Level.choices)
    kind = forms.ChoiceField(label="认定方式", choices=PlatformRecognition.Kind.choices)
    recognized_on = forms.DateField(label="认定日期", widget=DATE, error_messages=DATE_ERRORS)
    field_order = ["platform_name", "honour", "level", "kind", "recognized_on", "files"]


class ListingForm(_ApplicationForm):
    application_kind = Application.Kind.LISTING
    kind = forms.ChoiceField(label="类型", choices=ListingMilestone.Kind.choices)
    date = forms.DateField(label="日期", widget=DATE, error_messages=DATE_ERRORS,
                           help_text="辅导验收、审核通过、批复、上市、挂牌或调层的日期")
    path = forms.ChoiceField(label="上市路径", required=False,
                             choices=[("", "—"), *ListingMilestone.Path.choices])
    node = forms.ChoiceField(label="上市节点", required=False,
                             choices=[("", "—"), *ListingMilestone.Node.choices])
    exchange = forms.CharField(label="交易所", required=False, max_length=50,
                               help_text="如：深圳证券交易所、香港联合交易所")
    action = forms.ChoiceField(label="新三板事项", required=False,
                               choices=[("", "—"), *ListingMilestone.Action.choices])
    market = forms.CharField(label="区域性股权市场", required=False, max_length=50, initial="中原股权交易中心")
    board = forms.ChoiceField(label="四板板块", required=False,
                              choices=[("", "—"), *ListingMilestone.Board.choices])
    field_order = ["kind", "date", "path", "node", "exchange", "action", "market", "board", "files"]


FORM_OF_KIND = {f.application_kind: f for f in (InvestmentForm, PlatformForm, ListingForm)}


def describe(app: Application) -> list[tuple[str, str]]:
    """The application's facts as (label, value) in the form's order and words."""
    form = FORM_OF_KIND[app.kind]()
    rows = []
    for name, field in form.fields.items():
        if name == "files" or app.data.get(name) in ("", None):
            continue
        value = app.data[name]
        if isinstance(field, forms.ChoiceField):
            value = dict(field.choices).get(value, value)
        rows.append((field.label, str(value)))
    return rows


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "采纳"), ("reject", "不予采纳")])
    comment = forms.CharField(label="审核意见", required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3, "placeholder": "不予采纳必须填写理由"}))
