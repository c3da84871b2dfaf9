"""One module per ``symnn`` subcommand: ``configure(parser)``, ``run(args)``, ``demo(...)``."""
