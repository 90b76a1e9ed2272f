from django import forms


class PolicyChangeForm(forms.Form):
    kind = forms.ChoiceField(choices=[("parameter", "参数"), ("interpretation", "解读")], widget=forms.HiddenInput)
    key = forms.CharField(widget=forms.HiddenInput)
    value = forms.CharField(label="新值", max_length=60)
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}),
                                     error_messages={"invalid": "日期应写为 YYYY-MM-DD"})
    reason = forms.CharField(label="修改理由", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请说明修改理由"})
    # What the last preview showed (views.previewed): a save of anything else previews again.
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)
