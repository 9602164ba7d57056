"""Files the local system keeps in `.local/` that must survive a crash: written whole or not at all."""
import os
from pathlib import Path


def fsync_folder(folder: Path) -> None:
    """Make a new, renamed or removed name in `folder` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_temporary(path: Path, data: bytes, mode: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as target:
        target.write(data)
        target.flush()
        os.fsync(target.fileno())
    return temporary


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace `path` with `data` (created with `mode`): after a crash it holds the old bytes or
    the new ones, never a part."""
    temporary = _write_temporary(path, data, mode)
    os.replace(temporary, path)
    fsync_folder(path.parent)


def create_once(path: Path, data: bytes, mode: int = 0o644) -> bool:
    """Create `path` holding `data`, whole, unless it exists already; True when this call created it."""
    temporary = _write_temporary(path, data, mode)
    try:
        os.link(temporary, path)  # fails when the name is taken, never replaces it
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
        fsync_folder(path.parent)
    return True
