"""URL map of the public transparency report: no sign-in, GET only."""

from django.urls import path

from custodiet.reports import public

urlpatterns = [
    path("transparency/", public.report, name="transparency"),
    path("transparency.csv", public.report_csv, name="transparency-csv"),
]
