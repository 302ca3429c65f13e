"""Operations: JSON log lines, the request log (no query strings, no residents' data), the health
endpoint, and the log line of every report state change."""

import json
import logging
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from projects.choices import Role
from projects.models import PlanYear, Unit, User
from reporting import reports
from tests.factories import HouseholdFactory, ProjectFactory, UserFactory
from tests.pdf import minimal_pdf
from zmd_renovation.logging import JsonFormatter
from zmd_renovation.middleware import RequestLogMiddleware

pytestmark = pytest.mark.django_db


def record(message: str = "hello", exc_info: Any = None, **extra: Any) -> logging.LogRecord:
    return logging.getLogger("zmd.test").makeRecord(
        "zmd.test", logging.INFO, __file__, 1, message, (), exc_info, extra=extra
    )


@pytest.fixture
def json_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record of every logger, formatted by JsonFormatter as the servers write them."""
    caplog.set_level(logging.DEBUG)
    caplog.handler.setFormatter(JsonFormatter())
    yield caplog


def lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict[str, Any]]:
    parsed = [json.loads(line) for line in caplog.text.splitlines() if line]
    return [line for line in parsed if line["logger"] == logger]


@pytest.fixture
def clerk(programme: None) -> User:
    return UserFactory(role=Role.CLERK, unit=Unit.objects.get(name="驿城区"))


# --- the formatter ------------------------------------------------------------------------------


def test_formatter_writes_one_json_object_with_the_extra_fields() -> None:
    """Time (Shanghai, with offset), level, logger, message and each extra field; Chinese unescaped."""
    line = JsonFormatter().format(record("月报已审核", unit="驿城区", count=3, ok=True, none=None))
    assert "\n" not in line and "月报已审核" in line and "驿城区" in line
    data = json.loads(line)
    assert {k: data[k] for k in ("level", "logger", "message")} == {
        "level": "INFO",
        "logger": "zmd.test",
        "message": "月报已审核",
    }
    assert (data["unit"], data["count"], data["ok"], data["none"]) == ("驿城区", 3, True, None)
    assert datetime.fromisoformat(data["time"]).utcoffset().total_seconds() == 8 * 3600
    assert not {"args", "msg", "levelno", "pathname", "lineno", "created", "thread"} & set(data)


def test_formatter_writes_values_json_cannot_hold_as_text() -> None:
    """Decimals, dates, sets and arbitrary objects become their text; NaN and circular data too."""
    looped: list[Any] = []
    looped.append(looped)
    data = json.loads(
        JsonFormatter().format(record(amount=Decimal("1.50"), when=datetime(2022, 6, 30), tags={1}))
    )
    assert (data["amount"], data["when"], data["tags"]) == ("1.50", "2022-06-30 00:00:00", "{1}")
    data = json.loads(JsonFormatter().format(record(ratio=float("nan"), looped=looped)))
    assert (data["ratio"], data["looped"]) == ("nan", "[[...]]")


def test_formatter_writes_the_exception_as_text() -> None:
    """An exception's traceback goes under "exc" as one string."""
    try:
        raise ValueError("坏数据")
    except ValueError:
        line = JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    exc = json.loads(line)["exc"]
    assert exc.startswith("Traceback") and "ValueError: 坏数据" in exc


def test_formatter_writes_a_request_without_its_query_string() -> None:
    """Django's loggers pass the request in extra; only its method and path are written."""
    request = RequestFactory().get("/projects/", {"q": "张三"})
    line = JsonFormatter().format(record("Not Found", request=request, status_code=404))
    assert json.loads(line)["request"] == "GET /projects/" and "张三" not in line


# --- the request log ----------------------------------------------------------------------------


def test_request_log_has_the_path_without_the_search_terms(
    client: Client, clerk: User, json_log: pytest.LogCaptureFixture
) -> None:
    """A clerk's search for a resident logs path /projects/ with user, role and unit; the search
    term appears nowhere in the log output."""
    HouseholdFactory(head_name="张三")
    client.force_login(clerk)
    json_log.clear()
    response = client.get("/projects/", {"q": "张三"})
    assert response.status_code == 200
    [line] = lines(json_log, "zmd.request")
    assert {k: v for k, v in line.items() if k not in ("time", "duration_ms")} == {
        "level": "INFO",
        "logger": "zmd.request",
        "message": "request",
        "method": "GET",
        "path": "/projects/",
        "status": 200,
        "user_id": clerk.pk,
        "role": "clerk",
        "unit_id": clerk.unit_id,
        "remote_addr": "127.0.0.1",
    }
    assert isinstance(line["duration_ms"], int) and line["duration_ms"] >= 0
    assert "张三" not in json_log.text and "q=" not in json_log.text


def test_household_page_view_logs_no_name_or_phone(
    client: Client, clerk: User, json_log: pytest.LogCaptureFixture
) -> None:
    """Opening a household's page (which shows the name and phone) logs neither."""
    household = HouseholdFactory(head_name="李四海", phone="13912345678")
    client.force_login(clerk)
    json_log.clear()
    response = client.get(f"/households/{household.pk}/")
    assert response.status_code == 200 and "13912345678" in response.content.decode()
    [line] = lines(json_log, "zmd.request")
    assert (line["path"], line["status"]) == (f"/households/{household.pk}/", 200)
    assert "李四海" not in json_log.text and "13912345678" not in json_log.text


def test_anonymous_request_logs_no_user(client: Client, json_log: pytest.LogCaptureFixture) -> None:
    """A request by nobody logged in is logged with a null user, role and unit."""
    client.get("/accounts/login/")
    [line] = lines(json_log, "zmd.request")
    assert line["status"] == 200
    assert (line["user_id"], line["role"], line["unit_id"]) == (None, None, None)


def test_request_that_raises_is_logged_as_500_and_raised_again(
    json_log: pytest.LogCaptureFixture,
) -> None:
    """An exception escaping the view is logged with status 500 and still propagates."""

    def broken(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("boom")

    middleware = RequestLogMiddleware(broken)
    with pytest.raises(RuntimeError):
        middleware(RequestFactory().post("/projects/new/", {"name": "张三"}))
    [line] = lines(json_log, "zmd.request")
    assert (line["method"], line["path"], line["status"]) == ("POST", "/projects/new/", 500)
    assert "张三" not in json_log.text


# --- the health endpoint ------------------------------------------------------------------------


def test_health_answers_ok_without_login_or_session(
    client: Client, json_log: pytest.LogCaptureFixture
) -> None:
    """/healthz is public: 200 with JSON, never cached, no session cookie; its log line is marked."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies
    [line] = lines(json_log, "zmd.request")
    assert (line["path"], line["status"], line["health"]) == ("/healthz", 200, True)


def test_health_answers_503_when_the_database_fails(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database error gives 503 with "unavailable" and nothing of the error in the body."""
    secret = "could not connect to server at db.internal password=hunter2"

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(secret)

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    body = response.content.decode()
    assert "hunter2" not in body and "db.internal" not in body and "Traceback" not in body
    assert "no-store" in response["Cache-Control"]


# --- report state changes -----------------------------------------------------------------------


def stamp() -> SimpleUploadedFile:
    pdf = minimal_pdf()
    return SimpleUploadedFile("stamp.pdf", pdf, content_type="application/pdf")


def test_report_state_changes_are_logged_with_ids_and_not_the_notes(
    clerk: User,
    json_log: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """Open, write notes, submit, approve, return: one "report_state" line each with the report,
    unit, month, version, state and user, whether a reason was given, and no notes or reason text."""
    leader = UserFactory(role=Role.LEADER, unit=clerk.unit)
    city = UserFactory(role=Role.CITY, unit=None)
    plan_year = PlanYear.objects.get(year=2022)
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_open(plan_year=plan_year, unit=clerk.unit, month=6, user=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_save_draft(
            report=report, problems="张三家屋顶漏水", next_plan="联系李四", user=clerk
        )
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_submit(report=report, user=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_approve(report=report, stamp=stamp(), user=leader)
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_return(
            report=report, reason="开工户数与台账不符", wrong_figures=True, user=city
        )
    logged = [
        {k: v for k, v in line.items() if k not in ("time", "level", "logger")}
        for line in lines(json_log, "zmd.reports")
    ]
    common = {"message": "report_state", "report_id": report.pk, "unit_id": clerk.unit_id}
    common |= {"month": 6, "version": 1}
    assert logged == [
        common | {"state": "draft", "user_id": clerk.pk, "reason_present": False},
        common | {"state": "draft", "user_id": clerk.pk, "reason_present": False},
        common | {"state": "submitted", "user_id": clerk.pk, "reason_present": False},
        common | {"state": "approved", "user_id": leader.pk, "reason_present": False},
        common | {"state": "returned", "user_id": city.pk, "reason_present": True},
    ]
    for text in ("张三", "屋顶", "李四", "台账"):
        assert text not in json_log.text


def test_a_rolled_back_report_change_is_not_logged(
    clerk: User,
    json_log: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """A submission whose transaction rolls back leaves no "report_state" line: the log only says
    what the database kept."""
    plan_year = PlanYear.objects.get(year=2022)
    ProjectFactory()
    report = reports.report_open(plan_year=plan_year, unit=clerk.unit, month=6, user=clerk)
    json_log.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        reports.report_submit(report=report, user=clerk)
        raise RuntimeError("killed half-way")
    assert lines(json_log, "zmd.reports") == []
    report.refresh_from_db()
    assert report.state == "draft"


@pytest.mark.django_db
def test_each_database_connection_is_set_up_for_short_statements() -> None:
    """PostgreSQL compiles no statement just in time (the portal's take milliseconds; compiling the
    overview's tag count cost more than running it); SQLite writers queue for the lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone() == ("off",)
    else:
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
