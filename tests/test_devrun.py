"""`make run`: links in emails follow the port it serves on, and the terminal keeps the banner, warnings and
errors while the worker's job lines go to a log file."""

import sys

from app.devrun import logged, run_environment


def test_links_follow_the_port_unless_base_url_is_set():
    assert run_environment({"PORT": "5101"})["BASE_URL"] == "http://127.0.0.1:5101"
    assert run_environment({})["BASE_URL"] == "http://127.0.0.1:5000"
    given = {"PORT": "5101", "BASE_URL": "https://dialtone.intranet"}
    assert run_environment(given)["BASE_URL"] == "https://dialtone.intranet"


def test_a_background_process_writes_its_log_and_the_terminal_gets_only_warnings(tmp_path, capfd):
    log = tmp_path / "worker.log"
    script = "print('12:00 Job OK (periodic)'); print('12:01 WARNING mail server slow'); print('12:02 Job OK')"
    process = logged([sys.executable, "-c", script], {}, log)
    process.wait(timeout=30)
    process.copier.join(timeout=30)  # the copying ends with the process's output
    assert log.read_text().splitlines() == ["12:00 Job OK (periodic)", "12:01 WARNING mail server slow", "12:02 Job OK"]
    printed = capfd.readouterr().out
    assert "[worker] 12:01 WARNING mail server slow" in printed and "Job OK" not in printed
