import pytest
from django.contrib.auth import get_user_model
from django.test import Client


@pytest.fixture
def client(db):
    """Every page needs a login; these tests read the policy as any signed-in user."""
    c = Client()
    c.force_login(get_user_model().objects.create_user("reader", password="x-reader-pass-1"))
    return c
