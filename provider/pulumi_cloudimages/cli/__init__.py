"""The command line door, `cloudimages`: the commands (`app.py`), their filter options, errors and exit codes,
the `outdated` command and the rendering. Loads the emulator only for `--emulator` and `serve`."""
