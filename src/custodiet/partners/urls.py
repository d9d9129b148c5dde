"""URL map of the partner pages. Every name here must have its row in tests/partners/test_roles.py."""

from django.urls import path

from custodiet.partners import views

urlpatterns = [
    path("", views.partner_list, name="partners"),
    path("new/", views.partner_new, name="partner-new"),
    path("notices/", views.notices_unacknowledged, name="partner-notices"),
    path("notices/resend/", views.notices_resend, name="partner-notices-resend"),
    path("certifications/", views.certifications_overview, name="partner-certifications"),
    path("<int:partner_id>/", views.partner_detail, name="partner"),
    path("<int:partner_id>/edit/", views.partner_edit, name="partner-edit"),
    path("<int:partner_id>/notices/new/", views.notice_send, name="partner-notice-send"),
    path("<int:partner_id>/notices/<int:notice_id>.pdf", views.notice_pdf, name="partner-notice"),
    path(
        "<int:partner_id>/acknowledgments/new/",
        views.acknowledgment_new,
        name="partner-acknowledge",
    ),
    path(
        "<int:partner_id>/certifications/new/",
        views.certification_new,
        name="partner-certify",
    ),
    path(
        "<int:partner_id>/certifications/<int:certification_id>.pdf",
        views.certification_pdf,
        name="partner-certification",
    ),
]
