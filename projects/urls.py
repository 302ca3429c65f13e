from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("templates/<str:kind>.xlsx", views.import_template, name="import_template"),
]
