"""The run's incident book (gate/incidents/book.py): the trusted settings' source asked once; a source
that cannot answer fails closed for tiers 0-1 and open for 2-3 (incidents.on_unavailable)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from testing.incidents import Fleet, action, config, incident, use_source

import gate.incidents.file as source
from gate.git import Repo
from gate.incidents import Place
from gate.incidents.book import Book, place_of
from gate.settings import IncidentSettings
from gate.snapshot import Snapshot


def _change(fleet: Fleet, service: str = "pay") -> None:
    fleet.repo.write(f"services/{service}/src/app.py", "def run():\n    return 2\n")
    fleet.repo.commit()


def test_a_missing_export_fails_closed_at_tier_0_and_the_gate_is_undecided(fleet: Fleet) -> None:
    fleet.export.unlink()
    _change(fleet)
    verdict = fleet.check()
    ((rule, severity, message),) = fleet.findings()
    assert (rule, severity) == ("incidents-unavailable", "error")
    assert "failing closed for tier 0" in message and "incidents.json: no such file" in message
    assert verdict.exit_code == 3 and verdict.headline == "undecided"
    assert "could not read the incidents" in str(verdict.undecided_reason)


def test_it_fails_open_at_tier_2(fleet: Fleet) -> None:
    fleet.export.write_text("{broken", encoding="utf-8")
    _change(fleet, "tools")
    assert fleet.check().verdict == "warn"
    ((rule, severity, message),) = fleet.findings("tools")
    assert (rule, severity) == ("incidents-unavailable", "warning")
    assert "failing open for tier 2" in message


@pytest.mark.parametrize(
    ("source", "settings"),
    [
        ("github", "{repository: acme/incidents, url: 'http://127.0.0.1:9', retries: 0}"),
        ("pagerduty", "{url: 'http://127.0.0.1:9', retries: 0}"),
        ("opsgenie", "{url: 'http://127.0.0.1:9', retries: 0}"),
    ],
)
def test_a_network_source_down_fails_closed_at_tier_0_open_at_tier_2_and_offline_asks_nothing(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, source: str, settings: str
) -> None:
    monkeypatch.setenv("PAGERDUTY_TOKEN", "pd-secret")
    monkeypatch.setenv("OPSGENIE_API_KEY", "og-secret")
    use_source(fleet, source, settings)
    fleet.repo.write("services/pay/src/app.py", "x = 1\n")
    fleet.repo.write("services/tools/src/app.py", "x = 1\n")
    fleet.repo.commit()
    assert [(r, s) for r, s, _ in fleet.findings("pay")] == [("incidents-unavailable", "error")]
    assert [(r, s) for r, s, _ in fleet.findings("tools")] == [("incidents-unavailable", "warning")]
    assert fleet.findings("pay", offline=True) == []  # --offline and the hook do not ask


def test_on_unavailable_is_set_per_tier(fleet: Fleet) -> None:
    fleet.export.unlink()
    fleet.repo.git("checkout", "-q", "main")
    fleet.repo.write(".gate.yaml", config(str(fleet.export), "  on_unavailable: {0: warn}\n"))
    fleet.repo.commit("tier 0 fails open")
    fleet.repo.git("checkout", "-q", "-B", "change", "main")
    _change(fleet)
    assert [s for _, s, _ in fleet.findings()] == ["warning"]


def test_a_staged_change_reads_no_export(fleet: Fleet) -> None:
    fleet.incidents(incident(actions=(action("PAY-1"),)))
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 2\n")
    fleet.repo.git("add", "-A")
    assert fleet.findings(staged=True) == []


def test_the_source_is_asked_once_per_run(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = source.fetch

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(source, "fetch", counted)
    fleet.incidents(incident(services=("pay", "tools"), actions=(action("X-1"),)))
    fleet.repo.write("services/pay/src/app.py", "x = 1\n")
    fleet.repo.write("services/tools/src/app.py", "x = 1\n")
    fleet.repo.commit()
    verdict = fleet.check()
    assert {s.name for s in verdict.services} == {"pay", "tools"} and calls == [1]


def test_a_tracked_path_in_any_letter_case_is_the_changes_own(fleet: Fleet) -> None:
    repo = Repo(fleet.repo.path)
    head = Snapshot(repo, repo.resolve("HEAD"))
    place = place_of(head, head)
    assert place.tracked(".gate.yaml") and not place.tracked("nothing.json")


def test_a_book_without_a_source_is_empty(tmp_path: Path) -> None:
    book = Book(IncidentSettings(), Place(str(tmp_path), lambda p: False))
    assert not book.configured and book.loaded.incidents == () and book.loaded.problem is None
