"""A class of students: per-student variants of a template, bulk grading, a class report.

- ``template``: an ``[assignment]`` table on top of a spec (what is drawn, what is asked);
- ``roster``: the class list (CSV with an ``id`` column);
- ``draw``: each student's numbers, drawn from (student id, assignment seed);
- ``documents``: the problem, the worksheet, the answer keys;
- ``submissions``: the filled worksheets (TOML files, spreadsheet CSV rows) as claims;
- ``grading``: the checker's verdicts turned into points;
- ``classreport``: the gradebook, per-student feedback, the slip histogram and its chart;
- ``prairielearn``: the variant set as a PrairieLearn question.
"""
