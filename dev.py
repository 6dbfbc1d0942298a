"""Set-up and run in one command, on Linux, macOS and Windows, with only Python 3.11+.

    python3 dev.py run     start the app on the bundled sample data (http://localhost:8501)
    python3 dev.py test    run the whole test suite (unit, AppTest, notebook, browser)
    python3 dev.py bench   run the benchmarks
    python3 dev.py load    run the load test: many viewers at once over websockets (benchmarks/load.py)

The first call creates ``.venv`` and installs the requirements; later calls reinstall only
when a requirements file changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_env(requirements: str) -> None:
    """Create the virtual environment and install ``requirements`` when they changed."""
    if sys.version_info < (3, 11):
        sys.exit("Seba Atlas needs Python 3.11 or newer.")
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    files = [ROOT / requirements] + ([ROOT / "requirements.txt"] if requirements != "requirements.txt" else [])
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{Path(requirements).stem}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Installing {requirements} into .venv ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(ROOT / requirements)], check=True)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    extra = argv[1:]
    if command == "run":
        ensure_env("requirements.txt")
        return subprocess.call([str(PYTHON), "-m", "streamlit", "run", str(ROOT / "app.py"), *extra], cwd=ROOT)
    if command == "test":
        ensure_env("requirements-dev.txt")
        return subprocess.call([str(PYTHON), "-m", "pytest", *extra], cwd=ROOT)
    if command == "bench":
        ensure_env("requirements-dev.txt")
        return subprocess.call([str(PYTHON), "-m", "benchmarks", *extra], cwd=ROOT)
    if command == "load":
        ensure_env("requirements.txt")
        return subprocess.call([str(PYTHON), "-m", "benchmarks.load", *extra], cwd=ROOT)
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
