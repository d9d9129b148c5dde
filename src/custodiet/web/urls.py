"""URL map of the staff pages."""

from django.urls import path

from custodiet.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("explorer/", views.explorer, name="explorer"),
    path("policy/", views.policy, name="policy"),
    path("healthz", views.healthz, name="healthz"),
]
