import pytest


@pytest.fixture
def cert_dir(app, tmp_path):
    """This test's own certificate directory (the session one is shared with the worker)."""
    path = tmp_path / "certificates"
    app.config["CERTIFICATE_DIR"] = str(path)
    return path
