import pytest


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.ZJTX_IMPORT_ROOT = tmp_path / "uploads"
