"""Sub-commands of the `interop` CLI, one module each.

Every module here defines `register(commands)`, which adds its sub-parser to the
`argparse` sub-parsers object and sets `run=<function(args) -> int>` as its default.
The CLI discovers the modules, so adding a command never edits a shared list.
"""
