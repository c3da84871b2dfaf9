"""Judge a document's claims: its readers' claims through the worksheet's ``Checker``.

The spec comes from ``--spec``, else from the document's own ```toml block with
``[network]``; a ``<!-- symnn: spec FILE -->`` directive switches it (a path relative to
the document) for the blocks that follow, each spec with its own checker and carried
values.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import sympy

from symnn import notation, spec
from symnn.check.documents import claims, latex, markdown, moves, notebook
from symnn.check.documents.claims import Located, Skipped
from symnn.check.documents.general import Formulas, FormulaVerdict
from symnn.check.documents.source import MAX_BLOCKS, MAX_DOCUMENT, Source
from symnn.check.verdict import Checker, Verdict
from symnn.derive import derive
from symnn.errors import SpecError

# file suffix -> reader(text, name) -> Source; anything else is read as Markdown
READERS = {
    ".md": markdown.read,
    ".markdown": markdown.read,
    ".txt": markdown.read,
    ".tex": latex.read,
    ".ipynb": notebook.read,
}


@dataclass
class Judged:
    """A claim read from the document and its verdict."""

    located: Located
    verdict: Verdict
    spec: str  # the spec it was judged against


@dataclass
class DocumentCheck:
    """Everything a report says about one document."""

    source: Source
    judged: list[Judged] = field(default_factory=list)
    formulas: list[FormulaVerdict] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    checkers: dict = field(default_factory=dict)  # spec name -> Checker

    spec_names: dict = field(default_factory=dict)  # spec key -> the name shown
    general: dict = field(default_factory=dict)  # spec key -> Formulas

    def checkers_named(self) -> list[str]:
        """The specs used, as named on the command line or in directives."""
        return list(self.spec_names.values())

    @property
    def verdicts(self) -> list[Verdict]:
        """The verdicts, in document order."""
        return [j.verdict for j in self.judged]


def load(path: str | Path) -> Source:
    """Read a document with the reader its suffix calls for."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise SpecError(f"{path}: expected UTF-8 text, got byte {byte:#x}") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from None
    if len(text) > MAX_DOCUMENT:
        raise SpecError(f"{path}: a document of {len(text)} characters (at most {MAX_DOCUMENT})")
    source = READERS.get(path.suffix.lower(), markdown.read)(text, path.name)
    if len(source.blocks) > MAX_BLOCKS:
        raise SpecError(f"{path}: {len(source.blocks)} blocks of math (at most {MAX_BLOCKS})")
    return source


def check(path: str | Path, spec_path: str | Path | None, preset: str | None = None):
    """Read a document and judge every claim in it."""
    source = load(path)
    result = DocumentCheck(source)
    base = _spec(spec_path, source, Path(path).parent)
    groups: dict[str | None, list[Located]] = {}
    before = None  # the last display block's closing formula, which a "= v" block continues
    for block in source.blocks:
        if block.skip:
            continue
        checker = _checker(result, block.spec, base, Path(path).parent, preset)
        constants = _constants(checker)
        matrix = _formulas(result, block.spec or "", checker).matrix_claim
        located, general, skipped = claims.read(source, block, checker.names, constants, matrix,
                                                before)
        if block.display:
            before = claims.last_formula(block)
        groups.setdefault(block.spec, []).extend(located)
        result.skipped.extend(skipped)
        if general:
            formulas = _formulas(result, block.spec or "", checker)
            for item in general:
                verdict = formulas.check(list(item.sides), item.line, item.text)
                verdict.end = item.end
                result.formulas.append(verdict)
    for key, located in groups.items():
        checker = result.checkers[key or ""]
        located, verdicts = _judge(checker, located)
        name = key or base[0]
        result.judged += [Judged(i, v, name) for i, v in zip(located, verdicts, strict=True)]
    result.judged.sort(key=lambda j: j.located.line)
    result.skipped.sort(key=lambda s: s.line)
    result.formulas.sort(key=lambda f: f.line)
    return result


def _judge(checker: Checker, located: list[Located]):
    """The verdicts, with names that moved read as the quantity their number fits."""
    claims_read = [item.claim for item in located]
    verdicts = checker.check(claims_read)
    names = checker.names
    for index, other in moves.slipped(claims_read, verdicts, checker.exact).items():
        written = located[index].claim.id
        verdicts[index].note = (
            f"the number is {names.plain(other)} ({other}), the same neuron one layer off: "
            f"a slip in the name {names.plain(written)} ({written})"
        )
    moved = moves.reread(claims_read, verdicts, checker.exact)
    if not moved:
        return located, verdicts
    claims_read = [moved.get(i, claim) for i, claim in enumerate(claims_read)]
    verdicts = checker.check(claims_read)
    for index, claim in moved.items():
        before = located[index].claim.id
        verdicts[index].note = "; ".join(
            part for part in (
                f"read as {names.plain(claim.id)} ({claim.id}): the number is not "
                f"{names.plain(before)} ({before}) but fits its neighbour",
                verdicts[index].note,
            ) if part
        )
        located[index] = replace(located[index], claim=claim, moved_from=before)
    return located, verdicts


def _spec(spec_path, source: Source, folder: Path) -> tuple[str, object]:
    """The spec: --spec, else the front matter's symnn: key, else a ```toml block."""
    front = source.front or {}
    if spec_path is not None:
        where, network_spec = str(spec_path), spec.load(spec_path)
    elif isinstance(front.get("spec"), str):
        where = front["spec"]
        network_spec = _in_context(lambda: spec.load(folder / where), "front matter: symnn: ")
    elif "network" in front:
        where = f"{source.name} (front matter)"
        tables = {key: value for key, value in front.items() if key != "spec"}
        network_spec = _in_context(lambda: spec.from_dict(tables), "front matter: symnn: ")
    elif source.spec_text is not None:
        where = f"{source.name} (toml block)"
        network_spec = spec.loads(source.spec_text, where)
    else:
        raise SpecError(
            "--spec: a document needs a spec with [values] (--spec FILE, a symnn: key in "
            "its front matter, or a ```toml block with [network] and [values])"
        )
    return where, _with_values(_own_names(network_spec, source), where)


def _in_context(build, prefix: str):
    try:
        return build()
    except SpecError as exc:
        raise SpecError(prefix + str(exc)) from None


def _own_names(network_spec, source: Source):
    """The spec with the document's own [names] (front matter, ```toml blocks) added."""
    names = (source.front or {}).get("names") or {}
    if not isinstance(names, dict):
        raise SpecError("front matter: symnn: names: expected a table of name = id")
    names = {**names, **source.names}
    if not names:
        return network_spec
    return replace(network_spec, names={**network_spec.names, **names})


def _with_values(network_spec, where: str):
    if network_spec.values is None:
        raise SpecError(f"{where}: values: checking a document needs a [values] table")
    return network_spec


def _checker(result: DocumentCheck, key, base, folder: Path, preset) -> Checker:
    if (key or "") not in result.checkers:
        network_spec = base[1]
        if key is not None:
            path = folder / key
            network_spec = _with_values(_own_names(spec.load(path), result.source), key)
        note = notation.from_spec(network_spec, preset)
        result.checkers[key or ""] = Checker(derive(network_spec), note)
        result.spec_names[key or ""] = key or base[0]
    return result.checkers[key or ""]


def _formulas(result: DocumentCheck, key: str, checker: Checker) -> Formulas:
    if key not in result.general:
        result.general[key] = Formulas(checker)
    return result.general[key]


def _constants(checker: Checker) -> dict:
    """Values of the bare names a formula may use: η, n (outputs), and the exact values."""
    spec_values = checker.derivation.spec.values
    constants = {"exact": checker.exact, "n": sympy.Integer(checker.derivation.spec.layers[-1])}
    if spec_values.learning_rate is not None:
        rate = sympy.Rational(spec_values.learning_rate)
        constants[checker.names.notation.learning_rate] = rate
    return constants
