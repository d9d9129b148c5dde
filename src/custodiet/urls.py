"""URL map of the web application."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from custodiet.api.api import api
from custodiet.web import errors

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/", include("custodiet.accounts.urls")),
    path("admin/", include("custodiet.accounts.admin_urls")),
    path("cases/", include("custodiet.cases.urls")),
    path("log/", include("custodiet.reports.urls")),
    path("reports/", include("custodiet.reports.report_urls")),
    path("partners/", include("custodiet.partners.urls")),
    path("monitor/", include("custodiet.monitor.urls")),
    path("directory/", include("custodiet.directory.urls")),
    path("jobs/", include("custodiet.jobs.urls")),
    path("ledger/", include("custodiet.ledger.urls")),
    path("oversight/", include("custodiet.oversight.urls")),
    path("api/", api.urls),
    path("", include("custodiet.reports.public_urls")),
    path("", include("custodiet.web.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
