"""analytics.cli.output: what the command line writes where the user says, whole, and to what the name points at."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from analytics.cli.output import inside, write_bytes


def test_a_new_file_is_written_whole_and_nothing_else_is_left(tmp_path):
    write_bytes(tmp_path / "brief.pdf", b"%PDF-1")
    assert [p.name for p in tmp_path.iterdir()] == ["brief.pdf"] and (tmp_path / "brief.pdf").read_bytes() == b"%PDF-1"


def test_an_existing_file_is_replaced_only_when_the_new_one_is_whole(tmp_path):
    target = tmp_path / "report.csv"
    target.write_bytes(b"old")

    def fail(path: Path) -> None:
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    from analytics.cli.output import write_whole

    with pytest.raises(OSError) as raised:
        write_whole(target, fail)
    assert raised.value.filename == str(target)  # said of the file asked for, not of the temporary one
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_a_link_is_followed_and_stays_a_link(tmp_path):
    """A review: ``--out link.pdf`` replaced the link with a file and left its target as it was."""
    (tmp_path / "target.pdf").write_bytes(b"old")
    (tmp_path / "link.pdf").symlink_to("target.pdf")
    write_bytes(tmp_path / "link.pdf", b"new")
    assert (tmp_path / "link.pdf").is_symlink() and (tmp_path / "target.pdf").read_bytes() == b"new"


def test_a_pipe_is_written_into_not_replaced(tmp_path):
    """A review: ``--out /dev/full`` replaced the device with a PDF (a FIFO stands in for a device here)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_bytes(fifo, b"%PDF-1 through a pipe")
    reader.join(10)
    assert got == [b"%PDF-1 through a pipe"] and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_bytes(tmp_path, b"x")


@pytest.mark.parametrize(("path", "folder", "within"), [
    ("store/catalogue.sqlite", "store", True), ("store", "store", True), ("store/parts/a.parquet", "store", True),
    ("store.tar.gz", "store", False), ("other/store", "store", False), ("backup.tar.gz", "store", False),
])
def test_inside(tmp_path, path, folder, within):
    assert inside(tmp_path / path, tmp_path / folder) is within


def test_inside_follows_links(tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "store")
    assert inside(tmp_path / "alias" / "catalogue.sqlite", tmp_path / "store")
