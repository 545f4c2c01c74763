"""The command line explains itself: `--version`, an example at the foot of every command's help
(each a command that parses), options named by what they hold with their bounds."""

from __future__ import annotations

import shlex
from importlib.metadata import version

import pytest
import typer.main
from typer.testing import CliRunner

from flows.cli.app import app
from flows.cli.examples import EXAMPLES

runner = CliRunner()


def _commands(command, path=()):
    children = getattr(command, "commands", None)
    if not children:
        yield " ".join(path), command
        return
    for name, child in children.items():
        yield from _commands(child, (*path, name))


COMMANDS = dict(_commands(typer.main.get_command(app)))


def test_version_names_distil_and_its_runtime():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"distil {version('distil')} (distil-runtime {version('distil-runtime')})"


def test_every_command_has_an_example_and_no_example_is_left_over():
    assert set(EXAMPLES) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_example_is_in_the_help_and_parses(name):
    result = runner.invoke(app, [*name.split(), "--help"], terminal_width=120)
    assert result.exit_code == 0
    command = COMMANDS[name]
    for example in EXAMPLES[name]:
        words = shlex.split(example, comments=True)
        assert words[: 1 + len(name.split())] == ["distil", *name.split()], example
        assert example.split("#")[0].strip() in result.output
        # the arguments are ones the command takes (parsing only: nothing runs)
        command.make_context(f"distil {name}", words[1 + len(name.split()) :], resilient_parsing=False)


def test_options_show_what_they_hold_and_their_bounds():
    text = runner.invoke(app, ["serve", "--help"], terminal_width=120).output
    assert "PORT [1<=x<=65535]" in text and "N [1<=x<=512]" in text
    text = runner.invoke(app, ["models", "promote", "--help"], terminal_width=120).output
    options = text[text.index("Options") :]
    assert "POINTS [x>=0]" in options and "FOLDER" in options
    assert "<float" not in options and "<path>" not in options and "<str>" not in options
