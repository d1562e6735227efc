"""Where ft-workbench keeps its files: the store, the cache, the config.

Resolution order for the home folder: the `WORKBENCH_HOME` environment variable, else
platformdirs' per-user folders. Nothing is created at import time; callers ask for a
path and the directory is made on first use.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "ft-workbench"
DB_FILENAME = "workbench.db"


def _home_override() -> Path | None:
    value = os.environ.get("WORKBENCH_HOME")
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Folder holding the default store (workbench.db)."""
    home = _home_override()
    return _ensure(home if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)))


def cache_dir() -> Path:
    """Folder for rebuildable files (tokenizer BPE files, ...)."""
    home = _home_override()
    return _ensure(home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)))


def config_dir() -> Path:
    """Folder for user settings such as the keymap."""
    home = _home_override()
    return _ensure(home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)))


def default_db_path() -> Path:
    return data_dir() / DB_FILENAME


def write_crash_log(exc: BaseException) -> Path | None:
    """Append an unexpected error's traceback to crash.log in the cache folder (the one
    place both front ends write it); returns the log's path, None if it can't be written."""
    import traceback

    try:
        log = cache_dir() / "crash.log"
        with open(log, "a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) + "\n")
        return log
    except OSError:
        return None


# Dataset names end up in file names (the app's default export folder). A name with a
# path separator or a dot-only name could point outside the folder it is put in.
_NOT_IN_NAMES = ("/", "\\", "\x00")


def dataset_name_problem(name: str) -> str | None:
    """Why a dataset name is refused, or None when it is fine."""
    if not name or not name.strip():
        return "a dataset name cannot be empty"
    if any(ch in name for ch in _NOT_IN_NAMES):
        return f"a dataset name cannot contain '/' or '\\\\' ({name!r})"
    if name.strip(" .") == "":
        return f"a dataset name cannot be only dots ({name!r})"
    if any(ord(ch) < 32 for ch in name):
        return f"a dataset name cannot contain control characters ({name!r})"
    return None


def file_slug(name: str, fallback: str = "dataset") -> str:
    """A name safe as one path component: letters, digits, '-', '_' and '.' kept, the rest
    '-'; never '.', '..', empty or absolute, whatever the name was."""
    import re

    slug = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-.")
    return slug[:100] or fallback


def inside(folder: Path, name: str) -> Path:
    """`folder / file_slug(name)`, checked to stay inside `folder`."""
    target = (folder / file_slug(name)).resolve()
    if folder.resolve() not in target.parents:
        raise ValueError(f"{name!r} would leave {folder}")
    return target
