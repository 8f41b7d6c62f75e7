"""CLI sub-commands: one module each, with ``add_parser(subparsers, name, help)`` and ``run(args) -> int``."""
