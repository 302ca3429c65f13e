"""The portal's URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reporting.views import home

from .health import healthz

# A 404 that names an unknown plan year says which years there are (projects.view_helpers).
handler404 = "projects.view_helpers.page_not_found"

admin.site.site_header = "驻马店市城镇老旧小区改造信息平台"
admin.site.site_title = "老旧小区改造"
admin.site.index_title = "管理后台"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Log in and out, and change one's own password. No self-service reset by e-mail: accounts are
    # issued by the administrator, who also resets forgotten passwords.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("city/", include("reporting.urls")),
    path("paperwork/", include("paperwork.urls")),
    # The clerk's or leader's unit page, or the city overview: a dashboard, kept with the others.
    path("", home, name="home"),
    path("", include("projects.urls")),
]
