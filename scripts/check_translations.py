"""Fails when a catalogue has an untranslated or fuzzy entry: ``check_translations.py FILE.po``."""

import sys

from babel.messages.pofile import read_po


def main(path: str) -> int:
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id if isinstance(message.id, str) else message.id[0])
    for problem in problems:
        print(f"untranslated or fuzzy: {problem!r}")
    print(f"{path}: {len(catalog) - 1} messages, {len(problems)} untranslated or fuzzy")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
