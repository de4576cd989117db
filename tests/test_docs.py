"""The documentation cannot drift: it names every concept-file field the program reads, refers to
nothing outside the repository, and every `imon …` command it shows parses with that command's
real argument parser."""

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from imon.core import conceptfile

ROOT = Path(__file__).parent.parent
DOC = (ROOT / "docs" / "concept-file.md").read_text(encoding="utf-8")
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]


def test_every_section_and_field_is_documented():
    for section, fields in conceptfile.SCHEMA.items():
        if section not in ("next_steps", "dimension_values"):
            assert f"### {section}" in DOC, section
        for name, _kind, opts in fields:
            assert f"`{name}`" in DOC, f"{section}.{name}"
            for choice in opts.get("choices", []):
                if choice:
                    assert f"`{choice}`" in DOC, f"{section}.{name}: {choice}"
    for name in conceptfile.OBSERVATION_FIELDS:
        assert f"`{name}`" in DOC


# ---- references outside the repository --------------------------------------------------------

OUTSIDE = [
    (re.compile(r"(?<![\w.])\.\./"), "a path outside the repository"),
    (re.compile(r"\bshared/|\bresearch/|/work/"), "a folder outside the repository"),
    (
        re.compile(
            r"\b(?:issue|ticket|pull request)s?\s*(?:no\.?\s*)?#?\d+|\bPRs?(?:\s*#|\s+)\d+", re.IGNORECASE
        ),
        "an issue number",
    ),
    (re.compile(r"(?<![\w&/#])#\d+\b"), "an issue number"),
]
# A path in backticks under one of the repository's folders names a file or folder that exists.
REPO_PATH = re.compile(r"`((?:imon|docs|bench|tests|bin|\.ci)/[\w./-]*?)`")


def outside_references(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in OUTSIDE:
            for match in pattern.finditer(line):
                found.append(f"line {number}: {what}: {match.group(0)!r}")
    return found


def test_documents_refer_to_nothing_outside_the_repository():
    problems = []
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        problems += [f"{path.relative_to(ROOT)} {p}" for p in outside_references(text)]
        for name in REPO_PATH.findall(text):
            if not (ROOT / name).exists():
                problems.append(f"{path.relative_to(ROOT)}: `{name}` does not exist")
    assert not problems, "\n".join(problems)


def test_outside_references_are_found():
    assert outside_references("see ../shared/design.md and /work/main") == [
        "line 1: a path outside the repository: '../'",
        "line 1: a folder outside the repository: 'shared/'",
        "line 1: a folder outside the repository: '/work/'",
    ]
    assert outside_references("Target (issue 4): 2 s, see #12 and Issue #3.") == [
        "line 1: an issue number: 'issue 4'",
        "line 1: an issue number: 'Issue #3'",
        "line 1: an issue number: '#12'",
        "line 1: an issue number: '#3'",
    ]
    assert outside_references("See PR 7 and PR#8.") == [
        "line 1: an issue number: 'PR 7'",
        "line 1: an issue number: 'PR#8'",
    ]
    assert outside_references("`imon import --rollback ID`, flag `.`, `C#`, https://example.org/a#b1") == []
    assert outside_references("the Zensus value variable `PRS018`") == []  # a variable code, no pull request


# ---- `imon …` commands shown in the documents --------------------------------------------------

# Placeholders in command synopses and the sample values they stand for.
SAMPLES = {
    "FILE": "datei.yaml",
    "OUT": "daten.csv",
    "DIR": "portal",
    "ID": "1",
    "N": "2",
    "KEY": "schluessel",
    "AGS": "05316000",
    "URL": "https://integration.example.de",
    "T": "1. Umsetzungsbericht",
    "D": "2019-09-16",
    "USER": "admin",
    "NAME": "STB_NR",
    "TEXT": "Vermessungsamt",
}
COMMAND = re.compile(r"(?<![\w./-])(?:[\w./-]*/bin/)?imon(?=\s+[-a-z])")
ENVIRONMENT = re.compile(r"^(?:\s*[A-Z][A-Z0-9_]*=\S*)*\s*$")
DRAWING = re.compile("[\u2190-\u25ff]")  # arrows, box drawing
SHELL = re.compile(r"&&|\|\||;")
SEPARATOR = re.compile(r"\s*(?:&&|\|\||;|,\s|\s/\s)\s*")


def code_snippets(text: str):
    """(code, whole line of a code block?) for every code block line and inline code span."""
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif fenced or line.startswith(("    ", "\t")):
            yield line.strip(), True
        else:
            for span in re.findall(r"`([^`]+)`", line):
                yield span, False


def command_lines(text: str):
    """(words after `imon`, complete?) for every command; a command at the start of a code block
    line (after environment variables) is complete, a mention in running text may leave out
    required arguments."""
    for code, block in code_snippets(text):
        code = re.sub(r"\$\([^)]*\)", "x", code)  # shell substitutions: $(date +%F)
        matches = list(COMMAND.finditer(code))
        if not matches or not (block or ENVIRONMENT.match(code[: matches[0].start()])):
            continue  # `… imon …` inside a longer inline text: not a command line
        for match in matches:
            before = code[: match.start()]
            # A command line: what comes before is only other commands and environment variables,
            # not a column of a table or a tree (two spaces).
            complete = block and "  " not in before and bool(ENVIRONMENT.match(SHELL.split(before)[-1]))
            rest = re.split(r"\s{2,}|\s#", code[match.end() :].strip())[0]  # a description follows
            rest = SEPARATOR.split(rest)[0]
            words = []
            for word in rest.split(" | ")[0].split():
                if DRAWING.search(word):  # a diagram's lines and arrows: ─► app server: imon serve ─┐
                    break
                if word.endswith(":"):  # `imon restore: …` in a description
                    words.append(word[:-1])
                    break
                words.append(word)
            alternatives = [" ".join(words)]
            # `imon import --list | --rollback ID`: options that exclude each other
            command = words[0] if words else ""
            alternatives += [f"{command} {other}" for other in rest.split(" | ")[1:]]
            for line in alternatives:
                yield line, complete


def invocations(synopsis: str) -> list[list[str]]:
    """A synopsis (`report --format docx|pdf [--out FILE]`) as argument lists: optional parts
    included, each alternative once, placeholders replaced by sample values."""
    synopsis = synopsis.replace("[", " ").replace("]", " ").replace("…", " ")
    words = [[SAMPLES.get(alt, alt) for alt in word.split("|")] for word in shlex.split(synopsis)]
    first = [choices[0] for choices in words]
    variants = [
        first[:position] + [choice] + first[position + 1 :]
        for position, choices in enumerate(words)
        for choice in choices[1:]
    ]
    return [first, *variants]


def relaxed(parser):
    """The parser with every argument optional: a mention in running text may leave them out."""
    for action in parser._actions:
        action.required = False
        if not action.option_strings and action.nargs is None:
            action.nargs = "?"
        for sub in (action.choices or {}).values() if isinstance(action.choices, dict) else ():
            relaxed(sub)
    return parser


def documented_commands():
    for path in DOCUMENTS:
        for synopsis, complete in command_lines(path.read_text(encoding="utf-8")):
            yield path.relative_to(ROOT), synopsis, complete


def parse(synopsis: str, complete: bool) -> list[str]:
    """The problems of one documented command line; [] when every invocation parses."""
    problems = []
    for args in invocations(synopsis):
        if not args or args[0].startswith("-"):
            continue  # `imon --help`: the entry point's own options
        name = args[0].replace("-", "_")
        if name not in get_commands():
            return [f"{' '.join(args)}: there is no command {args[0]!r}"]
        command = load_command_class(get_commands()[name], name)
        parser = command.create_parser("imon", name)
        try:
            (parser if complete else relaxed(parser)).parse_args(args[1:])
        except CommandError as error:
            problems.append(f"{' '.join(args)}: {error}")
    return problems


def test_documents_show_commands():
    shown = {synopsis.split()[0] for _path, synopsis, _complete in documented_commands()}
    assert {"demo", "import", "export-data", "report", "snapshot", "backup", "serve"} <= shown


def test_every_documented_command_parses():
    problems = []
    for path, synopsis, complete in documented_commands():
        problems += [f"{path}: imon {problem}" for problem in parse(synopsis, complete)]
    assert not problems, "\n".join(problems)


def test_commands_are_read_from_synopses_and_examples():
    text = """
Run `imon import --rollback ID` or `imon serve`; the tree says `imon.core` and `python -m imon`.

    imon import --list | --rollback ID  list imports, or undo one
    IMON_HOME=/srv/imon imon backup /tmp/move.zip      # on the SQLite installation
    imon migrate && imon restore /tmp/x-$(date +%F).zip
    backup.py        imon backup / imon restore: one ZIP archive, all tables
    imon migrate, imon changepassword USER, …   Django's own commands
    python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/imon demo
"""
    assert list(command_lines(text)) == [
        ("import --rollback ID", False),
        ("serve", False),
        ("import --list", True),
        ("import --rollback ID", True),
        ("backup /tmp/move.zip", True),
        ("migrate", True),
        ("restore /tmp/x-x.zip", True),
        ("backup", False),
        ("restore", False),
        ("migrate", True),
        ("changepassword USER", False),
        ("demo", True),
    ]
    assert invocations("report --format docx|pdf [--snapshot N|latest] [--out FILE]") == [
        ["report", "--format", "docx", "--snapshot", "2", "--out", "datei.yaml"],
        ["report", "--format", "pdf", "--snapshot", "2", "--out", "datei.yaml"],
        ["report", "--format", "docx", "--snapshot", "latest", "--out", "datei.yaml"],
    ]


@pytest.mark.parametrize(
    "synopsis, complete, problem",
    [
        ("import FILE [--dry-run]", True, None),
        ("import FILE [--dry-run]", False, None),
        ("import --roll-back ID", True, "unrecognized arguments"),
        ("report --format docx|odt", True, "invalid choice: 'odt'"),
        ("report --snapshot latest", True, "--format"),  # required, left out of a complete line
        ("report --snapshot latest", False, None),  # in running text it may be left out
        ("snapshot create --title T", True, "--date"),
        ("snapshot remove", False, "invalid choice: 'remove'"),
        ("import-data FILE", True, "there is no command 'import-data'"),
    ],
)
def test_a_renamed_or_removed_option_is_found(synopsis, complete, problem):
    problems = parse(synopsis, complete)
    if problem is None:
        assert problems == []
    else:
        assert problems and all(problem in p for p in problems), problems


# Documented commands that only read and are quick: run them for real on the empty test database.
READ_ONLY = {"import --list", "snapshot list"}


@pytest.mark.django_db
def test_read_only_documented_commands_run():
    ran = set()
    for _path, synopsis, _complete in documented_commands():
        if synopsis in READ_ONLY:
            name, *args = synopsis.split()
            call_command(name.replace("-", "_"), *args)
            ran.add(synopsis)
    assert ran == READ_ONLY
