"""The "Python and R side by side" chapter renders with the real PHEindicatormethods and with
base R only (the packages hidden from the bridge by ``NHS_R_HIDE_PACKAGES``), and names what
actually ran.

Each render runs the chapter's code (about a minute) in a fresh kernel with its own cache.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import pytest

from analysis.book import load_project, render_offline
from analysis.rbridge.hooks import FUNNELPLOTR, HIDE_VARIABLE, PHE

REPOSITORY = Path(__file__).resolve().parents[2]
CHAPTER = "chapters/python-and-r.qmd"


def rendered_text(tmp_path: Path) -> str:
    project = replace(load_project(REPOSITORY), output_dir=tmp_path / "book")
    render_offline(
        project,
        only=[CHAPTER],
        pdf_output=False,
        cache_dir=tmp_path / "cache",  # never the shared cache: R differs between renders
        log=lambda _: None,
    )
    page = (tmp_path / "book" / "chapters" / "python-and-r.html").read_text()
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.slow
def test_chapter_with_the_package_names_its_functions(tmp_path, phe_version):
    text = rendered_text(tmp_path)
    assert re.search(
        rf"{PHE} {re.escape(phe_version)}(, {FUNNELPLOTR} [\d.]+)? (is|are) installed", text
    )
    dsr = re.search(rf"(calculate_dsr|phe_dsr) from {PHE} {re.escape(phe_version)}", text)
    assert dsr, "the DSR's R code should name the package function that ran"
    assert f"{dsr.group(1)} ( x = events" in text  # the code that ran is shown
    assert re.search(rf"phe_sii from {PHE} {re.escape(phe_version)}", text)
    assert "from base-R reference" not in text and "NO" not in text.split()


@pytest.mark.slow
def test_chapter_with_base_r_only_names_the_reference(tmp_path, monkeypatch, r_session):
    monkeypatch.setenv(HIDE_VARIABLE, f"{PHE} {FUNNELPLOTR}")  # the kernel inherits it
    text = rendered_text(tmp_path)
    assert "PHEindicatormethods is not installed, so the R side is the base-R reference" in text
    assert "ref_dsr from base-R reference" in text and "ref_sii from base-R reference" in text
    assert not re.search(rf"from {PHE} \d", text)  # no package function claimed to have run
    assert "NO" not in text.split()
