"""A tiny Quarto book written into a temporary folder, for the renderer's tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

QUARTO_YML = """\
project:
  type: book
  output-dir: _book
book:
  title: "Tiny book"
  author: "Tester"
  date: "2024-01-01"
  output-file: "tiny"
  chapters:
    - index.qmd
    - chapters/first.qmd
bibliography: references.bib
execute:
  echo: true
  warning: false
format:
  html:
    code-fold: true
  typst:
    echo: false
"""

BIBLIOGRAPHY = """\
@book{smith2020,
  title = {A Book on Things},
  author = {Smith, Jane},
  year = {2020},
  publisher = {Press}
}
"""

INDEX = """\
# Preface {.unnumbered}

Welcome. See @sec-methods and @fig-line.
"""

FIRST = """\
---
title: "First chapter"
---

Intro citing [@smith2020]. The answer is `{python} 6 * 7`.

## Methods {#sec-methods}

```{python}
#| label: fig-line
#| fig-cap: "A rising line"
#| fig-alt: "A straight line rising from left to right"
import sys
import warnings
import matplotlib.pyplot as plt
warnings.warn("LEAK" + "ED WARNING")
print("STDERR" + " TEXT", file=sys.stderr)
plt.plot([1, 2, 3]);
```

```{python}
#| label: tbl-small
#| tbl-cap: "A small table"
import pandas as pd
pd.DataFrame({"area": ["North", "South"], "rate": [3.5, 4.25]})
```

::: {.callout-note}
## Remember
See @tbl-small and @fig-line.
:::

::: {.callout-warning title="Careful"}
Body of the warning.
:::
"""


def write_book(
    root: Path, chapters: dict[str, str] | None = None, config: str = QUARTO_YML
) -> Path:
    """Write the tiny book (or other chapter texts) under ``root``."""
    files = {"index.qmd": INDEX, "chapters/first.qmd": FIRST, **(chapters or {})}
    (root / "_quarto.yml").write_text(config)
    (root / "references.bib").write_text(BIBLIOGRAPHY)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture(scope="session")
def book_writer():
    """``write_book(root, chapters=None, config=QUARTO_YML)``, for tests that vary the book."""
    return write_book
