"""URL map of the case pages. Every name here must have its row in tests/cases/test_roles.py."""

from django.urls import path

from custodiet.cases import views

urlpatterns = [
    path("", views.queue, name="cases"),
    path("new/", views.intake, name="intake"),
    path("<str:public_id>/", views.case, name="case"),
    path("<str:public_id>/counsel/", views.counsel, name="case-counsel"),
    path("<str:public_id>/approve/", views.approve, name="case-approve"),
    path("<str:public_id>/send-back/", views.send_back, name="case-send-back"),
    path("<str:public_id>/resubmit/", views.resubmit, name="case-resubmit"),
    path("<str:public_id>/release/", views.release, name="case-release"),
    path("<str:public_id>/refuse/", views.refuse, name="case-refuse"),
    path(
        "<str:public_id>/identity/",
        views.record_step,
        {"obligation": "verify_identity"},
        name="case-identity",
    ),
    path(
        "<str:public_id>/officer/",
        views.record_step,
        {"obligation": "record_officer"},
        name="case-officer",
    ),
    path(
        "<str:public_id>/governor-review/",
        views.record_step,
        {"obligation": "governor_review"},
        name="case-governor-review",
    ),
    path("<str:public_id>/documents/<int:document_id>", views.document, name="case-document"),
    path("<str:public_id>/letters/<int:letter_id>.pdf", views.letter, name="case-letter"),
    path(
        "<str:public_id>/letters/preview-<str:language>.pdf",
        views.letter_preview,
        name="case-letter-preview",
    ),
    path("<str:public_id>/deliver/", views.deliver, name="case-deliver"),
    path(
        "<str:public_id>/notices/<int:position>/send/",
        views.notice_send,
        name="case-notice-send",
    ),
    path(
        "<str:public_id>/notices/<int:position>/excuse/",
        views.notice_excuse,
        name="case-notice-excuse",
    ),
    path(
        "<str:public_id>/notices/<int:position>/preview-<str:language>.pdf",
        views.notice_preview,
        name="case-notice-preview",
    ),
    path(
        "<str:public_id>/notices/<int:position>/<str:language>.pdf",
        views.notice_letter,
        name="case-notice-letter",
    ),
    path("<str:public_id>/proof/<int:entry>/", views.proof, name="case-proof"),
]
