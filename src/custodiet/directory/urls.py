"""URL map of the directory pages. Every name here has its row in tests/directory/test_directory.py."""

from django.urls import path

from custodiet.directory import views

urlpatterns = [
    path("", views.agency_list, name="directory"),
    path("new/", views.agency_new, name="directory-new"),
    path("<str:agency_id>/", views.agency_detail, name="directory-agency"),
    path("<str:agency_id>/edit/", views.agency_edit, name="directory-edit"),
]
