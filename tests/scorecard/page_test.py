"""The demo's scorecard page in a real headless Chromium (Debian's package): it renders, it shows the
per-tier numbers, and it asks the network for nothing."""

from __future__ import annotations

import json
import os
import re
import socket
import struct
import subprocess
import threading
import zlib
from html.parser import HTMLParser
from pathlib import Path

from conftest import gate_subprocess, require

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    # Chromium's own services still call home with the flags above (network time, component
    # updates, accounts): switch them off or point them at a dead loopback port, which the
    # recording proxy would still see, so "no request at all" stays a strict test.
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication,"
    "CertificateTransparencyComponentUpdater,PrivacySandboxSettings4,OptimizationGuideModelDownloading",
    "--metrics-recording-only",
    "--disable-field-trial-config",
    "--no-service-autorun",
    "--disable-gaia-services",
    "--google-base-url=http://127.0.0.1:9",
    "--gaia-url=http://127.0.0.1:9",
    "--lso-url=http://127.0.0.1:9",
    "--component-updater=url-source=http://127.0.0.1:9",
)


class RecordingProxy:
    """Chromium's only way out: every request it tries (plain or CONNECT) is recorded here and refused."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.requests: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    line = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
                    if line:
                        self.requests.append(line)
                    conn.sendall(
                        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                except OSError:
                    pass

    def close(self) -> None:
        self.server.close()


def chromium(
    url: str, tmp: Path, proxy: RecordingProxy, *mode: str
) -> subprocess.CompletedProcess[str]:
    require("chromium")
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"  # a fresh profile each run
    command = [
        CHROMIUM,
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--proxy-server=http://127.0.0.1:{proxy.port}",
        "--proxy-bypass-list=<-loopback>",
        *mode,
        url,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp)}
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def png_bytes(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (filtered) scanlines of a PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def variety(path: Path) -> int:
    """Distinct byte values in the image data: a uniform image has a handful under any PNG filter."""
    return len(set(png_bytes(path)[2]))


class TierCells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.row: str | None = None
        self.key: str | None = None
        self.cells: dict[str, dict[str, str]] = {}
        self.months: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr":
            self.row = (
                a.get("id")
                if (a.get("id") or "").startswith(("tier-", "dr-tier-", "delivery-tiers-"))
                else None
            )
            if a.get("data-month"):
                self.months.append(str(a["data-month"]))
        if self.row and a.get("data-key"):
            self.key = str(a["data-key"])
            self.cells.setdefault(self.row, {})[self.key] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "span"):
            self.key = None

    def handle_data(self, data: str) -> None:
        if self.row and self.key:
            self.cells[self.row][self.key] += data


def test_demo_page_renders_in_chromium_with_its_numbers_and_no_network(
    tmp_path: Path, proxy: RecordingProxy
) -> None:
    result = gate_subprocess("demo", "--keep", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    found = re.search(
        r"^  scorecard: (\S+scorecard\.html) \(also scorecard\.md, scorecard\.json, services\.csv\)$",
        result.stdout,
        re.M,
    )
    assert found, result.stdout[-1500:]
    page = Path(found.group(1))
    for name in ("scorecard.md", "scorecard.json", "services.csv"):
        assert (page.parent / name).is_file()
    card = json.loads((page.parent / "scorecard.json").read_text(encoding="utf-8"))
    url = page.as_uri()

    shot = tmp_path / "page.png"
    dom = chromium(
        url, tmp_path, proxy, f"--screenshot={shot}", "--window-size=1280,1600", "--dump-dom"
    ).stdout  # one launch, both
    width, height, _ = png_bytes(shot)
    assert (width, height) == (1280, 1600) and variety(shot) > 64

    cells = TierCells()
    cells.feed(dom)
    expected = {
        0: (2, 2, 2, "1 exhausted, 1 ok"),  # payments' budget is spent; auth's is not
        1: (2, 1, 2, "2 ok"),
        2: (2, 1, 1, "1 no-slos, 1 ok"),  # notifications: its latest restore drill failed
        3: (1, 1, 0, "1 no-slos"),
    }
    for tier, (services, ready, slo, budgets) in expected.items():
        row = cells.cells[f"tier-{tier}"]
        assert (int(row["services"]), int(row["ready"]), int(row["slo"]), row["budgets"]) == (
            services,
            ready,
            slo,
            budgets,
        )
        json_row = card["tiers"][tier]
        assert (
            int(row["changes"]) == json_row["changes"]
            and int(row["risk-high"]) == json_row["risk"]["high"]
        )
    # Disaster-recovery readiness per tier: (services, RTO+RPO declared, drills fresh, failed latest drill)
    dr = {0: (2, 2, 2, 0), 1: (2, 2, 2, 0), 2: (2, 1, 1, 1), 3: (1, 0, 1, 0)}
    for tier, numbers in dr.items():
        row = cells.cells[f"dr-tier-{tier}"]
        keys = ("dr-services", "dr-objectives", "dr-fresh", "dr-failed")
        assert tuple(int(row[k]) for k in keys) == numbers, row
        json_row = card["resilience"]["tiers"][tier]
        assert (json_row["services"], json_row["failed"]) == (numbers[0], numbers[3])
    first = card["resilience"]["drills"][0]
    assert (first["service"], first["kind"], first["state"]) == (
        "notifications",
        "restore",
        "failed",
    )
    assert '<tr data-state="failed"><th scope="row">notifications</th>' in dom
    # The four keys per tier: auth's incident (2 h 15 min to restore), its postmortem on time, one
    # of its three actions closed by its due date; the figures are the JSON's
    row = cells.cells["delivery-tiers-0"]
    delivery = card["delivery"]["tiers"][0]
    assert int(row["deployments"]) == delivery["deployments"] > 0
    assert row["restore"] == "2.25 (high)" and row["postmortems"] == "1 / 1 (100%)"
    assert row["actions"] == "1 / 3 (33%)"
    assert card["delivery"]["change_failure_from"] == "reverts and incident-linked changes"
    assert "reverts and incident-linked changes" in dom and dom.count("data-delivery-month=") == 12
    assert len(cells.months) == 12 and "Reliability scorecard" in dom
    assert proxy.requests == []


def test_the_network_and_blank_checks_can_fail(tmp_path: Path, proxy: RecordingProxy) -> None:
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        '<!DOCTYPE html><p>x</p><img src="http://probe.gate.invalid/pixel.png"><link rel="stylesheet" href="http://probe.gate.invalid/x.css">',
        encoding="utf-8",
    )
    chromium(leaky.as_uri(), tmp_path, proxy, "--dump-dom")
    assert any("probe.gate.invalid" in r for r in proxy.requests)
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title>", encoding="utf-8")
    shot = tmp_path / "blank.png"
    chromium(blank.as_uri(), tmp_path, proxy, f"--screenshot={shot}", "--window-size=1280,1600")
    assert variety(shot) <= 64
