"""URL map of the ledger page. Every name here must have its row in tests/ledger/test_ledger_page.py."""

from django.urls import path

from custodiet.ledger import views

urlpatterns = [
    path("", views.ledger_page, name="ledger"),
    path("verify/", views.verify, name="ledger-verify"),
]
