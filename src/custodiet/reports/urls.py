"""URL map of the request log. Every name here must have its row in tests/reports/test_roles.py."""

from django.urls import path

from custodiet.reports import views

urlpatterns = [
    path("", views.request_log, name="request-log"),
    path("export.csv", views.export_csv, name="request-log-csv"),
    path("export.xlsx", views.export_xlsx, name="request-log-xlsx"),
]
