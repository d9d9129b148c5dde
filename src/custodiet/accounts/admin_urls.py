"""URL map of the agency's administration."""

from django.urls import path

from custodiet.accounts import admin_views as views

urlpatterns = [
    path("", views.overview, name="administration"),
    path("agency/", views.agency, name="administration-agency"),
    path("people/new/", views.person_new, name="administration-person-new"),
    path("people/<int:user_id>/", views.person, name="administration-person"),
    path("people/<int:user_id>/tokens/", views.token_new, name="administration-token-new"),
    path("people/<int:user_id>/<slug:act>/", views.person_act, name="administration-person-act"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="administration-token-revoke"),
]
