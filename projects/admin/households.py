"""Households (住户), read-only with names and phones masked: written on the portal's roster pages or
imported here through the same services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from simple_history.models import ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper

from projects.models import Household
from projects.presenters import mask_name, mask_phone
from projects.resources import HouseholdExportResource, HouseholdImportResource

from .base import PortalWritesAdmin, ServiceImportExportAdmin, UnitScopedAdmin
from .lists import HistoryAdmin, LargeListAdmin


class MaskedHouseholdHistory(HistoricalRecordContextHelper):
    """A household's history page lists each change's old and new values: names and phones masked
    there too (the portal's household page shows them in full, and records who looked)."""

    def prepare_delta_change_value(self, change: ModelChange, value: Any) -> Any:
        if change.field == "head_name":
            return mask_name(value or "")
        if change.field == "phone":
            return mask_phone(value) if value else ""
        return super().prepare_delta_change_value(change, value)


@admin.register(Household)
class HouseholdAdmin(
    ServiceImportExportAdmin, PortalWritesAdmin, UnitScopedAdmin, LargeListAdmin, HistoryAdmin
):
    """Household answers, read-only (names and phones masked in the list and not searchable): edited
    on the portal's roster pages or imported here, through the same services."""

    portal_hint = "住户须在门户的住户名册页面修改（含户数、日期校验和开工日期重算）。"
    resource_classes = [HouseholdImportResource]
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    export_resource_class = HouseholdExportResource
    template_kind = "households"
    list_display = ("project", "building", "entrance", "room", "masked_head_name", "masked_phone",
                    "plan_opinion", "management_opinion", "answered_on")  # fmt: skip
    list_filter = ("project__unit", "plan_opinion", "management_opinion")
    # The project column shows the project's unit and name, nothing more.
    list_select_related = ("project__unit",)
    # The columns of the unique dwelling index: the database reads a page off the index. The
    # model's order (by the project's unit and name) joined and sorted every household for each page.
    ordering = ("project_id", "building", "entrance", "room")
    search_fields = ("building", "room")
    history_related = ("project__unit",)
    # Names and phones stay masked here too: the portal's household page shows them, and logs it.
    fields = ("portal_link", "project", "building", "entrance", "room", "masked_head_name",
              "masked_phone", "plan_opinion", "management_opinion", "answered_on")  # fmt: skip
    readonly_fields = ("portal_link", "masked_head_name", "masked_phone")

    def portal_url(self, obj: Any) -> str:
        if obj is None:
            return reverse("project_list")
        return reverse("household_list", args=[obj.project_id])

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return MaskedHouseholdHistory(self.model, historical_record)

    @admin.display(description="户主姓名")
    def masked_head_name(self, household: Household) -> str:
        return mask_name(household.head_name)

    @admin.display(description="联系电话")
    def masked_phone(self, household: Household) -> str:
        return mask_phone(household.phone)
