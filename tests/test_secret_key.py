"""Outside debugging and tests the app refuses the development SECRET_KEY or a short one; `make run` makes a random
key of its own once and keeps it in instance/secret_key."""

from __future__ import annotations

import stat

import pytest

from app import create_app
from app.config import DEFAULT_SECRET_KEY, InsecureSecretKeyError
from app.devrun import instance_secret_key


@pytest.fixture
def settings(tmp_path, redis_url, monkeypatch):
    """What a production process reads, SECRET_KEY and the debug flag left out."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'dialtone.db'}", "REDIS_URL": redis_url}


def test_without_a_secret_key_the_app_refuses_to_start_and_says_how_to_set_one(settings):
    with pytest.raises(InsecureSecretKeyError) as refused:
        create_app(settings)
    message = str(refused.value)
    assert "SECRET_KEY is the development default" in message
    assert "Set the SECRET_KEY environment variable" in message and "at least 32 characters" in message


def test_the_development_key_given_outright_is_refused_too(settings, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", DEFAULT_SECRET_KEY)
    with pytest.raises(InsecureSecretKeyError, match="development default"):
        create_app(settings)


def test_a_key_shorter_than_32_characters_is_refused(settings, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 31)
    with pytest.raises(InsecureSecretKeyError, match="SECRET_KEY is 31 characters long"):
        create_app(settings)


def test_a_long_key_starts_the_app(settings, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    app = create_app(settings)
    assert app.config["SECRET_KEY"] == "k" * 32 and not app.testing and not app.debug


@pytest.mark.parametrize("flag", ["TESTING", "DEBUG"])
def test_tests_and_debugging_may_use_the_development_key(settings, flag):
    app = create_app({**settings, flag: True})
    assert app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY


def test_make_run_makes_its_key_once_readable_by_its_owner_only(tmp_path):
    instance = tmp_path / "instance"
    key = instance_secret_key(instance)
    assert len(key) >= 32 and key != DEFAULT_SECRET_KEY
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert instance_secret_key(instance) == key  # kept: sessions survive a restart
    assert instance_secret_key(tmp_path / "elsewhere") != key
