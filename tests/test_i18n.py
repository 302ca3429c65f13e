"""English through Django's i18n: the en catalogue, language negotiation and the language switcher."""

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from projects.choices import Criterion, Opinion, ProjectKind, Role
from projects.models import Household, Project, Unit, User

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

# Sources whose gettext strings the catalogue must cover (the files makemessages collects from):
# every page template of the portal, reporting and paperwork apps, the error pages, and the Python
# modules that mark strings.
SOURCES = [
    "projects/choices.py",
    "projects/models.py",
    "projects/milestone_names.py",
    "projects/forms.py",
    "projects/views.py",
    "projects/view_helpers.py",
    "projects/spreadsheet_views.py",
    "projects/views_notifications.py",
    "projects/uploads.py",
    "projects/worklist.py",
    "projects/passwords.py",
    "projects/templatetags/portal.py",
    "projects/records.py",
    "projects/reasons.py",
    "projects/views_records.py",
    "projects/jobs.py",
    "projects/import_jobs.py",
    "projects/views_jobs.py",
    "reporting/models.py",
    "reporting/views.py",
    "reporting/overview_page.py",
    "reporting/report_views.py",
    "reporting/target_views.py",
    "reporting/targets.py",
    "reporting/plan_years.py",
    "reporting/plan_year_views.py",
    "reporting/plan_year_forms.py",
    "reporting/residents.py",
    "reporting/worklist.py",
    "reporting/notice_views.py",
    "reporting/rollover_views.py",
    "reporting/jobs.py",
    "paperwork/models.py",
    "paperwork/selectors/plans.py",
    "paperwork/services/inspections.py",
    "paperwork/services/wishes.py",
    "paperwork/services/work_info.py",
    "paperwork/forms/adjustments.py",
    "paperwork/forms/inspections.py",
    "paperwork/forms/plans.py",
    "paperwork/forms/wishes.py",
    "paperwork/forms/work_info.py",
    "paperwork/views/plans.py",
    "paperwork/views/adjustments.py",
    "paperwork/views/inspections.py",
    "paperwork/views/work_info.py",
    "paperwork/worklist.py",
    "zmd_renovation/settings/base.py",
    "templates/base.html",
    "templates/404.html",
    "templates/403.html",
    "templates/registration/login.html",
    "templates/registration/locked_out.html",
    *sorted(
        path.relative_to(settings.BASE_DIR).as_posix()
        for path in (Path(settings.BASE_DIR) / "projects" / "templates" / "projects").glob("*.html")
    ),
    *sorted(
        path.relative_to(settings.BASE_DIR).as_posix()
        for path in (Path(settings.BASE_DIR) / "reporting" / "templates" / "reporting").glob(
            "*.html"
        )
    ),
    *sorted(
        path.relative_to(settings.BASE_DIR).as_posix()
        for path in (Path(settings.BASE_DIR) / "paperwork" / "templates" / "paperwork").glob(
            "*.html"
        )
    ),
    # The tables Jinja2 draws: {{ _("…") }} is read like Python's _("…").
    *sorted(
        path.relative_to(settings.BASE_DIR).as_posix()
        for path in (Path(settings.BASE_DIR) / "reporting" / "jinja2" / "reporting").glob("*.html")
    ),
]
# _("…") and the gettext functions called by name (gettext_lazy("…") in form fields and labels).
PY_STRING = re.compile(
    r"""\b(?:_|gettext|gettext_lazy|gettext_noop)\(\s*"((?:[^"\\]|\\.)*)"\s*\)"""
)
TEMPLATE_STRING = re.compile(r"""{%\s*translate\s+"((?:[^"\\]|\\.)*)"(?:\s+context\s+"([^"]*)")?""")
# {% blocktranslate [with …|count …|context "…"] %}singular[{% plural %}plural]{% endblocktranslate %}
BLOCK_STRING = re.compile(
    r"{%\s*blocktranslate\b(?P<options>.*?)%}(?P<body>.*?){%\s*endblocktranslate\s*%}", re.S
)
BLOCK_CONTEXT = re.compile(r'\bcontext\s+"([^"]*)"')
BLOCK_PLURAL = re.compile(r"{%\s*plural\s*%}")
BLOCK_VARIABLE = re.compile(r"{{\s*(\w+)\s*}}")
PO_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unquote(parts: list[str]) -> str:
    """The text of a (possibly multi-line) quoted .po string."""
    body = "".join(part.strip()[1:-1] for part in parts)
    return re.sub(r"\\(.)", lambda m: PO_ESCAPES[m.group(1)], body)


@dataclass
class Entry:
    msgctxt: str | None
    msgid: str
    msgstr: str
    flags: list[str] = field(default_factory=list)
    msgid_plural: str | None = None
    plural_forms: list[str] = field(default_factory=list)  # msgstr[0], msgstr[1], …

    @property
    def key(self) -> str:
        """The key of the entry in a compiled catalogue (context and id joined by EOT)."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def translations(self) -> list[str]:
        """Every msgstr of the entry: the plural forms of a plural entry, else the one msgstr."""
        return self.plural_forms if self.msgid_plural is not None else [self.msgstr]

    def compiled(self) -> dict[str | tuple[str, int], str]:
        """The entry as msgfmt compiles it: plural forms are keyed (key, index)."""
        if self.msgid_plural is None:
            return {self.key: self.msgstr}
        return {(self.key, index): form for index, form in enumerate(self.plural_forms)}


def po_entries() -> list[Entry]:
    """The entries of the .po file (a small parser instead of a polib dependency)."""
    entries: list[Entry] = []
    text = PO_FILE.read_text(encoding="utf-8")
    for block in re.split(r"\n\s*\n", text.strip()):
        fields: dict[str, list[str]] = {}
        flags: list[str] = []
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#~"):
                current = None  # obsolete entries are ignored by msgfmt
            elif match := re.match(
                r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")$", line
            ):
                current = match.group(1)
                fields[current] = [match.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line)
        if "msgid" in fields:
            forms = [
                unquote(fields[f"msgstr[{n}]"])
                for n in range(len(fields))
                if f"msgstr[{n}]" in fields
            ]
            entries.append(
                Entry(
                    msgctxt=unquote(fields["msgctxt"]) if "msgctxt" in fields else None,
                    msgid=unquote(fields["msgid"]),
                    msgstr=unquote(fields.get("msgstr", ['""'])),
                    flags=flags,
                    msgid_plural=unquote(fields["msgid_plural"])
                    if "msgid_plural" in fields
                    else None,
                    plural_forms=forms,
                )
            )
    return entries


def translate_msgid(literal: str) -> str:
    """The msgid makemessages extracts from a {% translate "…" %} literal: % doubled (the tag looks
    it up doubled and restores single % signs in the output)."""
    return unquote([f'"{literal}"']).replace("%", "%%")


def block_msgid(options: str, body: str) -> str:
    """The msgid makemessages extracts from a blocktranslate body: % doubled, {{ x }} as %(x)s,
    whitespace around line breaks collapsed under ``trimmed``."""
    assert "|" not in body and "{%" not in body, f"unsupported blocktranslate body: {body!r}"
    if re.search(r"\btrimmed\b", options):
        body = translation.trim_whitespace(body)
    return BLOCK_VARIABLE.sub(r"%(\1)s", body.replace("%", "%%"))


def messages() -> list[Entry]:
    """The translatable entries (everything but the header)."""
    return [entry for entry in po_entries() if entry.msgid]


def test_model_names_and_choice_labels_are_english_under_en() -> None:
    """With English active, model and field verbose names and choice labels come out in English."""
    with translation.override("en"):
        assert Project._meta.verbose_name == "renovation project"
        assert Household._meta.verbose_name == "household"
        assert Unit._meta.verbose_name == "county-level unit"
        assert Project._meta.get_field("floor_area").verbose_name == "floor area (m²)"
        assert (
            Project._meta.get_field("investment").verbose_name == "estimated investment (10k yuan)"
        )
        assert Project._meta.get_field("management_mode").verbose_name == "property-management mode"
        assert Household._meta.get_field("head_name").verbose_name == "head of household"
        assert ProjectKind.NEW.label == "New start"
        assert ProjectKind.CARRYOVER.label == "Carry-over"
        assert Opinion.AGREE.label == "Agree"
        assert Role.CLERK.label == "County-level clerk"
        assert Role.CITY.label == "City renovation office"
        assert Criterion.DESIGN_POSTED.label == "Design publicly posted"
        assert dict(ProjectKind.choices) == {"new": "New start", "carryover": "Carry-over"}


def test_model_names_and_choice_labels_are_chinese_by_default() -> None:
    """Without an override the interface language is zh-hans and the labels stay Chinese."""
    assert translation.get_language() == "zh-hans"
    assert Project._meta.verbose_name == "改造项目"
    assert Project._meta.get_field("floor_area").verbose_name == "建筑面积（㎡）"
    assert ProjectKind.NEW.label == "新开工"
    assert Role.CITY.label == "市老旧办"
    with translation.override("en"), translation.override("zh-hans"):
        assert Criterion.DESIGN_POSTED.label == "设计公示"


def test_login_page_is_english_for_an_english_browser(client: Client) -> None:
    """Accept-Language: en gets the login page, its layout and Django's form labels in English."""
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert "<title>Log in · Zhumadian Old Residential Community Renovation Portal</title>" in html
    assert "Users of county-level units log in as" in html
    assert "Username" in html and "Password" in html
    assert "Language" in html and "Switch" in html
    for chinese in ("登录", "驻马店市", "区划代码", "语言", "切换"):
        assert chinese not in html


@pytest.mark.parametrize("accept_language", [None, "zh-CN,zh;q=0.9", "fr-FR,fr;q=0.9"])
def test_login_page_is_chinese_otherwise(client: Client, accept_language: str | None) -> None:
    """A Chinese, unsupported or absent Accept-Language gets the Chinese login page."""
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    html = client.get(reverse("login"), **headers).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<title>登录 · 驻马店市城镇老旧小区改造信息平台</title>" in html
    assert "Log in" not in html


def test_layout_has_a_language_switcher(client: Client) -> None:
    """The footer posts to set_language with a CSRF token, the page to return to and both languages."""
    html = client.get(reverse("login")).content.decode()
    form = re.search(
        rf'<form method="post" action="{reverse("set_language")}".*?</form>', html, re.S
    )
    assert form is not None
    switcher = form.group(0)
    assert "csrfmiddlewaretoken" in switcher
    assert f'name="next" value="{reverse("login")}"' in switcher
    assert '<option value="zh-hans" selected lang="zh-hans">简体中文</option>' in switcher
    assert '<option value="en" lang="en">English</option>' in switcher


def test_set_language_switches_to_english_and_back(client: Client) -> None:
    """Posting to set_language stores the choice in the language cookie, which later pages follow."""
    login = reverse("login")
    response = client.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302
    assert response["Location"] == login
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(login).content.decode()
    assert '<html lang="en">' in html and "Log in" in html
    assert '<option value="en" selected lang="en">English</option>' in html

    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": login})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    html = client.get(login).content.decode()
    assert '<html lang="zh-hans">' in html and "登录" in html and "Log in" not in html


def test_set_language_to_an_unlisted_language_keeps_chinese(client: Client) -> None:
    """A language outside LANGUAGES (Django ships French, the portal does not offer it) leaves the page Chinese."""
    client.post(reverse("set_language"), {"language": "fr", "next": reverse("login")})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in html and "登录" in html


def test_navbar_is_english_for_a_signed_in_user(client: Client, programme: None) -> None:
    """A signed-in clerk who chose English sees the navbar, role and logout button in English."""
    clerk = User.objects.create_user(
        "411702-clerk", password="x", role=Role.CLERK, unit=Unit.objects.get(name="驿城区")
    )
    client.force_login(clerk)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    html = client.get(reverse("home")).content.decode()
    assert ">My unit</a>" in html and ">Projects</a>" in html
    assert "(County-level clerk)" in html
    assert ">Log out</button>" in html


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    """Every msgid of the English catalogue has a non-empty msgstr, and no entry (header included) is fuzzy."""
    entries = po_entries()
    assert entries and entries[0].msgid == ""
    assert "Language: en\n" in entries[0].msgstr
    assert len(messages()) > 100
    assert not [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    assert not [
        entry.msgid
        for entry in messages()
        if not entry.translations or not all(text.strip() for text in entry.translations)
    ]
    # English has two plural forms (Plural-Forms: nplurals=2): singular and plural.
    assert all(len(entry.plural_forms) == 2 for entry in messages() if entry.msgid_plural)
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for entry in messages():
        if "python-format" in entry.flags:
            sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
            for source, text in zip(sources, entry.translations, strict=True):
                assert sorted(placeholder.findall(source)) == sorted(placeholder.findall(text)), (
                    entry.msgid
                )


def test_catalogue_covers_every_gettext_string_of_the_sources() -> None:
    """Every _("…") of the Python sources and {% translate %} and {% blocktranslate %} (with its
    plural) of the templates has a .po entry."""
    known = {(entry.msgctxt, entry.msgid) for entry in messages()}
    plurals = {(entry.msgctxt, entry.msgid): entry.msgid_plural for entry in messages()}
    wanted: set[tuple[str | None, str]] = set()
    for source in SOURCES:
        text = (Path(settings.BASE_DIR) / source).read_text(encoding="utf-8")
        if source.endswith(".py") or "/jinja2/" in source:
            # Jinja2's {{ _("…") }} reads like Python's _("…").
            wanted |= {(None, unquote([f'"{s}"'])) for s in PY_STRING.findall(text)}
            # Template snippets held in Python strings (crispy HTML()) are not extracted by
            # makemessages; their {% translate %} strings are kept in the .po by hand.
            wanted |= {
                (ctx or None, translate_msgid(s)) for s, ctx in TEMPLATE_STRING.findall(text)
            }
        else:
            wanted |= {
                (ctx or None, translate_msgid(s)) for s, ctx in TEMPLATE_STRING.findall(text)
            }
            for block in BLOCK_STRING.finditer(text):
                context = BLOCK_CONTEXT.search(block["options"])
                forms = [
                    block_msgid(block["options"], f) for f in BLOCK_PLURAL.split(block["body"])
                ]
                wanted.add(entry := (context.group(1) if context else None, forms[0]))
                if len(forms) == 2 and entry in known:
                    assert plurals[entry] == forms[1], forms
    assert len(wanted) > 200
    assert not wanted - known


MARKS_STRINGS = re.compile(
    r"from django\.utils\.translation import (?:\([^)]*|[^\n]*)\b(?:n|p|np)?gettext"
)


def test_sources_list_every_python_module_that_marks_strings() -> None:
    """Every module of the apps and settings that imports a gettext function is in SOURCES, so a new
    module's strings cannot slip past the coverage test above."""
    base = Path(settings.BASE_DIR)
    marking = {
        path.relative_to(base).as_posix()
        for package in ("projects", "reporting", "paperwork", "zmd_renovation")
        for path in (base / package).rglob("*.py")
        if "migrations" not in path.parts and MARKS_STRINGS.search(path.read_text(encoding="utf-8"))
    }
    assert "reporting/report_views.py" in marking
    assert "paperwork/views/plans.py" in marking
    missing = sorted(marking - set(SOURCES))
    assert not missing


def test_compiled_catalogue_is_up_to_date_with_the_po() -> None:
    """The committed .mo exists and holds exactly the .po's translations (so it was recompiled)."""
    assert MO_FILE.exists()
    with MO_FILE.open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    compiled = {key: value for key, value in catalogue.items() if key}  # "" is the header
    assert compiled == {key: text for entry in messages() for key, text in entry.compiled().items()}


CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef“”]+")


def main_of(html: str) -> str:
    """The page's <main> element (the navbar and footer left out)."""
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match is not None
    return match.group(0)


def test_unit_home_and_project_list_in_english_for_a_clerk(client: Client, programme: None) -> None:
    """A clerk who chose English gets the unit home and the project list in English; the only
    Chinese left in the unit home's <main> is data (the unit's name)."""
    from tests.factories import ProjectFactory

    unit = Unit.objects.get(name="驿城区")
    clerk = User.objects.create_user("411702-clerk", password="x", role=Role.CLERK, unit=unit)
    ProjectFactory(unit=unit, name="幸福小区", kind=ProjectKind.NEW)
    ProjectFactory(unit=unit, name="和平小区", kind=ProjectKind.CARRYOVER)
    client.force_login(clerk)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})

    home = main_of(client.get(reverse("home"), {"as_of": "2022-06-30"}).content.decode())
    for english in (
        "驿城区: renovation tasks of the 2022 plan year",
        "New-start target",
        "Milestones (as of June 30, 2022)",
        "Projects holding back the milestones",
        "1 new-start project not yet started",
        "Carry-over projects not yet completed: 1",
        "Project warnings",
        "All projects (2)",
        ">New project</a>",
    ):
        assert english in home, english
    for chinese in ("新建项目", "阶段任务", "影响阶段任务的项目", "新开工目标", "户", "截至"):
        assert chinese not in home, chinese
    assert set(CJK_RUN.findall(home)) == {"驿城区"}

    projects = main_of(client.get(reverse("project_list")).content.decode())
    for english in (
        "Renovation projects of the 2022 plan year",
        ">New project</a>",
        "All types",
        "Unmet start-of-work criteria",
        ">Filter</button>",
        "2 projects",
        "Households agreeing",
        ">Not started</span>",
        ">Carry-over under way</span>",
    ):
        assert english in projects, english
    for chinese in ("新建项目", "筛选", "全部类型", "同意户数", "个项目", "续建在建", "类型"):
        assert chinese not in projects, chinese


def test_home_page_in_english(client: Client, programme: None) -> None:
    """With English chosen the city office's overview (its home) has English headings, statuses
    and dates; the charts' fixed captions inside <svg> are Chinese by design and left out."""
    from projects.choices import Role
    from projects.models import Unit, User

    user = User.objects.create_user("c", password="x", role=Role.CITY, unit=Unit.objects.first())
    client.force_login(user)
    html = client.get("/city/", {"as_of": "2022-06-30"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "City total" in html
    assert "Renovation progress of the 2022 plan year (as of June 30, 2022)" in html
    assert ">Missed<" in html and ">No target<" in html
    assert "June 30, 2022" in html
    outside_charts = re.sub(r"<svg\b.*?</svg>", "", html, flags=re.S)
    assert "<svg" not in outside_charts
    assert "已完成" not in outside_charts and "截至日期" not in outside_charts


def test_status_labels_match_the_rules() -> None:
    """The pages' status labels are the rules' Chinese labels, value for value."""
    from projects.choices import MilestoneStatusChoice
    from projects.rules.milestones import STATUS_LABELS

    with translation.override("zh-hans"):
        assert {s.value: str(s.label) for s in MilestoneStatusChoice} == {
            k.value: v for k, v in STATUS_LABELS.items()
        }
