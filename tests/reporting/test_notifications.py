"""Notifications fed by the report workflow (issue 14): who is told of each step, the e-mail copy,
the inbox page (own notifications only, mark read, mark all read) and the navbar's unread count."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import notifications
from projects.choices import NotificationKind, Role
from projects.models import Notification, PlanYear, Unit, User
from reporting import reports
from reporting.models import MonthlyReport, ReportFlag
from tests.factories import UserFactory
from tests.reporting.test_reports import stamp

pytestmark = pytest.mark.django_db

K = NotificationKind


@pytest.fixture
def people(programme: None) -> dict[str, User]:
    """驿城区: a clerk, a leader with an e-mail address and a second leader without; 西平县: a clerk
    and a leader; the city office: two users; an administrator."""
    yicheng, xiping = Unit.objects.get(name="驿城区"), Unit.objects.get(name="西平县")
    return {
        "clerk": UserFactory(username="clerk", role=Role.CLERK, unit=yicheng),
        "leader": UserFactory(
            username="leader", role=Role.LEADER, unit=yicheng, email="leader@example.com"
        ),
        "leader2": UserFactory(username="leader2", role=Role.LEADER, unit=yicheng),
        "other_clerk": UserFactory(username="other_clerk", role=Role.CLERK, unit=xiping),
        "other_leader": UserFactory(username="other_leader", role=Role.LEADER, unit=xiping),
        "city": UserFactory(username="city", role=Role.CITY, unit=None, email="city@example.com"),
        "city2": UserFactory(username="city2", role=Role.CITY, unit=None),
        "admin": User.objects.create_superuser("admin", password="Zmd-test-2022!"),
    }


def june(people: dict[str, User]) -> MonthlyReport:
    return reports.report_open(
        plan_year=PlanYear.objects.get(year=2022),
        unit=people["clerk"].unit,
        month=6,
        user=people["clerk"],
    )


def told(since: int = 0) -> set[tuple[str, str]]:
    """(username, kind) of the notifications written after id ``since``."""
    return {
        (n.recipient.username, n.kind)
        for n in Notification.objects.filter(pk__gt=since).select_related("recipient")
    }


def last_id() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def submitted(people: dict[str, User]) -> MonthlyReport:
    return reports.report_submit(report=june(people), user=people["clerk"])


def approved(people: dict[str, User]) -> MonthlyReport:
    return reports.report_approve(report=submitted(people), stamp=stamp(), user=people["leader"])


# Each step from the state the setup leaves, and who is told (worked out from the list,
# the person acting left out).
STEPS: dict[
    str, tuple[Callable[[dict[str, User]], Any], Callable[..., Any], set[tuple[str, str]]]
] = {
    "submit → the unit's leaders": (
        june,
        lambda r, p: reports.report_submit(report=r, user=p["clerk"]),
        {("leader", K.REPORT_SUBMITTED), ("leader2", K.REPORT_SUBMITTED)},
    ),
    "approve → the city office": (
        submitted,
        lambda r, p: reports.report_approve(report=r, stamp=stamp(), user=p["leader"]),
        {("city", K.REPORT_APPROVED), ("city2", K.REPORT_APPROVED)},
    ),
    "send back → the clerk and the other leader": (
        submitted,
        lambda r, p: reports.report_send_back(report=r, reason="问题栏未填", user=p["leader"]),
        {("clerk", K.REPORT_SENT_BACK), ("leader2", K.REPORT_SENT_BACK)},
    ),
    "withdraw → the unit's clerk, to submit again": (
        approved,
        lambda r, p: reports.report_withdraw(report=r, reason="开工日期填错", user=p["leader"]),
        {("clerk", K.REPORT_SENT_BACK)},
    ),
    "receive → the unit's clerk and leaders": (
        approved,
        lambda r, p: reports.report_receive(report=r, user=p["city"]),
        {
            ("clerk", K.REPORT_RECEIVED),
            ("leader", K.REPORT_RECEIVED),
            ("leader2", K.REPORT_RECEIVED),
        },
    ),
    "return → the unit's clerk and leaders": (
        approved,
        lambda r, p: reports.report_return(
            report=r, reason="开工户数与台账不符", wrong_figures=True, user=p["city"]
        ),
        {
            ("clerk", K.REPORT_RETURNED),
            ("leader", K.REPORT_RETURNED),
            ("leader2", K.REPORT_RETURNED),
        },
    ),
}


@pytest.mark.parametrize("step", sorted(STEPS))
def test_each_step_tells_exactly_these_people(step: str, people: dict[str, User]) -> None:
    """Each workflow step writes one notification to each person the issue names, none to 西平县,
    to the other role or to the person acting."""
    setup, act, expected = STEPS[step]
    report = setup(people)
    before = last_id()
    act(report, people)
    assert told(before) == expected


def test_notification_names_the_report_and_links_to_its_month(people: dict[str, User]) -> None:
    """The leader's notification of June's submission names the unit, month and version and links
    to the month's page; the return's notification carries its reason and says 错报."""
    report = submitted(people)
    note = Notification.objects.get(recipient=people["leader"])
    assert note.text.startswith("驿城区2022年6月信息月报（第1版）已由clerk提交")
    assert note.link == reverse(
        "reporting:report_month", kwargs={"unit_id": report.unit_id, "month": 6}
    )
    assert note.read_at is None
    report = reports.report_approve(report=report, stamp=stamp(), user=people["leader"])
    reports.report_return(
        report=report, reason="开工户数不符", wrong_figures=True, user=people["city"]
    )
    returned = Notification.objects.get(recipient=people["clerk"], kind=K.REPORT_RETURNED)
    assert "计为错报" in returned.text and returned.text.endswith("原因：开工户数不符")


def unread(user: User) -> set[str]:
    """The kinds of a user's unread notifications."""
    return set(
        Notification.objects.filter(recipient=user, read_at__isnull=True).values_list(
            "kind", flat=True
        )
    )


def test_withdrawing_an_approval_clears_the_citys_request_to_receive(
    people: dict[str, User],
) -> None:
    """After the leader withdraws June's approval, neither city user still has an unread 待接收
    for it, and the clerk is told, with the reason, to submit again."""
    report = approved(people)
    assert unread(people["city"]) == unread(people["city2"]) == {K.REPORT_APPROVED}
    reports.report_withdraw(report=report, reason="开工日期填错", user=people["leader"])
    assert unread(people["city"]) == unread(people["city2"]) == set()
    note = Notification.objects.get(recipient=people["clerk"], kind=K.REPORT_SENT_BACK)
    assert "撤回审核" in note.text and note.text.endswith("原因：开工日期填错")
    assert note.read_at is None


def test_each_step_marks_read_the_notifications_that_asked_for_it(
    people: dict[str, User],
) -> None:
    """Approving June clears both leaders' 待审核; receiving it clears both city users' 待接收;
    the notifications that only inform (接收) stay unread; 西平县's June is untouched."""
    other = reports.report_submit(
        report=reports.report_open(
            plan_year=PlanYear.objects.get(year=2022),
            unit=people["other_clerk"].unit,
            month=6,
            user=people["other_clerk"],
        ),
        user=people["other_clerk"],
    )
    report = submitted(people)
    assert unread(people["leader"]) == unread(people["leader2"]) == {K.REPORT_SUBMITTED}
    report = reports.report_approve(report=report, stamp=stamp(), user=people["leader"])
    assert unread(people["leader"]) == unread(people["leader2"]) == set()
    assert unread(people["other_leader"]) == {K.REPORT_SUBMITTED}  # 西平县's own report
    reports.report_receive(report=report, user=people["city"])
    assert unread(people["city"]) == unread(people["city2"]) == set()
    assert unread(people["clerk"]) == {K.REPORT_RECEIVED}
    assert other.state == "submitted"


def test_resubmitting_clears_the_send_back_and_returning_clears_the_request(
    people: dict[str, User],
) -> None:
    """Sent back, then resubmitted: the clerk's and other leader's 退回修改 are read; returned by
    the city: the city's 待接收 is read, the unit's 被退回 stays until the correction is submitted."""
    report = submitted(people)
    report = reports.report_send_back(report=report, reason="问题栏未填", user=people["leader"])
    assert unread(people["clerk"]) == {K.REPORT_SENT_BACK}
    report = reports.report_submit(report=report, user=people["clerk"])
    assert unread(people["clerk"]) == set() and unread(people["leader2"]) == {K.REPORT_SUBMITTED}
    report = reports.report_approve(report=report, stamp=stamp(), user=people["leader"])
    report = reports.report_return(
        report=report, reason="开工户数不符", wrong_figures=True, user=people["city"]
    )
    assert unread(people["city"]) == unread(people["city2"]) == set()
    assert unread(people["clerk"]) == {K.REPORT_RETURNED}
    corrected = reports.report_correct(report=report, user=people["clerk"])
    reports.report_submit(report=corrected, user=people["clerk"])
    assert unread(people["clerk"]) == set()


def test_a_flag_ruled_tells_the_units_clerk_and_leaders(people: dict[str, User]) -> None:
    """The city's ruling on a flag of 驿城区's June report tells its clerk and both leaders, with
    the ruling and its reason."""
    report = approved(people)
    flag = ReportFlag.objects.create(report=report, kind="fell", detail="测试疑点")
    before = last_id()
    reports.flag_rule(flag=flag, ruling="concealed", reason="少报开工户数", user=people["city"])
    assert told(before) == {
        ("clerk", K.FLAG_RULED),
        ("leader", K.FLAG_RULED),
        ("leader2", K.FLAG_RULED),
    }
    text = Notification.objects.get(recipient=people["clerk"], kind=K.FLAG_RULED).text
    assert "认定瞒报" in text and text.endswith("理由：少报开工户数")


def test_a_refused_step_tells_nobody(people: dict[str, User]) -> None:
    """A leader of 西平县 cannot approve 驿城区's report: nothing changes, nobody is told."""
    report = submitted(people)
    before = last_id()
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied; the point is what follows
        reports.report_approve(report=report, stamp=stamp(), user=people["other_leader"])
    assert told(before) == set()


def test_an_inactive_user_is_not_told(people: dict[str, User]) -> None:
    """A leader whose account is disabled gets no notification of a submission."""
    User.objects.filter(pk=people["leader2"].pk).update(is_active=False)
    before = last_id()
    submitted(people)
    assert told(before) == {("leader", K.REPORT_SUBMITTED)}


# --- e-mail -------------------------------------------------------------------------------------


def test_email_goes_to_those_with_an_address_once_the_step_commits(
    people: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    """On submission both leaders get the in-portal notification; only the one with an address
    gets an e-mail, and only once the transaction has committed."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submitted(people)
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["leader@example.com"]]
    message = mail.outbox[0]
    assert message.subject == "驻马店市城镇老旧小区改造信息平台：月报待审核"
    assert "驿城区2022年6月信息月报（第1版）已由clerk提交" in message.body
    assert "/city/reports/" in message.body
    assert Notification.objects.filter(kind=K.REPORT_SUBMITTED).count() == 2


def test_no_email_when_email_is_not_configured(
    people: dict[str, User], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Without EMAIL_* settings (NOTIFY_BY_EMAIL off) the notifications are in-portal only."""
    settings.NOTIFY_BY_EMAIL = False
    with django_capture_on_commit_callbacks(execute=True):
        submitted(people)
    assert mail.outbox == []
    assert Notification.objects.filter(kind=K.REPORT_SUBMITTED).count() == 2


def test_a_rolled_back_step_leaves_no_notification_and_no_email(
    people: dict[str, User], django_capture_on_commit_callbacks: Any
) -> None:
    """A notification written in a transaction that rolls back is gone, and its e-mail never sent."""
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notifications.notify(recipients=[people["leader"]], kind=K.REPORT_SUBMITTED, text="回滚")
        raise RuntimeError
    assert mail.outbox == [] and not Notification.objects.exists()


def test_a_mail_server_down_does_not_break_the_step(
    people: dict[str, User], django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    """When sending fails the step stands and the in-portal notification is kept."""

    class Down:
        def send_messages(self, messages: Any) -> int:
            raise ConnectionRefusedError

    monkeypatch.setattr(notifications, "get_connection", lambda: Down())
    with django_capture_on_commit_callbacks(execute=True):
        report = submitted(people)
    assert report.state == "submitted"
    assert Notification.objects.filter(recipient=people["leader"]).count() == 1


def test_a_dedupe_key_is_written_once_per_recipient(people: dict[str, User]) -> None:
    """notify with the same dedupe key twice writes each recipient's notification once; the second
    call writes only the recipient who did not have it."""
    first = notifications.notify(
        recipients=[people["clerk"]], kind=K.REPORT_DUE_SOON, text="提醒", dedupe_key="k1"
    )
    second = notifications.notify(
        recipients=[people["clerk"], people["leader"]],
        kind=K.REPORT_DUE_SOON,
        text="提醒",
        dedupe_key="k1",
    )
    assert [n.recipient for n in first] == [people["clerk"]]
    assert [n.recipient for n in second] == [people["leader"]]
    assert Notification.objects.filter(dedupe_key="k1").count() == 2


# --- the inbox page and the navbar --------------------------------------------------------------


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_only_ones_own_notifications(people: dict[str, User]) -> None:
    """The clerk's page lists the clerk's notifications, never the leader's."""
    notifications.notify(recipients=[people["clerk"]], kind=K.REPORT_RECEIVED, text="给填报员")
    notifications.notify(recipients=[people["leader"]], kind=K.REPORT_RECEIVED, text="给审核人")
    html = client_for(people["clerk"]).get(reverse("notifications")).content.decode()
    assert "给填报员" in html and "给审核人" not in html


def test_marking_another_users_notification_read_is_a_404(people: dict[str, User]) -> None:
    """The clerk cannot mark the leader's notification read: 404, and it stays unread."""
    (note,) = notifications.notify(
        recipients=[people["leader"]], kind=K.REPORT_RECEIVED, text="给审核人"
    )
    response = client_for(people["clerk"]).post(reverse("notification_read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_open_marks_read_and_goes_to_the_link(people: dict[str, User]) -> None:
    """'查看' on an unread notification marks it read and redirects to the page it names."""
    (note,) = notifications.notify(
        recipients=[people["clerk"]], kind=K.REPORT_RECEIVED, text="已接收", link="/city/reports/"
    )
    client = client_for(people["clerk"])
    response = client.post(reverse("notification_read", args=[note.pk]), {"open": "1"})
    assert (response.status_code, response["Location"]) == (302, "/city/reports/")
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_all_read_touches_only_ones_own(people: dict[str, User]) -> None:
    """'全部标为已读' marks the clerk's three read and leaves the leader's unread."""
    for _ in range(3):
        notifications.notify(recipients=[people["clerk"]], kind=K.REPORT_RECEIVED, text="x")
    notifications.notify(recipients=[people["leader"]], kind=K.REPORT_RECEIVED, text="y")
    response = client_for(people["clerk"]).post(reverse("notifications_read_all"))
    assert response.status_code == 302
    assert notifications.unread_count(user=people["clerk"]) == 0
    assert notifications.unread_count(user=people["leader"]) == 1


def test_marking_read_needs_the_csrf_token(people: dict[str, User]) -> None:
    """A POST without the CSRF token is refused (403) and marks nothing read."""
    (note,) = notifications.notify(recipients=[people["clerk"]], kind=K.REPORT_RECEIVED, text="x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["clerk"])
    assert client.post(reverse("notification_read", args=[note.pk])).status_code == 403
    assert client.post(reverse("notifications_read_all")).status_code == 403
    assert notifications.unread_count(user=people["clerk"]) == 1


def test_navbar_shows_the_unread_count(people: dict[str, User]) -> None:
    """Two unread and one read notification: the navbar says 2; with none unread, no badge."""
    notes = [
        notifications.notify(recipients=[people["clerk"]], kind=K.REPORT_RECEIVED, text=str(i))[0]
        for i in range(3)
    ]
    notifications.notification_mark_read(user=people["clerk"], notification_id=notes[0].pk)
    client = client_for(people["clerk"])
    html = client.get(reverse("project_list")).content.decode()
    assert '<span class="badge rounded-pill text-bg-warning" id="nav-unread">2</span>' in html
    notifications.notifications_mark_all_read(user=people["clerk"])
    html = client.get(reverse("project_list")).content.decode()
    assert 'id="nav-notifications"' in html and 'id="nav-unread"' not in html


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["notifications", "project_list"])
def test_unread_count_and_list_cost_constant_queries(url: str, people: dict[str, User]) -> None:
    """The navbar's count is one query whatever the number of notifications: a page with 1 and with
    40 unread costs the same; the count query runs once per page."""
    client = client_for(people["clerk"])
    notifications.notify(recipients=[people["clerk"]], kind=K.REPORT_RECEIVED, text="一")
    one = queries_for(client, reverse(url))
    for i in range(39):
        notifications.notify(recipients=[people["clerk"]], kind=K.REPORT_RECEIVED, text=str(i))
    assert queries_for(client, reverse(url)) == one
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse(url))
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "notification" in q["sql"]]
    assert len(counts) == (2 if url == "notifications" else 1), counts


def test_anonymous_pages_do_not_count(client: Client, programme: None) -> None:
    """The login page reads no notifications."""
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("login"))
    assert not [q for q in queries if "notification" in q["sql"]]
