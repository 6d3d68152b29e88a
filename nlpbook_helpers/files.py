"""Files in a home that several processes (or a whole class) share: umask-respecting atomic writes, build locks.

Every file and folder is created with the process's umask (0644/0755 under umask 022, group-writable under 002),
never `tempfile`'s private 0600/0700. Whatever is built is written under a temporary name and renamed into place,
so a reader sees the old file or the new one, never half of one; `build_lock` makes builders take turns.
"""
from __future__ import annotations

import errno
import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

try:
    import fcntl
except ImportError:                 # Windows: no advisory locks; the rename into place still keeps files whole
    fcntl = None

__all__ = ["build_lock", "remove_leftovers", "make_temp_dir", "write_atomically", "match_umask", "keep_newest",
           "save_in_cache", "write_generated"]


@contextmanager
def build_lock(folder: str | Path) -> Iterator[Path]:
    """Hold an exclusive lock on `folder` itself (no lock file is left behind); other builders wait their turn."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield folder
        return
    handle = os.open(folder, os.O_RDONLY)   # read access is enough for flock, so a classmate can take it too
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:                     # a file system without locks (some network mounts): go on unlocked
            pass
        yield folder
    finally:
        os.close(handle)                    # closing releases the lock


def remove_leftovers(folder: str | Path, *patterns: str) -> None:
    """Delete what an interrupted build left in `folder` (call it while holding `build_lock(folder)`)."""
    for pattern in patterns:
        for path in Path(folder).glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _temp_name(folder: Path, prefix: str, suffix: str = "") -> Path:
    return folder / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def make_temp_dir(folder: str | Path, prefix: str) -> Path:
    """A new empty folder `<folder>/<prefix><unique>`, with the umask's permissions (mkdtemp's are 0700)."""
    path = _temp_name(Path(folder), prefix)
    path.mkdir(mode=0o777)
    return path


def write_atomically(path: str | Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call `write(stream)` on a temporary file beside `path`, then rename it to `path` (permissions from the umask)."""
    path = Path(path)
    temp = _temp_name(path.parent, f".{path.name}.", ".tmp")
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def match_umask(folder: str | Path) -> Path:
    """Give the files in a `make_temp_dir` folder the umask's permissions (save_pretrained writes 0600 files)."""
    folder = Path(folder)
    mode = folder.stat().st_mode & 0o666    # the folder was made with 0o777 & ~umask
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            path.chmod(mode)
    return folder


def keep_newest(folder: str | Path, pattern: str, keep: int) -> list[Path]:
    """Delete all but the `keep` most recently written files matching `pattern`; return the deleted ones."""
    found = []
    for path in Path(folder).glob(pattern):
        try:
            found.append((path.stat().st_mtime_ns, path))
        except FileNotFoundError:
            continue
    old = [path for _, path in sorted(found, reverse=True)[keep:]]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def save_in_cache(path: str | Path, write: Callable[[BinaryIO], None], pattern: str, keep: int = 8,
                  leftovers: tuple[str, ...] = ()) -> Path:
    """Write `path` atomically into its cache folder; keep only the `keep` newest files matching `pattern` there."""
    path = Path(path)
    with build_lock(path.parent):
        remove_leftovers(path.parent, f".{pattern}.*.tmp", *leftovers)
        write_atomically(path, write)
        keep_newest(path.parent, pattern, keep)
    return path


def write_generated(contents: dict[Path, bytes], what: str) -> dict[Path, bytes]:
    """Write files this package generates (the embedded corpus, the example CSV) where they are missing.

    A file that is already there is kept when it holds `contents` byte for byte; any other file is someone's own
    data: FileExistsError naming it and `what` it is not, and nothing at all is written. All files of one call
    are in one folder, written under its build lock, so several processes may ask at once.
    """
    folders = {path.parent for path in contents}
    if len(folders) != 1:
        raise ValueError(f"write_generated: one folder at a time, not {sorted(map(str, folders))}")
    folder = folders.pop()
    with build_lock(folder):
        remove_leftovers(folder, *(f".{path.name}.*.tmp" for path in contents))
        for path, content in contents.items():
            if path.exists() and (not path.is_file() or path.read_bytes() != content):
                raise FileExistsError(errno.EEXIST, f"{path} is not {what}: nlpbook_helpers did not write it, so it "
                                      "was left as it is and nothing was written. Fix: give another path, or move "
                                      "that file away", str(path))
        for path, content in contents.items():
            if not path.exists():           # written under a temporary name, then renamed: never half a file
                write_atomically(path, lambda stream, data=content: stream.write(data))
    return contents
