"""`supportbot serve --workers 2`: any worker's /metrics counts every worker's replies."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import policy_file
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
CHATS = 16


def test_metrics_are_summed_across_uvicorn_workers(tiny_model_dir, tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "SUPPORTBOT_DATA_DIR": str(tmp_path),
        "SUPPORTBOT_BASE_MODEL": str(tiny_model_dir),
        "SUPPORTBOT_COMPANY_FILE": str(ROOT / "prompts" / "company.yaml"),  # no demo seeding
        "SUPPORTBOT_FIRST_ADAPTER": "false",
        "SUPPORTBOT_ADAPTER_POLL_SECONDS": "0",
        "SUPPORTBOT_MAX_NEW_TOKENS": "8",
        "SUPPORTBOT_ESCALATION_FILE": str(policy_file(tmp_path, low_confidence={"enabled": False})),
    }
    command = [sys.executable, "-m", "backend.cli", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_every_worker_is_ready(url, server)
        for number in range(CHATS):  # a new connection each time: the workers share them
            reply = httpx.post(f"{url}/api/chat", json={"message": f"Where is order {number}?"})
            assert reply.status_code == 200, reply.text
        # Each scrape is answered by one worker or the other; every one sees all the replies.
        for _ in range(6):
            metrics = httpx.get(f"{url}/metrics/").text
            counts = re.findall(r"^supportbot_replies_total\{[^}]*\} (\S+)$", metrics, re.M)
            assert sum(float(c) for c in counts) == CHATS, metrics[:2000]
        worker_files = {p.name.rsplit("_", 1)[-1] for p in (tmp_path / "metrics").rglob("*.db")}
        assert len(worker_files) >= 2  # two workers wrote their own values
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_every_worker_is_ready(url: str, server: subprocess.Popen) -> None:
    deadline, ready_in_a_row = time.monotonic() + 180, 0
    while ready_in_a_row < 10:  # both workers: a fresh connection may reach either
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not get ready: {server.stderr.read()[-3000:]}")
        try:
            ready = httpx.get(f"{url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            ready = False
        ready_in_a_row = ready_in_a_row + 1 if ready else 0
        time.sleep(0.2)
