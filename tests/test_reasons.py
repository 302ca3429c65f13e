"""The rules' messages are codes with parameters, worded in one place (projects/reasons.py): an English
page shows the rules' reasons in English, a Chinese page in Chinese, with the same figures."""

import pickle
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from projects.choices import Role
from projects.models import Unit, User
from projects.reasons import REASONS
from projects.rules.project_checks import Funding, funding_problems
from tests.factories import ProjectFactory

PLACEHOLDER = re.compile(r"%\((\w+)\)")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("programme")]


def detail(language: str) -> str:
    """The detail page of a project of 驿城区 (10 households, none recorded, nothing dated, its
    sources 1 万元 short of its estimate) as a clerk of the unit reads it in ``language``."""
    unit = Unit.objects.get(name="驿城区")
    clerk = User.objects.create_user("411702-clerk", password="x", role=Role.CLERK, unit=unit)
    project = ProjectFactory(unit=unit, name="幸福小区", households=10, investment=Decimal(5))
    client = Client()
    client.force_login(clerk)
    response = client.get(
        reverse("project_detail", args=[project.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    return response.content.decode()


def test_english_project_page_shows_english_reasons() -> None:
    """With Accept-Language: en the criteria's reasons and the funding warning are English: 0 of 10
    households agree, 80 % needs 8; the sources add up to 0.0000, not 5.0000 (money has four places)."""
    page = detail("en")
    for english in (
        "0 households agree, short of 80% (8 needed)",
        "No date of posting the design",
        "No date of the contractor coming on site",
        "The funding sources add up to 0.0000 (10k yuan), not the estimate of 5.0000 (10k yuan)",
    ):
        assert english in page, english
    assert "未填写设计公示日期" not in page and "同意户数 0 户" not in page


def test_chinese_project_page_shows_the_same_reasons_in_chinese() -> None:
    """By default the same reasons read in Chinese, worded as before the codes."""
    page = detail("zh-hans")
    assert "同意户数 0 户，未达 80%（需 8 户）" in page
    assert "未填写设计公示日期" in page
    assert "各资金来源合计 0.0000 万元与资金概算 5.0000 万元不一致" in page


def test_a_message_keeps_its_code_and_parameters_and_is_its_text() -> None:
    """A rule's message is its text in the language active when the rule ran, and keeps its code
    and parameters; pickled, it stays the text it was."""
    with translation.override("en"):
        (problem,) = funding_problems(
            unit="西平县",
            funding=Funding(total=Decimal(1), city=Decimal(1)),
            subsidised_units=("驿城区", "经济开发区"),
        )
    assert problem.code == "checks.city_subsidy_outside"
    assert problem.params == {"units": "驿城区、经济开发区", "unit": "西平县"}
    assert problem.startswith("The city subsidy goes only to projects of 驿城区、经济开发区;")
    assert pickle.loads(pickle.dumps(problem)) == str(problem)  # noqa: S301 (our own bytes)


def test_every_code_is_worded_in_english_with_its_placeholders() -> None:
    """Every code of the wording table has an English text, other than its Chinese one, taking the
    same parameters."""
    for code, text in REASONS.items():
        with translation.override("zh-hans"):
            chinese = str(text)
        with translation.override("en"):
            english = str(text)
        assert english != chinese, code
        assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(chinese)), code


def test_target_and_record_rules_speak_in_codes_worded_in_each_language() -> None:
    """The target rule's refusal (a completion target of 3362 for 4804 new starts: 70 % is 3362.8,
    rounded half up 3363) and a receipt check carry codes and figures, and read English under en."""
    from projects.rules.records import receipt_amount_problem
    from projects.rules.targets import completion_target

    with translation.override("en"):
        refused = completion_target(new_starts=4804, completions=3362, completion_percent=70)
        amount = receipt_amount_problem(Decimal("0.00001"))
    assert refused.message.code == "targets.completions_below_share"
    assert refused.message.params["least"] == 3363
    assert "3363" in refused.message and "cannot be less than" in refused.message
    assert amount is not None and amount.code == "records.amount_too_precise"
    assert "4 decimals" in amount
    with translation.override("zh-hans"):
        chinese = completion_target(new_starts=4804, completions=3362, completion_percent=70)
    assert chinese.message == (
        "完成改造目标 3362 户低于新开工 4804 户的 70%（四舍五入为 3363 户），不能少于 3363 户"
    )
