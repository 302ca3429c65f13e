"""The form of a facility the residents most want (居民意愿), and the facilities it suggests. It
collects the input of paperwork.services.wishes."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy

from projects.choices import LIST_FIELDS

# The facilities offered as suggestions: the renovation contents, so a wish and the contents that
# meet it are spelled alike (the check compares the names).
FACILITY_SUGGESTIONS: tuple[str, ...] = LIST_FIELDS["contents"]


class ResidentWishForm(forms.Form):
    """A facility residents asked for (typed, or picked from the renovation contents) and the
    number of households asking."""

    facility = forms.CharField(
        label=gettext_lazy("设施"),
        max_length=50,
        widget=forms.TextInput(attrs={"list": "facility-suggestions", "autocomplete": "off"}),
        help_text=gettext_lazy("与改造内容的名称一致，才能判断是否已列入"),
    )
    households = forms.IntegerField(label=gettext_lazy("提出户数"), min_value=1)

    def __init__(self, *args: Any, submit: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("facility", css_class="col-sm-7"),
                Column("households", css_class="col-sm-5"),
            ),
            Submit("save_wish", submit or gettext_lazy("保存"), css_class="btn-primary"),
        )
