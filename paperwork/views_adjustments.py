"""Placeholder: the pages of this area are being written."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
