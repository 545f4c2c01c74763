"""The `distil` command line: `entry.main` is the executable, `app` assembles one module per
command group. Kept empty so that importing `flows.cli.entry` imports no library before the
libraries' progress bars and warnings are switched off."""
