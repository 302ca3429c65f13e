"""How a name or a dwelling's 楼栋/单元/房号 is written before it is compared or stored, so two
spellings that look the same are the same: ``建设路1号院`` + a zero-width space is ``建设路1号院``,
``９９０１`` is ``9901``."""

import unicodedata


def normalized(text: str) -> str:
    """``text`` in Unicode NFKC (full-width letters, digits and spaces become their plain forms),
    without invisible format characters (zero-width spaces and joiners, word joiner, byte-order
    mark, soft hyphen, direction marks: Unicode category Cf), and without surrounding spaces.

    >>> normalized("９９０１")
    '9901'
    >>> normalized("建设路1号院\\u200b")
    '建设路1号院'
    >>> normalized("\\u3000张三\\u00a0")
    '张三'
    """
    composed = unicodedata.normalize("NFKC", text)
    visible = "".join(c for c in composed if unicodedata.category(c) != "Cf")
    return visible.strip()
