from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(success_url="/accounts/password/done/"), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("private/", views.private, name="private"),
    path("session.json", views.session_json, name="session_json"),
    path("session/set/", views.session_set, name="session_set"),
    path("signed/set/", views.signed_set, name="signed_set"),
    path("signed/get/", views.signed_get, name="signed_get"),
]
