import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from zjtx.accounts.models import Profile, Role


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.ZJTX_IMPORT_ROOT = tmp_path / "uploads"


def user_with(role: str, name: str):
    user = get_user_model().objects.create_user(name, password="x-pass-123456")
    Profile.objects.create(user=user, role=role)
    return user


@pytest.fixture
def admin(db):
    return user_with(Role.CITY_ADMIN, "cityadmin")


@pytest.fixture
def client_admin(admin):
    c = Client()
    c.force_login(admin)
    return c
