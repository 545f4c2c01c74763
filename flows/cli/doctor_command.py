"""`distil doctor`: is this machine and project ready? (the checks are in flows/doctor.py)"""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from flows.cli.common import ProjectOption, console, fail, settings_or_exit
from flows.settings import CONFIG_FILE, load_settings


def doctor(project: ProjectOption = None):
    """Check this machine and project: the teacher (a real completion), model files (sha256), the
    store, Argilla and Prefect when configured, disk space. Exits 1 when something is wrong."""
    from flows.doctor import run_checks

    in_project = ((project or Path(".")) / CONFIG_FILE).is_file()
    settings = settings_or_exit(project) if in_project else load_settings()  # the machine alone
    problems = 0
    for check in run_checks(settings, in_project):
        mark = {True: "[green]ok[/]", False: "[bold red]PROBLEM[/]", None: "[dim]-[/]"}[check.ok]
        console.print(f"{mark} {check.name}: {escape(check.detail)}", highlight=False)
        problems += check.ok is False
    if problems:
        fail(f"{problems} problem(s) found; each line above says the fix", 1)
    console.print("all checks passed")
