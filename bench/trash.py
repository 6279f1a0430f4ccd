"""Setting trees aside instead of deleting them between measured runs.

A cold build starts without output or cache, so each run first removes the previous run's trees (tens of
thousands of files). On ext4 without a journal, as on the benchmark machine, the kernel will not reuse an
inode freed in the last minute or more (`recently_deleted` in fs/ext4/ialloc.c), and every file created
meanwhile scans past all of them: right after deleting a 10,000-article site, creating 10,000 files took
4.6 s instead of 0.4 s, and runs got slower one after the other (cold builds 26 -> 43 s in six runs, all
of it system time). That measures the file system's recent history, not the tool, and it hits whichever
tool runs right after a deletion. So the trees are renamed into `work/trash/` (instant, same file
system) and deleted once all runs are done.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

TRASH = Path(__file__).resolve().parent / "work" / "trash"
_numbers = itertools.count()


def set_aside(path: Path) -> None:
    """Move `path` (if it exists) out of the way, into the trash."""
    if not path.exists():
        return
    TRASH.mkdir(parents=True, exist_ok=True)
    while True:
        target = TRASH / f"{next(_numbers)}-{path.name}"
        if not target.exists():
            break
    path.rename(target)


def empty_trash() -> None:
    shutil.rmtree(TRASH, ignore_errors=True)
