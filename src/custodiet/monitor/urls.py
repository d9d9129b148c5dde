"""URL map of the access monitor. Every name here must have its row in tests/monitor/test_roles.py."""

from django.urls import path

from custodiet.monitor import views

urlpatterns = [
    path("", views.overview, name="monitor"),
    path("findings/<int:finding_id>/", views.finding, name="monitor-finding"),
]
