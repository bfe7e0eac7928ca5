"""A real Prometheus on 127.0.0.1, loaded with generated SLI history through promtool."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import requests

MINUTE = 60
DAY = 86400


class Profile(NamedTuple):
    """Requests per minute and error ratio over time (seconds before `now`; negative = after)."""

    service: str
    rpm: float
    error_ratio: float
    recent_error_ratio: float | None = None  # over the last `recent` seconds
    recent: int = 0
    reset_at: int | None = None  # counter reset this many seconds before now


PROFILES = (
    Profile(
        "healthy", 600, 0.0001, reset_at=10 * DAY
    ),  # 10% of a 99.9% budget used, with a counter reset
    Profile(
        "burning", 600, 0.0003, recent_error_ratio=0.05, recent=2 * 3600
    ),  # budget left, burning 50x now
    Profile("exhausted", 600, 0.002),  # twice the allowed errors: -100% budget remaining
    Profile("quiet", 0, 0.0),  # series that exist and never count: a total of zero
)
HISTORY = 29 * DAY
FUTURE = 90 * MINUTE  # samples beyond now keep short windows fed while the test session runs


def _timestamps(now: int) -> Iterator[int]:
    t = now - HISTORY
    while t <= now + FUTURE:
        yield t
        t += MINUTE if t >= now - 4 * DAY else 10 * MINUTE


def openmetrics(now: int) -> str:
    lines = ["# TYPE http_requests counter"]
    for p in PROFILES:
        for code in ("200", "500"):
            count = 0.0
            last = now - HISTORY
            for t in _timestamps(now):
                minutes = (t - last) / MINUTE
                last = t
                ratio = (
                    p.recent_error_ratio
                    if p.recent_error_ratio is not None and t > now - p.recent
                    else p.error_ratio
                )
                share = ratio if code == "500" else 1 - ratio
                if (
                    p.reset_at is not None
                    and now - p.reset_at <= t < now - p.reset_at + 10 * MINUTE
                ):
                    count = 0.0  # the process restarted
                count += p.rpm * minutes * share
                lines.append(
                    f'http_requests_total{{service="{p.service}",code="{code}"}} {count:.3f} {t}'
                )
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Prometheus:
    def __init__(self, workdir: Path) -> None:
        for tool in ("prometheus", "promtool"):
            if shutil.which(tool) is None:
                raise RuntimeError(
                    f"{tool} is not installed: run `bash scripts/test.sh`, which installs Debian's prometheus package"
                )
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        now = int(time.time())
        data = self.workdir / "data"
        source = self.workdir / "series.om"
        source.write_text(openmetrics(now))
        # One block per 31 days instead of promtool's default of one per 2 hours: the same samples
        # in 3 blocks rather than ~350 (building and opening 350 cost 40 s of the suite).
        subprocess.run(
            [
                "promtool",
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                "--max-block-duration=744h",
                str(source),
                str(data),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        config = self.workdir / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1h\nscrape_configs: []\n")
        log = open(self.workdir / "prometheus.log", "wb")
        self.process = subprocess.Popen(
            [
                "prometheus",
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                "--storage.tsdb.retention.time=120d",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--web.enable-lifecycle",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"prometheus exited: {(self.workdir / 'prometheus.log').read_text()[-2000:]}"
                )
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("prometheus did not become ready within 60 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
