"""A stop request survives a lost exception: nothing is published after it."""

from __future__ import annotations

import pytest

from activations._engine.stop import StopRequested, check_stop, clear_stop, request_stop
from activations.cli._main import _run
from activations.report._page import staged_directory


@pytest.fixture(autouse=True)
def _no_stop_left():
    yield
    clear_stop()


def test_check_stop():
    check_stop()  # nothing requested
    request_stop()
    with pytest.raises(StopRequested):
        check_stop()
    clear_stop()
    check_stop()


def test_a_staged_folder_is_not_published_after_a_stop_request(tmp_path):
    out = tmp_path / "report"
    with pytest.raises(StopRequested):
        with staged_directory(out) as temp:
            (temp / "index.html").write_text("<html></html>")
            request_stop()  # as if SIGTERM's exception had been swallowed by a gc callback
    assert list(tmp_path.iterdir()) == []


def test_a_command_that_ran_on_after_a_lost_sigterm_exits_as_terminated(capsys):
    def command():
        request_stop()  # the handler ran, its exception was lost
        return 0

    assert _run(command, 0) == 143
    assert capsys.readouterr().err == "activations: terminated\n"
    check_stop()  # the request is cleared for the next command
