"""The errors symnn reports to users: one line, naming the field and what was expected."""


class SymnnError(Exception):
    """Any error caused by user input; the CLI prints it as one line and exits with 2."""

    def lines(self) -> list[str]:
        """The message, one line per problem (the CLI prefixes each with symnn: error:)."""
        return [str(self)]


class SpecError(SymnnError):
    """A network spec (or worksheet) that is malformed or inconsistent."""


class SpecErrors(SpecError):
    """Several errors found in one pass (e.g. one per bad claim of a worksheet)."""

    def __init__(self, errors: list[SymnnError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    def lines(self) -> list[str]:
        """One line per error."""
        return [line for error in self.errors for line in error.lines()]


class SpecWarning(UserWarning):
    """Input that is allowed but probably not meant; the CLI prints ``symnn: warning: …``."""
