"""Survey responses as a table staff open in a spreadsheet (pure: no database, no Telegram).

- `columns`: the survey's questions as columns, laid out as KoboToolbox exports them (one column
  per question; a multiple-choice question also as one 0/1 column per option, `question/option`),
  plus metadata columns, and the second sheet that explains every column in both languages.
- `rows`: one stored response as one row of cells, every text cell formula-safe.
- `kobo`: an imported XLSForm's export as KoboToolbox's of the same form: the form's paths as
  columns, a table per repeat with a row per round.
- `pseudonym`: the stable respondent code (HMAC with a secret), never the Telegram id.
"""
