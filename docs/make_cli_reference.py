"""Write docs/cli.md, the command-line reference, from the ``--help`` of every command.

Run from the project root after changing a command or an option:

    python docs/make_cli_reference.py

``tests/test_docs_cli.py`` fails when docs/cli.md is out of date (``--check`` does the same
here: exit 1 and say so).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "cli.md"
WIDTH = "100"

INTRO = """# Command-line reference

Made by `python docs/make_cli_reference.py` from each command's `--help`; do not edit by
hand (`tests/test_docs_cli.py` fails when this page and the commands disagree).

Every command is a thin layer over `chronos.app` (one function per command, usable from
Python). Data goes to stdout and people's messages to stderr; every command that prints
data takes `--json`. An option name means the same in every command:

| option | meaning |
|---|---|
| `--out`, `-o` | where the command writes (a folder or a file, as each command says) |
| `--quiet`, `-q` | only errors on stderr (data on stdout is unchanged) |
| `--json` | the result as JSON on stdout |
| `--csv` | the table as CSV on stdout |
| `--child` | one child: a person id, a source record key or a name |
| `--rules FILE` | a rule file added to the catalogue (a rule with a catalogue id replaces it); repeatable |
| `--params FILE` | rule parameter overrides, `{rule_id: {param: value}}` |
| `--as-of DATE` | as on that date (genogram: the family then; ecomap: contacts up to it) |
| `--since DATE` | (screen) the first day of the screening period |
| `--summarise-before DATE` | (report) events before the date summarised per year and category |
| `--key FILE` | the pseudonym key file, kept apart from the shared files |

Dates in options are read by one parser (`chronos.dates.date_option`): ISO `2020-04-01`
(any year), else as practitioners write them, day first (`01/04/2020`, `1 Apr 2020`); a
month or a year alone means its first day. A value that is not a date is an error naming
the option (exit code 1).

Shell completion: `chronos --install-completion` (bash, zsh, fish, PowerShell), or
`chronos --show-completion` to see the script.

Exit codes: 0 success; 1 a general error; 2 a manifest, mapping or rule problem (or a
usage error); 3 a source that cannot be read; 4 `--strict` found quarantined rows;
70 an internal error.
"""


def commands() -> list[list[str]]:
    """Every command path of the ``chronos`` tree, the root first, in help order."""
    import typer

    from chronos.cli import app

    def walk(group, prefix):
        out = []
        for name, command in group.commands.items():
            out.append(prefix + [name])
            if getattr(command, "commands", None):
                out.extend(walk(command, prefix + [name]))
        return out

    return [[]] + walk(typer.main.get_command(app), [])


def help_text(path: list[str]) -> str:
    """``chronos PATH --help`` as plain text at a fixed width."""
    from typer.testing import CliRunner

    from chronos.cli import app

    result = CliRunner().invoke(app, [*path, "--help"], prog_name="chronos",
                                env={"COLUMNS": WIDTH, "TERM": "dumb"}, color=False)
    if result.exit_code != 0:
        raise SystemExit(f"chronos {' '.join(path)} --help failed: {result.output}")
    return "\n".join(line.rstrip() for line in result.output.strip().splitlines())


def reference() -> str:
    """The whole of docs/cli.md."""
    parts = [INTRO]
    for path in commands():
        title = " ".join(["chronos", *path])
        parts.append(f"## `{title}`\n\n```text\n{help_text(path)}\n```\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    text = reference()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text("utf-8") != text:
            print("docs/cli.md is out of date: run python docs/make_cli_reference.py")
            return 1
        return 0
    TARGET.write_text(text, "utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
