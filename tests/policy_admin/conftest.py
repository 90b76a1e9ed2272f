from tests.fulfilment.conftest import make_user, world  # noqa: F401 - the same users and registry
