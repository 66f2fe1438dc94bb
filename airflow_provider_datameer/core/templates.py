"""URL templates written by users (endpoint overrides, the job link): plain ``{name}`` placeholders only.

``str.format`` would also run format specs (``{job:>9999999}`` makes a 10 MB URL), conversions
(``{job!r}`` sends ``'48'``) and attribute or index lookups; a template is therefore checked once, when the
connection is read, and only plain names get through.
"""

from __future__ import annotations

import string


def template_fields(template: str) -> set[str]:
    """The placeholder names of ``template``; ``ValueError`` naming the first one that is not a plain name."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"bad template {template[:200]!r}: {exc}") from None
    names = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if conversion or spec or not name.isidentifier():
            raise ValueError(
                f"placeholder {written[:100]} is not allowed: use plain placeholders such as {{job}}, without "
                "format specs, conversions, indexes or attributes (write {{ and }} for literal braces)"
            )
        names.add(name)
    return names
