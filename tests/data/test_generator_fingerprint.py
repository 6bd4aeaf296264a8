"""Stored synthetic populations are stale when the generator's code changes, not its docs."""

from __future__ import annotations

from analysis.data.loaders import _code_without_docstrings, generator_fingerprint

MODULE = '''"""Module docs."""

# a comment
def draw(n):
    """Draw n people."""
    return n * 2


class Place:
    """A place."""

    def size(self):
        """Its size."""
        return 3
'''


def test_documentation_edits_keep_the_fingerprint(tmp_path):
    before, after = tmp_path / "a.py", tmp_path / "b.py"
    before.write_text(MODULE)
    after.write_text(
        MODULE.replace("Draw n people.", "Draw n people, as the parameters say.")
        .replace("# a comment", "# another comment")
        .replace('"""A place."""', '"""A place.\n\n    More words.\n    """')
    )
    assert _code_without_docstrings(before) == _code_without_docstrings(after)


def test_code_edits_change_the_fingerprint(tmp_path):
    before, after = tmp_path / "a.py", tmp_path / "b.py"
    before.write_text(MODULE)
    for changed in (MODULE.replace("n * 2", "n * 3"), MODULE.replace("return 3", "return 4")):
        after.write_text(changed)
        assert _code_without_docstrings(before) != _code_without_docstrings(after)


def test_a_function_that_is_only_a_docstring_still_parses(tmp_path):
    path = tmp_path / "c.py"
    path.write_text('def f():\n    """Nothing else."""\n')
    assert "Pass" in _code_without_docstrings(path)


def test_fingerprint_is_a_sha256_digest():
    digest = generator_fingerprint()
    assert len(digest) == 64 and int(digest, 16) >= 0
