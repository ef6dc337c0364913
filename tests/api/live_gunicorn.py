"""Run the real app under gunicorn (several worker processes) for tests over HTTP.

Settings reach the workers as LOYALTY_* variables, exactly as in production.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def loyalty_env(settings: dict[str, Any]) -> dict[str, str]:
    """LOYALTY_* variables; non-strings as JSON (Flask's from_prefixed_env parses them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOYALTY_")}
    for key, value in settings.items():
        env[f"LOYALTY_{key}"] = value if isinstance(value, str) else json.dumps(value)
    return env


@contextmanager
def gunicorn(
    settings: dict[str, Any],
    *,
    workers: int = 2,
    threads: int = 8,
    app: str = "app:app",
    timeout: float = 60,
    extra_args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Serve `app` with `workers` processes of `threads` threads; yield the base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        *extra_args,
        app,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=loyalty_env(settings))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process, timeout)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(base: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s")
