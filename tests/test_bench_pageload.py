"""benchmarks/pageload.py (issue 13, item 3): both pages load and draw their chart in headless Chromium.

No timing is asserted here (a shared machine's timings say little): only that the measurement
runs end to end and reports what it promises.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ROOT = Path(__file__).resolve().parent.parent


def test_pageload_measures_both_pages():
    if not Path("/usr/bin/chromium").exists():
        if os.environ.get("SEBA_ATLAS_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here (SEBA_ATLAS_REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium fonts-noto-core)")
    # its own process: Playwright's sync API cannot start in a thread where another test's browser
    # (tests/browser's session fixture) still runs its event loop
    done = subprocess.run([sys.executable, "-m", "benchmarks.pageload", "--repeat", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert {"bare_s", "map_s", "ratio", "bare_runs", "map_runs"} <= result.keys()
    assert len(result["bare_runs"]) == len(result["map_runs"]) == 1  # each page drew its chart once (else a timeout)
    assert result["bare_s"] > 0 and result["map_s"] > 0
    assert result["ratio"] == pytest.approx(result["map_s"] / result["bare_s"], rel=0.01)
