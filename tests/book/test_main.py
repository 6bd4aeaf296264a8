"""The book command: --output-dir writes elsewhere, --refresh re-runs cached chapters."""

from __future__ import annotations

from analysis.book.__main__ import main


def test_output_dir_and_refresh(tmp_path, book_writer, capsys):
    book_writer(tmp_path)
    elsewhere = tmp_path / "other-book"
    common = ["--offline", "--html-only", "--root", str(tmp_path), "--output-dir", str(elsewhere)]
    assert main(common) == 0
    assert (elsewhere / "chapters" / "first.html").exists()
    assert not (tmp_path / "_book").exists()  # _quarto.yml's output-dir is left alone
    capsys.readouterr()
    assert main(common) == 0
    assert "executed" not in capsys.readouterr().out  # every chapter from the cache
    assert main([*common, "--refresh"]) == 0
    assert "chapters/first.qmd: executed" in capsys.readouterr().out
