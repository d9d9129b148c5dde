"""URL map of the reports to the Governor's office."""

from django.urls import path

from custodiet.reports import report_views as views

urlpatterns = [
    path("", views.report_list, name="reports"),
    path("build", views.build_report, name="report-build"),
    path("<int:report_id>/", views.report_page, name="report"),
    path("<int:report_id>/attest", views.attest, name="report-attest"),
    path("<int:report_id>/report.pdf", views.report_pdf, name="report-pdf"),
    path("<int:report_id>/record.xlsx", views.report_record, name="report-record"),
    path("<int:report_id>/bundle.tar.gz", views.report_bundle, name="report-bundle"),
]
