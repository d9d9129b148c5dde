"""URL map of the second-factor pages (sign-in and sign-out are in the project's urls)."""

from django.urls import path

from custodiet.accounts import views

urlpatterns = [
    path("two-factor/", views.enrol, name="two_factor_enrol"),
    path("two-factor/verify/", views.verify, name="two_factor_verify"),
]
