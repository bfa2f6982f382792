"""Fixtures for driving the real WSGI application (not Django's test client) with Hypothesis-generated requests."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis.configuration import set_hypothesis_home_dir


@pytest.fixture(autouse=True, scope="session")
def _hypothesis_files_in_the_temporary_folder(tmp_path_factory):
    """Hypothesis caches what it learns under .hypothesis/ in the working tree; these tests keep it out of the repo."""
    set_hypothesis_home_dir(tmp_path_factory.getbasetemp() / "hypothesis")


@pytest.fixture(autouse=True)
def _keep_the_test_connection_open():
    """Requests sent straight to portal.wsgi.application must not close the connection holding the test transaction.

    Django's own test client disconnects the same handler for the same reason; schemathesis calls the WSGI app
    through werkzeug, which does not.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
