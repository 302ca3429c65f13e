"""The views' shared helpers (projects/view_helpers.py): a service's refusal shown on a form."""

from django import forms
from django.core.exceptions import ValidationError

from projects.view_helpers import apply_errors


class _Form(forms.Form):
    name = forms.CharField()


def test_refusal_naming_a_field_is_shown_beside_it_and_the_rest_above() -> None:
    """A field the form has gets its message; one it lacks goes to the form's own errors."""
    form = _Form({"name": "x"})
    assert form.is_valid()
    apply_errors(form, ValidationError({"name": "太长", "households": "户数不符"}))
    assert form.errors["name"] == ["太长"]
    assert form.non_field_errors() == ["户数不符"]


def test_refusal_without_fields_is_shown_above_the_form() -> None:
    """A plain refusal becomes a non-field error."""
    form = _Form({"name": "x"})
    assert form.is_valid()
    apply_errors(form, ValidationError(["一", "二"]))
    assert form.non_field_errors() == ["一", "二"]
    assert "name" not in form.errors
