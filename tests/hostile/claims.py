"""Claimed values that are not numbers symnn can judge: one error line per bad claim."""

from tests.hostile import Case, sheet


def _case(name: str, claims: str, stderr: str, status=(2,)) -> Case:
    return Case(name, ("check", "sheet.toml"), {"sheet.toml": sheet(claims)},
                status=status, stderr=stderr)


CASES = [
    _case("claim-5000-digits", "E = 0." + "1" * 5000 + "\n",
          'claims."E": a number of 5000 significant digits (at most 100)'),
    _case("claim-quoted-5000-digits", 'E = "0.' + "1" * 5000 + '"\n',
          'claims."E": a number written with 5002 characters (at most 1000)'),
    _case("claim-string-200KB", 'E = "0.' + "1" * 200_000 + '"\n',
          "a string of 200004 characters (at most 100000) (line 12)"),
    _case("claim-file-5MB", 'E = "0.' + "1" * 5_000_000 + '"\n', "bytes; a spec or worksheet"),
    _case("claim-1e999", "E = 1e999\n",
          'claims."E": expected a number of size between 1e-300 and 1e300, got 1E+999'),
    _case("claim-quoted-1e999", 'E = "1e999"\n', 'claims."E": expected a number of size'),
    _case("claim-1e-999", "E = 1e-999\n", 'claims."E": expected a number of size'),
    _case("claim-integer-4000-digits", "E = " + "9" * 4000 + "\n", 'claims."E": expected a number'),
    _case("claim-nan", "E = nan\n", 'claims."E": expected a number as written'),
    _case("claim-inf", "E = -inf\n", 'claims."E": expected a number as written'),
    _case("claim-list", "E = [0.5]\n", 'claims."E": expected a number as written'),
    _case("claim-table-without-value", "E = { formula = '1' }\n", 'claims."E".value: missing'),
    _case("claim-unknown-name", "'w[9,9,9]' = 0.5\n", "", status=(1,)),
    _case("claim-name-90000-characters", "'" + "x" * 90_000 + "' = 0.5\n",
          "a name of 90000 characters (at most 500)"),
    _case("3000-claims", "".join(f"'q{i}' = 0.5\n" for i in range(3000)),
          "a worksheet has at most 2000"),
]
