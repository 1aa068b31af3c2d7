"""The explorer's section without a browser: its controls, its outputs, and when it is off."""

from __future__ import annotations

import re

import pytest

from exposure_fixtures import build_messages
from kzcn.exposure import ExposureResult, compute_exposure, render_html
from kzcn.exposure import explorer as explorer_module
from kzcn.exposure.explorer import QI_CONTROLS, build_explorer, explorer_for


@pytest.fixture(scope="module")
def result() -> ExposureResult:
    return compute_exposure(list(build_messages(300, seed=3)), keep_persons=True)


def test_every_control_and_number_is_marked_for_tests(result: ExposureResult) -> None:
    html = render_html(result, "en", explorer_for(result))
    for qi, levels in QI_CONTROLS.items():
        if qi == result.settings.sensitive:
            # The sensitive attribute is what the groups may give away, not a QI to tick.
            assert f'data-qi="{qi}"' not in html
            continue
        assert f'<input type="checkbox" data-qi="{qi}"' in html
        for level in levels if len(levels) > 1 else ():
            assert f'data-qi="{qi}" data-level="{level}"' in html
    for metric in ("unique_share", "k", "classes", "l_distinct"):
        assert f'data-metric="{metric}"' in html
    # The report's own QIs are ticked when the page opens, at their levels.
    assert '<input type="checkbox" data-qi="date_of_birth" checked>' in html
    assert 'data-qi="place_of_birth" data-level="locality" checked>' in html


def test_the_explorer_is_off_above_the_limit_and_says_why(
    result: ExposureResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(explorer_module, "EXPLORER_MAX_PEOPLE", 10)
    assert result.persons is not None
    off = build_explorer(result.persons, result.settings.qi, result.settings.sensitive)
    html = render_html(result, "ru", off)
    assert 'data-explorer="off"' in html
    assert f"{result.persons.height:,}".replace(",", "\u00a0") in html
    # No data and no script: the policy allows none.
    assert "<script" not in html
    assert "script-src" not in html


def test_without_persons_there_is_no_explorer() -> None:
    plain = compute_exposure(list(build_messages(50, seed=3)))
    assert explorer_for(plain) is None
    assert not re.search(r"<script|id=\"explorer\"", render_html(plain, "en"))
