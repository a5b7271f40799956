"""The README stays true: every command is documented there and has its own --help with an example."""

import re

import pytest

from borderwar_report.cli import cli

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name):
    assert f"borderwar-report {name}" in README


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    command = cli.commands[name]
    assert command.help and "Example:" in command.help, f"{name} --help needs a summary and an Example:"


def test_readme_has_the_two_newcomer_commands():
    assert re.search(r"pip install \. && borderwar-report build", README)
    assert re.search(r"pip install -e '\.\[test\]' && pytest", README)


def test_readme_documents_the_exit_codes():
    for code, meaning in (("0", "built or up to date"), ("1", "invalid input"), ("2", "usage"), ("3", "render")):
        assert re.search(rf"\*\*{code}\*\* {meaning}", README), code
