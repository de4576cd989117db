"""Official area codes that name the same territory.

The statistics offices name one county-free city in three ways: by its Kreis code (`05316`, the
Regionaldatenbank's Kreise tables), its municipality key AGS (`05316000`, Gemeinde tables) and its
regional key ARS (`053160000000`, the Zensus 2022 database). An AGS is Land (2) + Regierungsbezirk
(1) + Kreis (2) + Gemeinde (3); an ARS puts the 4-digit Gemeindeverband between Kreis and
Gemeinde. Gemeinde `000` exists only for a county-free city, so an AGS ending in `000` and its Kreis
code are the same territory; an ARS always gives its AGS by leaving out the Gemeindeverband.
"""


def equivalents(code: str) -> list[str]:
    """`code` followed by the other official codes of the same territory (in no particular
    order); just `[code]` for a code that is not an official number."""
    code = code.strip()
    if not code.isdigit():
        return [code]
    if len(code) == 12:  # ARS
        ags = code[:5] + code[9:]
        if code[9:] == "000" and code[5:9] == "0000":
            return [code, ags, code[:5]]
        return [code, ags]
    if len(code) == 8:  # AGS
        if code[5:] == "000":
            return [code, code[:5], code[:5] + "0000000"]
        return [code]
    if len(code) == 5:  # Kreis (for a county-free city, also the city)
        return [code, code + "000", code + "0000000"]
    return [code]


def find(code: str, by_key: dict, by_code: dict):
    """The area (a value of `by_key`/`by_code`) that a key or any official code names, or None."""
    if code in by_key:
        return by_key[code]
    for candidate in equivalents(code):
        if candidate in by_code:
            return by_code[candidate]
        if candidate in by_key:
            return by_key[candidate]
    return None
