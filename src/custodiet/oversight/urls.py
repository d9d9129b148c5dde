"""URL map of the Governor's office's pages."""

from django.urls import path

from custodiet.oversight import views

urlpatterns = [
    path("", views.index, name="oversight"),
    path("upload", views.upload, name="oversight-upload"),
    path("receipts/<int:receipt_id>/", views.receipt_page, name="oversight-receipt"),
    path("summary/", views.summary_page, name="oversight-summary"),
    path("summary/jbc.xlsx", views.summary_xlsx, name="oversight-summary-xlsx"),
    path("summary/jbc.pdf", views.summary_pdf, name="oversight-summary-pdf"),
]
