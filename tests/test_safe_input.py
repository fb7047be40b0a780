"""Opening inputs: regular files only, never blocking on a pipe, inside given folders,
YAML within its limits (alias bombs, self-reference, depth, size, encoding)."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from chronos import limits
from chronos.errors import ManifestError, MappingError, SourceError
from chronos.safe_input import (check_inside, check_regular, is_inside, load_yaml,
                                open_regular, parse_yaml, read_bytes)


def test_a_regular_file_is_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"x,y\n")
    assert read_bytes(path) == b"x,y\n"
    assert check_regular(path).st_size == 4


@pytest.mark.parametrize("make, words", [
    (lambda p: os.mkfifo(p), "named pipe"),
    (lambda p: p.mkdir(), "folder, not a file"),
    (lambda p: (os.symlink(p.with_name("b"), p), os.symlink(p, p.with_name("b"))), "loop"),
    (lambda p: None, "file not found"),
])
def test_what_is_not_a_regular_file_is_named(tmp_path, make, words):
    path = tmp_path / "a"
    make(path)
    with pytest.raises(SourceError, match=words) as raised:
        read_bytes(path, "a.csv")
    assert raised.value.file == "a.csv" and raised.value.exit_code == 3


def test_a_device_and_a_socket_are_refused(tmp_path):
    with pytest.raises(SourceError, match="a device"):
        open_regular("/dev/zero")
    with pytest.raises(SourceError, match="a device"):
        check_regular("/dev/null")
    path = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        with pytest.raises(SourceError, match="socket"):
            read_bytes(path)
    finally:
        server.close()


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: open_regular must not."""
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_try_open(path)), daemon=True)
    worker.start()
    worker.join(10)
    assert outcome == ["named pipe"], "open_regular blocked on a FIFO"


def _try_open(path):
    try:
        open_regular(path)
    except SourceError as exc:
        return "named pipe" if "named pipe" in exc.message else exc.message
    return "opened"


def test_a_folder_is_accepted_only_when_asked(tmp_path):
    assert check_regular(tmp_path, folder_ok=True)
    with pytest.raises(SourceError, match="folder"):
        check_regular(tmp_path)


def test_read_bytes_limit_and_error_class(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 11)
    assert read_bytes(path, limit=11) == b"x" * 11
    with pytest.raises(MappingError, match="larger than 10 bytes"):
        read_bytes(path, limit=10, error=MappingError)
    with pytest.raises(MappingError, match="^file .*: mapping file not found"):
        read_bytes(tmp_path / "nope.yaml", error=MappingError, what="mapping file")


def test_inside_follows_links(tmp_path):
    case = tmp_path / "case"
    case.mkdir()
    (tmp_path / "secret.csv").write_text("x")
    os.symlink(tmp_path / "secret.csv", case / "link.csv")
    (case / "in.csv").write_text("x")
    assert is_inside(case / "in.csv", [case])
    assert is_inside(case / "sub" / ".." / "in.csv", [case])
    assert not is_inside(case / ".." / "secret.csv", [case])
    assert not is_inside(case / "link.csv", [case])          # a link that leads out
    assert is_inside(case / "link.csv", [case, tmp_path])
    assert not is_inside("/etc/passwd", [case])
    with pytest.raises(ManifestError, match="outside the case folder") as raised:
        check_inside(case / "link.csv", [case], label="link.csv", what="sources[1] path",
                     error=ManifestError, file="case.yaml")
    assert raised.value.exit_code == 2 and "allow_outside_case" in raised.value.hint


# --------------------------------------------------------------------------- YAML

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(6))


def test_an_alias_bomb_is_refused_before_it_is_walked():
    with pytest.raises(ManifestError, match="alias bomb"):
        parse_yaml(BOMB, error=ManifestError, label="case.yaml")


def test_aliases_within_the_limit_are_read(monkeypatch):
    text = "base: &b {agency: GP, dayfirst: true}\none: {<<: *b, name: a}\ntwo: *b\n"
    data = parse_yaml(text, error=ManifestError, label="m.yaml")
    assert data["one"] == {"agency": "GP", "dayfirst": True, "name": "a"}
    assert data["two"] == {"agency": "GP", "dayfirst": True}
    monkeypatch.setattr(limits, "MAX_YAML_NODES", 8)   # the expanded size is what counts
    with pytest.raises(ManifestError, match="expands to more than 8"):
        parse_yaml(text, error=ManifestError, label="m.yaml")


@pytest.mark.parametrize("text, words", [
    ("a: &a [*a]\n", "refers to itself"),
    ("x: " + "[" * 150 + "]" * 150 + "\n", "nests more than 100 levels"),
    ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nest"),
    ("a: [1, 2\n", "not valid YAML"),
    ("x: *nowhere\n", "not valid YAML"),
])
def test_yaml_problems_are_named(text, words):
    with pytest.raises(MappingError, match=words) as raised:
        parse_yaml(text, error=MappingError, label="gp.yaml", what="mapping file")
    assert raised.value.file == "gp.yaml"


def test_yaml_files_limits(tmp_path, monkeypatch):
    path = tmp_path / "case.yaml"
    path.write_bytes("case: Zoë\n".encode("utf-8-sig"))
    assert load_yaml(path, error=ManifestError) == {"case": "Zoë"}
    path.write_bytes(b"case: Zo\xeb\n")
    with pytest.raises(ManifestError, match=r"not UTF-8 text \(byte 0xEB"):
        load_yaml(path, error=ManifestError)
    monkeypatch.setattr(limits, "MAX_YAML_BYTES", 5)
    with pytest.raises(ManifestError, match="larger than 5 bytes"):
        load_yaml(path, error=ManifestError)
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(ManifestError, match="named pipe"):
        load_yaml(tmp_path / "pipe.yaml", error=ManifestError)
