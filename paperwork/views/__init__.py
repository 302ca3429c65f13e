"""The paperwork's pages, one module per entity, each with its ``urlpatterns`` (joined in
paperwork/urls.py)."""
