"""The records kept beside the projects, all read-only here: the source document's records of a
project (written on its records page), the notifications sent and the audit of personal data seen."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse

from projects.models import (
    AcceptanceRecord,
    Approval,
    CoordinatedConstructionPlan,
    FundReceipt,
    Notification,
    Participant,
    PersonalDataAccess,
)
from projects.presenters import mask_phone

from .base import PortalWritesAdmin, ReadOnly, UnitScopedAdmin
from .lists import HistoryAdmin, LargeListAdmin

# --- the source document's records (资金到位、参建单位、审批接入、统筹施工方案、验收移交) ------------


class RecordAdmin(PortalWritesAdmin, UnitScopedAdmin, HistoryAdmin):
    """A project's record, read-only: entered on the project's records page, whose services check
    the dates and the unit and keep the history. Documents are opened from the portal (which checks
    who may see them), so they are not linked here."""

    portal_hint = "此记录须在门户的“建设管理记录”页面填写（含日期校验和修改记录）。"
    search_fields = ("project__name",)
    history_related = ("project__unit",)

    def portal_url(self, obj: Any) -> str:
        if obj is None:
            return reverse("project_list")
        return reverse("project_records", args=[obj.project_id])


@admin.register(FundReceipt)
class FundReceiptAdmin(RecordAdmin):
    list_display = ("project", "source", "received_on", "amount", "recorded_by", "portal_link")
    list_filter = ("project__unit", "source")
    list_select_related = ("project__unit", "recorded_by")
    readonly_fields = ("portal_link",)


@admin.register(Participant)
class ParticipantAdmin(RecordAdmin):
    """Who answers on site; the phone masked here as on the pages."""

    list_display = ("project", "role", "organisation", "person", "masked_phone", "portal_link")
    list_filter = ("project__unit", "role")
    list_select_related = ("project__unit",)
    fields = ("portal_link", "project", "role", "organisation", "person", "masked_phone")
    readonly_fields = ("portal_link", "masked_phone")

    @admin.display(description="联系电话")
    def masked_phone(self, participant: Participant) -> str:
        return mask_phone(participant.phone)


@admin.register(Approval)
class ApprovalAdmin(RecordAdmin):
    list_display = ("project", "kind", "approved_on", "document_no", "portal_link")
    list_filter = ("project__unit", "kind")
    list_select_related = ("project__unit",)
    readonly_fields = ("portal_link",)


@admin.register(CoordinatedConstructionPlan)
class CoordinatedConstructionPlanAdmin(RecordAdmin):
    list_display = ("project", "uploaded_at", "uploaded_by", "portal_link")
    list_filter = ("project__unit",)
    list_select_related = ("project__unit", "uploaded_by")
    fields = ("portal_link", "project", "note", "uploaded_at", "uploaded_by")
    readonly_fields = ("portal_link",)


@admin.register(AcceptanceRecord)
class AcceptanceRecordAdmin(RecordAdmin):
    list_display = ("project", "handed_to", "handed_to_name", "recorded_by", "portal_link")
    list_filter = ("project__unit", "handed_to")
    list_select_related = ("project__unit", "recorded_by")
    readonly_fields = ("portal_link",)
    fields = ("portal_link", "project", "participants", "handed_to", "handed_to_name", "note",
              "recorded_by")  # fmt: skip


# --- notifications and the personal-data audit ---------------------------------------------------


@admin.register(Notification)
class NotificationAdmin(ReadOnly, LargeListAdmin):
    """The portal notifications and reminders sent (站内通知), read-only: they are written by
    ``projects.notifications.notify`` alone, so a reminder is never sent twice."""

    list_display = ("created_at", "recipient", "kind", "text", "read_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(LargeListAdmin):
    """The audit of who viewed or exported residents' personal data: read-only."""

    list_display = ("at", "user", "role", "action", "unit", "households", "reason")
    list_filter = ("role", "action", "unit")
    list_select_related = ("user", "unit")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
