"""Opening what chronos is given, safely: regular files only, inside the case, bounded YAML.

Every reader opens its source through :func:`open_regular`, which refuses anything that is
not a regular file (a device such as ``/dev/zero`` would never end, a named pipe would
block forever, a socket or a folder is not an export) and checks again on the open file,
so a path swapped for a pipe between the check and the open cannot hang the run.
:func:`check_inside` keeps a case's sources, mappings and settings inside the case folder
unless the manifest names other folders (``allow_outside_case``). :func:`load_yaml` reads
manifests, mappings, rule files and settings with a loader that refuses alias bombs and
deep nesting before anything walks the document.

Error messages name the file and what is wrong with it, never what the file holds.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import IO, Any

from chronos import limits
from chronos.errors import ChronosError, SourceError

_KINDS = ((stat.S_ISDIR, "a folder, not a file"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def os_error(exc: OSError, label: str, error: type[ChronosError] = SourceError,
             what: str = "file") -> ChronosError:
    """A :class:`ChronosError` for an ``OSError`` met opening or reading ``label``."""
    if exc.errno == errno.ENOENT:
        return error(f"{what} not found", file=label)
    if exc.errno == errno.ELOOP:
        return error("the path is a loop of symbolic links", file=label)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return error(f"no permission to read the {what}", file=label)
    if exc.errno == errno.EISDIR:
        return error("this is a folder, not a file", file=label)
    return error(f"cannot read the {what}: {exc.strerror or exc}", file=label)


def check_regular(path: str | Path, label: str | None = None, *, folder_ok: bool = False,
                  error: type[ChronosError] = SourceError) -> os.stat_result:
    """The ``stat`` of ``path`` if it is a regular file (or, with ``folder_ok``, a folder);
    otherwise ``error`` saying what it is (a device, a pipe, a socket, a loop...)."""
    label = label or str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise os_error(exc, label, error) from None
    if stat.S_ISREG(info.st_mode) or (folder_ok and stat.S_ISDIR(info.st_mode)):
        return info
    raise error(f"this is {_kind(info.st_mode)}: chronos reads only regular files",
                file=label, hint="point the manifest at the export file itself")


def open_regular(path: str | Path, label: str | None = None, *,
                 error: type[ChronosError] = SourceError, what: str = "file") -> IO[bytes]:
    """``path`` opened for reading in binary, refused unless it is a regular file.

    Opened non-blocking (a named pipe put in its place after any earlier check cannot
    block), then checked on the open descriptor, then switched back to blocking reads."""
    label = label or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise os_error(exc, label, error, what) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"this is {_kind(mode)}: chronos reads only regular files",
                        file=label, hint="point the manifest at the export file itself")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: str | Path, label: str | None = None, *, limit: int | None = None,
               error: type[ChronosError] = SourceError, what: str = "file") -> bytes:
    """The whole of a regular file (``error`` when it is not one, or longer than ``limit``;
    ``what`` names the file in messages: ``mapping file not found``)."""
    label = label or str(path)
    with open_regular(path, label, error=error, what=what) as handle:
        try:
            data = handle.read(-1 if limit is None else limit + 1)
        except OSError as exc:
            raise os_error(exc, label, error, what) from None
    if limit is not None and len(data) > limit:
        raise error(f"the file is larger than {limit:,} bytes, the most chronos reads "
                    "for this kind of file", file=label)
    return data


# --------------------------------------------------------------------------- folders

def resolved(path: str | Path) -> Path:
    """``path`` with every symbolic link followed (``strict=False``: it may not exist)."""
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):  # a loop on some platforms
        return Path(os.path.abspath(path))


def is_inside(path: str | Path, folders) -> bool:
    """True when ``path``, links followed, is one of ``folders`` or under one."""
    target = resolved(path)
    return any(target == folder or folder in target.parents
               for folder in (resolved(f) for f in folders))


def check_inside(path: str | Path, folders, *, label: str, what: str,
                 error: type[ChronosError], file: str | None = None) -> None:
    """Refuse ``path`` unless it lies in one of ``folders`` (links followed), without
    opening it. ``what`` says which entry it is (``sources[2] path``) for the message."""
    if is_inside(path, folders):
        return
    raise error(f"{what} {label!r} is outside the case folder; chronos does not read it",
                file=file, hint="move the file into the case folder, or list its folder "
                                "under allow_outside_case: in the manifest "
                                "(docs/analyst.md, 'Inputs it will not read')")


# --------------------------------------------------------------------------- YAML

def load_yaml(path: str | Path, *, error: type[ChronosError], label: str | None = None,
              what: str = "file") -> Any:
    """A YAML file read with the limits of :mod:`chronos.limits`; ``error`` (a
    :class:`ChronosError` subclass) for a file that is missing, not a regular file, too
    large, not UTF-8, not YAML, or that expands too far."""
    label = label or str(path)
    data = read_bytes(path, label, limit=limits.MAX_YAML_BYTES, error=error, what=what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"the {what} is not UTF-8 text (byte 0x{data[exc.start]:02X} at offset "
                    f"{exc.start})", file=label) from None
    return parse_yaml(text, error=error, label=label, what=what)


def parse_yaml(text: str, *, error: type[ChronosError], label: str, what: str = "file") -> Any:
    """YAML text as Python values (safe types only), refusing documents that nest deeper
    than :data:`~chronos.limits.MAX_YAML_DEPTH` or expand, aliases counted as copies, to
    more than :data:`~chronos.limits.MAX_YAML_NODES` nodes."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, error, label, what)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise error(f"the {what} is not valid YAML: {problem}", file=label,
                    row=mark.line + 1 if mark else None) from None
    except RecursionError:
        raise error(f"the {what} nests more than {limits.MAX_YAML_DEPTH} levels deep",
                    file=label) from None
    finally:
        loader.dispose()


def _check_expansion(root, error, label: str, what: str) -> None:
    """Expanded size and depth of a composed YAML node graph, without expanding it."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            depths[key] = 1 + max((depths[id(c)] for c in children), default=0)
            if sizes[key] > limits.MAX_YAML_NODES:
                raise error(f"the {what} expands to more than {limits.MAX_YAML_NODES:,} "
                            "values (aliases counted as copies): refused as an alias bomb",
                            file=label, row=node.start_mark.line + 1)
            if depths[key] > limits.MAX_YAML_DEPTH:
                raise error(f"the {what} nests more than {limits.MAX_YAML_DEPTH} levels "
                            "deep", file=label, row=node.start_mark.line + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise error(f"the {what} holds an alias that refers to itself", file=label,
                        row=node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _children(node) -> list:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
