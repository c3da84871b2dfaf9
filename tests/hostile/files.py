"""Bad files and output paths: one line, exit 2, no partial output file."""

from tests.hostile import Case, network, sheet

SPEC = network("[2, 2, 2]")
CASES = [
    Case("missing-file", ("derive", "nothing.toml"), stderr="nothing.toml: no such file"),
    Case("directory", ("derive", "folder"), {"folder/x": ""}, stderr="is a directory"),
    Case("binary-file", ("derive", "spec.toml"), {"spec.toml": b"\xff\xfe\x00[network]"},
         stderr="cannot read"),
    Case("empty-file", ("derive", "spec.toml"), {"spec.toml": ""},
         stderr="network: missing table [network]"),
    Case("toml-syntax", ("derive", "spec.toml"), {"spec.toml": "[network\n"},
         stderr="TOML syntax error"),
    Case("unknown-key", ("derive", "spec.toml"), {"spec.toml": SPEC + "layer = 3\n"},
         stderr="network.layer: unknown key (did you mean 'layers'?)"),
    Case("unknown-activation", ("derive", "spec.toml"),
         {"spec.toml": SPEC.replace("sigmoid", "sigmod")}, stderr="network.activation"),
    Case("long-activation-name", ("derive", "spec.toml"),
         {"spec.toml": SPEC.replace("sigmoid", "s" * 50_000)},
         stderr="network.activation: expected a name, got 50000 characters"),
    Case("output-into-directory", ("codegen", "spec.toml", "-o", "folder"),
         {"spec.toml": SPEC, "folder/x": ""}, stderr="is a directory"),
    Case("output-into-missing-directory", ("latex", "spec.toml", "-o", "no/such/x.tex"),
         {"spec.toml": SPEC}, stderr="no such directory"),
    Case("output-after-bad-spec", ("codegen", "spec.toml", "-o", "out.py"),
         {"spec.toml": sheet(learning_rate="-1")}, stderr="values.learning_rate"),
    Case("output-written", ("codegen", "spec.toml", "-o", "out.py"), {"spec.toml": SPEC},
         status=(0,), outputs=("out.py",)),
]
