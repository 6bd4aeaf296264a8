"""The atomic output folder: swap on success, nothing changed on failure, debris of killed runs."""

import os
import signal
import subprocess
import sys
import time

import pytest

from analysis.report.output_folder import MANIFEST, OutputError, staged_output


def _fill(folder, **files):
    for name, text in files.items():
        (folder / name).write_text(text)


def test_the_folder_is_replaced_as_a_whole_only_on_success(tmp_path):
    out = tmp_path / "out"
    with staged_output(out) as staging:
        _fill(staging, **{"a.csv": "1", MANIFEST: "{}"})
        assert not out.exists()  # nothing visible until the run is complete
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST]
    with pytest.raises(RuntimeError), staged_output(out) as staging:
        _fill(staging, **{"b.csv": "2", MANIFEST: "{}"})
        raise RuntimeError("failed half-way")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST]
    with staged_output(out) as staging:
        _fill(staging, **{"b.csv": "2", MANIFEST: "{}"})
    assert sorted(p.name for p in out.iterdir()) == ["b.csv", MANIFEST]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_debris_of_a_killed_run_is_cleared_and_a_moved_folder_put_back(tmp_path):
    out = tmp_path / "out"
    (tmp_path / ".out.staging-999").mkdir()  # killed while writing
    old = tmp_path / ".out.old-998"  # killed between the two renames of a swap
    old.mkdir()
    _fill(old, **{"a.csv": "1", MANIFEST: "{}"})
    with staged_output(out) as staging:
        # the previous output is back in place while this run writes
        assert sorted(p.name for p in out.iterdir()) == ["a.csv", MANIFEST]
        _fill(staging, **{MANIFEST: "{}"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_lock_held_by_a_killed_process_is_released(tmp_path):
    out = tmp_path / "out"
    holder = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from analysis.report.output_folder import staged_output\n"
        "with staged_output(Path(sys.argv[1])):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", holder, str(out)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "locked"
    busy = f"another run is writing .* \\(process {process.pid}\\)"
    with pytest.raises(OutputError, match=busy), staged_output(out):
        pass
    process.send_signal(signal.SIGKILL)  # no clean-up: the lock file and staging stay behind
    process.wait(timeout=30)
    assert (tmp_path / ".out.lock").exists()
    deadline = time.monotonic() + 10
    while True:
        try:
            with staged_output(out) as staging:
                _fill(staging, **{MANIFEST: "{}"})
            break
        except OutputError:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert os.listdir(out) == [MANIFEST]
