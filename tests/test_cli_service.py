"""The two commands a newcomer runs: the demo starts and serves, ``run`` reads its config."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from croupier.config import load_settings, merged_environment


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_demo_starts_serves_chat_and_console_and_prints_a_one_time_password(
    tmp_path: Path,
) -> None:
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CROUPIER_")}
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "croupier.cli",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )
    try:
        assert demo.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        output = "".join(lines)
        assert re.search(r"one-time console password for this demo: \S{12,}", output), output
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert "Lucky Orbit" in page.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as health:
            assert b'"ok": true' in health.read()
    finally:
        demo.terminate()
        demo.wait(timeout=30)
    assert demo.returncode == 0


def test_secrets_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.env"
    secrets.write_text(
        "CROUPIER_PORT=9001\nCROUPIER_META_PAGE_ID=123\nCROUPIER_CONSOLE_PASSWORD='s3cret'\n",
        encoding="utf-8",
    )
    environ = {"CROUPIER_SECRETS_FILE": str(secrets), "CROUPIER_PORT": "9002"}
    settings = load_settings(environ)
    assert settings.port == 9002
    assert settings.console_password is not None
    assert settings.console_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert merged_environment(environ)["CROUPIER_META_PAGE_ID"] == "123"
