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
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stamp(requirements: str) -> Path:
    return VENV / f".installed-{Path(requirements).stem}"


def ensure_env(requirements: str) -> None:
    """Create the virtual environment and install ``requirements`` when they changed.

    Each requirements file's hash is kept in a stamp once installed; the development
    requirements include the runtime ones (``-r requirements.txt``), so installing them stamps
    both, and ``run`` after ``test`` installs nothing.
    """
    if sys.version_info < (3, 11):
        sys.exit("Seba Atlas needs Python 3.11 or newer.")
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    covered = [requirements] + (["requirements.txt"] if requirements != "requirements.txt" else [])
    if all(_stamp(name).exists() and _stamp(name).read_text() == _digest(ROOT / name) for name in covered):
        return
    print(f"Installing {requirements} into .venv ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(ROOT / requirements)], check=True)
    for name in covered:
        _stamp(name).write_text(_digest(ROOT / name))


def call(args: list[str]) -> int:
    """Run ``args`` in the repository and wait; a stop signal (SIGTERM, SIGHUP) or Ctrl-C ends the
    child too (the Streamlit server would otherwise keep its port after ``dev.py`` is gone)."""
    child = subprocess.Popen(args, cwd=ROOT)

    def stop(signum, _frame):  # noqa: ANN001
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
        sys.exit(128 + signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        try:
            return child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            return child.wait()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "help"
    extra = argv[1:]
    if command == "run":
        ensure_env("requirements.txt")
        return call([str(PYTHON), "-m", "streamlit", "run", str(ROOT / "app.py"), *extra])
    if command == "test":
        ensure_env("requirements-dev.txt")
        return call([str(PYTHON), "-m", "pytest", *extra])
    if command == "bench":
        ensure_env("requirements-dev.txt")
        return call([str(PYTHON), "-m", "benchmarks", *extra])
    if command == "load":
        ensure_env("requirements.txt")
        return call([str(PYTHON), "-m", "benchmarks.load", *extra])
    print(__doc__)
    return 0 if command == "help" else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
