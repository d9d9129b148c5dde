"""URL map of the background jobs' pages."""

from django.urls import path

from custodiet.jobs import views

urlpatterns = [
    path("<int:job_id>/", views.job_page, name="job"),
    path("<int:job_id>/status.json", views.job_status, name="job-status"),
]
