"""The HTML book in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by selenium) opens every page at 1280 px and at 390 px (a
phone) and checks that nothing scrolls sideways, that no script fails, that the sidebar folds
behind its button on the phone and that search finds a known term. Screenshots of every page
at both widths go to ``$BOOK_SCREENSHOTS`` (default: a temporary folder, printed).

The book is a small one rendered here (the tiny test book and a chapter of wide content: a
long URL, long code, wide tables and printed output), so the test needs no earlier render.
``BOOK_HTML_DIR=_book`` checks a rendered book as well (CI does, after rendering it).
Without Chromium the test skips, unless ``NHS_REQUIRE_BROWSER=1`` (set in CI), when it fails.
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest

from analysis.book import load_project, render_offline
from tests.book.conftest import QUARTO_YML

REQUIRED = os.environ.get("NHS_REQUIRE_BROWSER") == "1"
if REQUIRED:
    from selenium import webdriver
else:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and DRIVER) and not REQUIRED,
        reason="Chromium or its WebDriver is not installed (scripts/setup.sh installs Debian's "
        "chromium and chromium-driver when run as root with apt-get)",
    ),
]
WIDTHS = {"desktop": 1280, "phone": 390}
LONG_URL = "https://www.example.org/" + "averyverylongpathsegment/" * 8 + "report.html"
WIDE = """\
# Wide content {#sec-wide}

A link written out in full: <LONG_URL>. A long name in code: `LONG_NAME`.

```{python}
#| label: wide-code
#| code-fold: show
numbers = list(range(40))
print(", ".join(f"value {n}" for n in numbers))
```

```{python}
#| label: tbl-wide
#| tbl-cap: "A table with many columns"
import pandas as pd
from analysis.report import nhs_table

table = pd.DataFrame({f"Column heading {i}": [1234.5 * i, 98765.4] for i in range(14)})
table.insert(0, "area", ["North of the region", "South of the region"])
nhs_table(table, rowname_col="area", counts=[], source="Made up for the test.")
```

```{python}
#| label: tbl-frame
#| tbl-cap: "A wide data frame"
pd.DataFrame({f"a long column name {i}": ["some text"] for i in range(12)})
```
""".replace("LONG_URL", LONG_URL).replace("LONG_NAME", "a_function_name_" * 8)


@pytest.fixture(scope="module")
def books(tmp_path_factory, book_writer) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("browser-book")
    config = QUARTO_YML.replace(
        "    - chapters/first.qmd\n", "    - chapters/first.qmd\n    - chapters/wide.qmd\n"
    )
    book_writer(root, {"chapters/wide.qmd": WIDE}, config=config)
    render_offline(load_project(root), log=lambda _: None, pdf_output=False)
    found = {"test book": root / "_book"}
    if os.environ.get("BOOK_HTML_DIR"):
        found["rendered book"] = Path(os.environ["BOOK_HTML_DIR"]).resolve()
    return found


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(DRIVER))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("BOOK_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


def _open(browser, page: Path, width: int) -> None:
    browser.get("about:blank")
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 768},
    )
    browser.get_log("browser")  # messages of earlier pages are not this page's
    browser.get(page.as_uri())


def _errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _overflow(browser) -> str:
    """'' when the page fits its width; else the widest elements, to say what to fix."""
    return browser.execute_script(
        """
        const width = window.innerWidth;
        if (document.documentElement.scrollWidth <= width) return "";
        const wide = [...document.querySelectorAll("body *")]
          .filter(e => e.getBoundingClientRect().right > width + 1)
          .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
               (e.className && e.className.baseVal === undefined ? "." + e.className : "") +
               " (" + Math.round(e.getBoundingClientRect().right) + " px)");
        return document.documentElement.scrollWidth + " px wide: " + wide.slice(0, 8).join(", ");
        """
    )


def _screenshot(browser, path: Path) -> None:
    height = browser.execute_script("return document.documentElement.scrollHeight")
    width = browser.execute_script("return window.innerWidth")
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 8000), "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def test_every_page_fits_both_widths_without_errors(books, browser, screenshots):
    problems = []
    opened = 0
    for book, folder in books.items():
        for page in sorted(folder.rglob("*.html")):
            name = page.relative_to(folder).as_posix()
            for label, width in WIDTHS.items():
                _open(browser, page, width)
                opened += 1
                overflow = _overflow(browser)
                if overflow:
                    problems.append(f"{book} {name} at {width} px scrolls sideways: {overflow}")
                problems += [f"{book} {name} at {width} px: {e}" for e in _errors(browser)]
                shot = f"{book.replace(' ', '-')}--{name.replace('/', '--')}--{label}.png"
                _screenshot(browser, screenshots / shot)
    assert opened >= 6
    assert problems == []


def test_the_sidebar_folds_on_a_phone_and_opens_from_the_keyboard(books, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = books["test book"] / "chapters" / "first.html"
    _open(browser, page, WIDTHS["desktop"])
    sidebar = browser.find_element(By.ID, "book-sidebar")
    button = browser.find_element(By.CSS_SELECTOR, ".nav-toggle")
    assert sidebar.is_displayed() and not button.is_displayed()

    _open(browser, page, WIDTHS["phone"])
    sidebar = browser.find_element(By.ID, "book-sidebar")
    button = browser.find_element(By.CSS_SELECTOR, ".nav-toggle")
    assert button.is_displayed() and not sidebar.is_displayed()
    assert button.get_attribute("aria-expanded") == "false"
    # the content comes first: the chapter title is on the first screen
    title = browser.find_element(By.CSS_SELECTOR, "h1.chapter-title")
    assert title.location["y"] < 300
    button.send_keys(Keys.ENTER)  # a real button: the keyboard opens it
    assert sidebar.is_displayed() and button.get_attribute("aria-expanded") == "true"
    browser.find_element(By.ID, "search-box").send_keys(Keys.ESCAPE)
    assert not sidebar.is_displayed() and button.get_attribute("aria-expanded") == "false"
    assert browser.switch_to.active_element == button  # focus goes back to the button
    assert _errors(browser) == []


def test_search_finds_a_known_term_with_rendered_text(books, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, books["test book"] / "index.html", WIDTHS["desktop"])
    browser.find_element(By.ID, "search-box").send_keys("warning")
    results = WebDriverWait(browser, 5).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#search-results li a")
    )
    links = [r.get_attribute("href") for r in results]
    assert any(link.endswith("chapters/first.html#sec-methods") for link in links)
    text = browser.find_element(By.ID, "search-results").text
    assert "Body of the warning" in text and "@" not in text
    assert _errors(browser) == []
