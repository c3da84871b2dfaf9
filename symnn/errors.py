"""The errors symnn reports to users: one line, naming the field and what was expected."""


class SymnnError(Exception):
    """Any error caused by user input; the CLI prints it as one line and exits with 2."""


class SpecError(SymnnError):
    """A network spec (or worksheet) that is malformed or inconsistent."""
