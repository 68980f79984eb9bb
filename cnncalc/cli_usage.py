"""click's usage errors (an unknown option, a missing argument, a bad value) in the user's
language (issue 12's --lang). English is click's own text, as before; another language gets the
catalogue's template with click's details (the option, the argument, its value) filled in. A
message click words in a way not listed here stays click's English: never lost, never wrong.
"""

from __future__ import annotations

import re

from cnncalc.messages import DEFAULT, language, msg

# click's wording (click/exceptions.py, click/parser.py) → the catalogue key that retells it.
FORMS = (
    (re.compile(r"No such option: (?P<option>\S+) \(Possible options: (?P<options>.*)\)"),
     "cli.click.no_such_option_hint"),
    (re.compile(r"No such option: (?P<option>\S+)"), "cli.click.no_such_option"),
    (re.compile(r"Missing argument (?P<name>.+?)\.?"), "cli.click.missing_argument"),
    (re.compile(r"Missing option (?P<name>.+?)\.?"), "cli.click.missing_option"),
    (re.compile(r"Invalid value for (?P<name>.+?): (?P<detail>.*)"), "cli.click.invalid"),
    (re.compile(r"Got unexpected extra arguments?(?:\(s\))? \((?P<args>.*)\)"), "cli.click.extra"),
    (re.compile(r"Option '(?P<option>.+)' requires an argument\.?"), "cli.click.needs_value"),
    (re.compile(r"Option '(?P<option>.+)' does not take a value\.?"), "cli.click.no_value"),
    (re.compile(r"No such command '(?P<name>.+)'\. Did you mean '(?P<close>.+)'\?"),
     "cli.click.no_command_hint"),
    (re.compile(r"No such command '(?P<name>.+)'\.?"), "cli.click.no_command"),
)  # fmt: skip
# click's reasons for a bad value (click/types.py), retold inside cli.click.invalid's {detail}.
DETAILS = (
    (re.compile(r"(?P<value>.+) is not in the range (?P<range>.+)"), "cli.click.range"),
    (re.compile(r"(?P<value>.+) is not one of (?P<choices>.+)"), "cli.click.choice"),
    (re.compile(r"(?P<value>.+) is not a valid (?:integer|int)(?: range)?"), "cli.click.integer"),
    (re.compile(r"(?P<value>.+) is not a valid float(?: range)?"), "cli.click.float"),
)  # fmt: skip


def usage_text(message: str) -> str:
    """click's message, retold in the current language (English: as click wrote it, with a
    lower-case first letter and no final stop, as every cnncalc message)."""
    message = message.rstrip(".")
    if language() != DEFAULT:
        for form, key in FORMS:
            found = form.fullmatch(message)
            if found:
                fields = found.groupdict()
                if "detail" in fields:
                    fields["detail"] = _detail(fields["detail"])
                return msg(key, **fields)
    return f"{message[:1].lower()}{message[1:]}"


def _detail(text: str) -> str:
    """click's reason for a bad value in the current language, else as click wrote it."""
    for form, key in DETAILS:
        found = form.fullmatch(text.rstrip("."))
        if found:
            return msg(key, **found.groupdict())
    return text
