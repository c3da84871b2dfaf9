// Validate TeX formulas with KaTeX, the way a Markdown viewer would render them.
//
// Input (stdin):  a JSON array of formula strings, without the $$ delimiters.
// Output (stdout): a JSON array of the same length: null where KaTeX rendered the
//                  formula, or the KaTeX error message where it refused it.
// Rendering uses {throwOnError: true, displayMode: true}; katex is resolved from the
// node_modules folder at the repository root (installed by scripts/install-test-deps.sh).
"use strict";
const path = require("path");
const katex = require(path.join(__dirname, "..", "node_modules", "katex"));

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const formulas = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const results = formulas.map((tex) => {
    try {
      katex.renderToString(tex, { throwOnError: true, displayMode: true });
      return null;
    } catch (err) {
      return err instanceof katex.ParseError ? err.message : String(err);
    }
  });
  process.stdout.write(JSON.stringify(results));
});
