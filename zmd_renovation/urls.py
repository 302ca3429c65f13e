"""The portal's URLs."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "驻马店市城镇老旧小区改造信息平台"
admin.site.site_title = "老旧小区改造"
admin.site.index_title = "管理后台"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("projects.urls")),
]
