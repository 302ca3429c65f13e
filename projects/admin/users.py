"""Portal users with their role and unit."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from projects.models import User


class PortalUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "role", "unit")


class PortalUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users with their role and unit; a clerk or leader must belong to a unit."""

    form = PortalUserChangeForm
    add_form = PortalUserCreationForm
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("角色与区县", {"fields": ("role", "unit")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "unit", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("username", "first_name", "last_name", "role", "unit", "is_staff", "is_active")
    list_filter = ("role", "unit", "is_staff", "is_superuser", "is_active")
    list_select_related = ("unit",)
