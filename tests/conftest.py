"""Shared fixtures: an isolated NLPBOOK_HOME with the offline assets built once per session, and a network guard."""
from __future__ import annotations

import socket

import pytest


@pytest.fixture(scope="session")
def offline_home(tmp_path_factory):
    """An NLPBOOK_HOME holding the embedded corpus and the tiny offline checkpoint (built once)."""
    home = tmp_path_factory.mktemp("nlpbook-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NLPBOOK_HOME", str(home))
        from nlpbook_helpers.corpus import download_corpus
        from nlpbook_helpers.model import prepare_pretrained
        from nlpbook_helpers.settings import make_arguments

        args = make_arguments("offline")
        download_corpus(args)
        prepare_pretrained(args)
    return home


@pytest.fixture
def offline_args(offline_home, monkeypatch, tmp_path):
    """Offline-preset arguments over the shared assets; checkpoints go to a fresh directory per test."""
    monkeypatch.setenv("NLPBOOK_HOME", str(offline_home))
    from nlpbook_helpers.settings import make_arguments

    return make_arguments("offline", downstream_model_dir=str(tmp_path / "run"))


class NetworkCalled(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test (loopback included: nothing may be reached)."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise NetworkCalled(f"network call attempted: {args[1:] or kwargs}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return calls
