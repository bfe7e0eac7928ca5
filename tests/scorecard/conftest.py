"""What the scorecard's Chromium tests share: the recording proxy every launch goes through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scorecard.page_test import RecordingProxy


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    recorder = RecordingProxy()
    yield recorder
    recorder.close()
