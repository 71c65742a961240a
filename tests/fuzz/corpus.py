"""The bad values the walk sends: at least 2,000 distinct ones, in kinds.

Every value is a ``str`` or, for what a ``str`` cannot hold (unpaired UTF-16 surrogates,
bytes that are not UTF-8), ``bytes`` sent percent-encoded as they are. ``KINDS`` names the
kinds; ``corpus()`` maps each kind to its values, in a fixed order (no randomness: a failure
names the value, and the next run sends the same ones).
"""

import re
from functools import cache

#: Some ordinary text to wrap a bad character in, as a person would type it.
TEXT = "用地指标"

CONTROL = "control"
SURROGATE = "surrogate"
LONG = "long"
BIDI = "bidi"
EMOJI = "emoji"
SQL = "sql"
TEMPLATE = "template"
NEGATIVE = "negative number"
HUGE = "huge number"
NUMBER = "malformed number"
DATE = "date"
MONTH = "month"
UNICODE = "unicode"
MARKUP = "markup"
EMPTYISH = "emptyish"

KINDS = (CONTROL, SURROGATE, LONG, BIDI, EMOJI, SQL, TEMPLATE, NEGATIVE, HUGE, NUMBER, DATE,
         MONTH, UNICODE, MARKUP, EMPTYISH)


def _wrapped(chars, *, shapes=("{c}", "{t}{c}", "{c}{t}", "{t}{c}{t}", "{c}{c}{c}")) -> list:
    """Each of ``chars`` alone, before, after and inside the text, and repeated."""
    return [shape.format(c=char, t=TEXT) for char in chars for shape in shapes]


def _controls() -> list[str]:
    c0 = [chr(code) for code in range(0x20)] + ["\x7f"]
    values = _wrapped(c0)
    values += ["\r\n", "a\r\nSubject: injected", "line\nX-WR-CALNAME:evil", "\x00" * 100,
               "".join(c0), "".join(reversed(c0)), "\t\n\v\f\r", "\x1b[31mred\x1b[0m"]
    return values


def _surrogates() -> list[bytes]:
    """Unpaired surrogates as their (invalid) UTF-8 bytes, alone and inside text, and some
    other bytes that are not UTF-8."""
    text = TEXT.encode()
    values = []
    for code in range(0xD800, 0xE000, 8):  # 256 of the 2,048, high and low
        raw = chr(code).encode("utf-8", "surrogatepass")
        values += [raw, text + raw + text]
    values += [b"\xed\xa0\xbd\xed\xb8\x80",  # a pair written as two CESU-8 halves
               b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf8\x88\x80\x80\x80",
               b"\x80", b"abc\xc3", b"\xf4\x90\x80\x80", b"%ED%A0%80"]
    return values


def _long() -> list[str]:
    units = ["a", "湖", "😀", "9", "-", " ", "\u202e", "{{", "'", "<b>", "\x01", "\n",
             "\u0301", "a\u0300", "%", "&amp;", "/", "..", "0", "é"]
    return [(unit * (10_000 // len(unit) + 1))[:10_000] for unit in units] + [
        "x" * 255, "x" * 256, "x" * 1000, "x" * 1001, "湖" * 200, "湖" * 201, "x" * 65_537]


def _bidi() -> list[str]:
    marks = ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
             "\u2066", "\u2067", "\u2068", "\u2069"]
    values = _wrapped(marks)
    values += ["\u202egnp.exe", "HZ-2026\u202e-000001", "\u202d\u202e\u202d\u202e",
               "\u2067שלום\u2069 world", "مرحبا 湖州", "\u202bعربي\u202c", "abc\u202edef\u202cghi"]
    return values


def _emoji() -> list[str]:
    singles = ["😀", "🚀", "🇨🇳", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🧑🏿‍💻", "❤️", "🀄", "🈶",
               "\U0001f9ff", "\U0001fae0", "©️", "#️⃣", "🫶🏻", "🐉", "🌕", "🍵", "🎉", "💯",
               "😂", "🙏", "🔥", "✅", "⚠️", "🏭", "📈", "🧧", "🥟", "🐼", "🙋‍♀️", "👩🏾‍🔬", "🇹🇼",
               "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "☺", "✈", "⌚", "🕐", "🔟", "🆗"]
    return _wrapped(singles) + ["😀" * 50, "🇨🇳🇺🇸🇯🇵", "👍🏻👍🏼👍🏽👍🏾👍🏿"]


def _sql() -> list[str]:
    heads = ["'", "\"", "')", "\")", "1'", "';", "`", "\\'", "%'", "_'", "1)", "1))", "'))",
             "admin'", "湖州'"]
    tails = [" OR '1'='1", " OR 1=1 --", "; DROP TABLE issues_issue; --",
             " UNION SELECT username, password FROM auth_user --",
             "; SELECT pg_sleep(5); --", " AND 1=CAST((SELECT version()) AS int) --",
             " OR sqlite_version() --", "/**/OR/**/1=1#",
             "; UPDATE auth_user SET is_superuser=1; --"]
    return [head + tail for head in heads for tail in tails] + [
        "%", "%%", "_", "\\", "\\\\", "%_%", "' || '", "\" OR \"\" = \"", "1; --", "--", "/*", "*/"]


def _template() -> list[str]:
    bodies = ["{{ 7*7 }}", "{{ settings.SECRET_KEY }}", "{% debug %}", "{% load static %}",
              "{{ request.user.password }}", "{% include 'base.html' %}", "{{", "}}", "{%",
              "%}", "{#", "#}", "${7*7}", "#{7*7}", "<%= 7*7 %>", "{{ ''.__class__ }}",
              "%(name)s", "%s", "{0}", "{name}", "%n", "%x%x%x", "{{{{}}}}", "{% csrf_token %}",
              "{% block x %}{% endblock %}", "{% if %}", "{{ x|safe }}", "$(whoami)", "`id`",
              "__import__('os')"]
    return _wrapped(bodies, shapes=("{c}", "{t}{c}", "{c}{t}", "{t}{c}{t}"))


def _numbers() -> list[str]:
    values = ["0", "-0", "-1", "-2", "+1", "1", "00", "007", "1.5", "-1.5", "1e3", "1e309",
              "-1e309", "1e-309", "NaN", "nan", "Infinity", "-Infinity", "inf", "0x10", "0b1",
              "0o7", "1_000", "1,000", "１２", "٣", "३", "Ⅻ", "½", "⁵", "²", "1 000", " 1", "1 ",
              "0.0000001", "2147483647", "2147483648", "-2147483648", "-2147483649",
              "9223372036854775807", "9223372036854775808", "-9223372036854775808",
              "-9223372036854775809", "18446744073709551616", "9" * 100, "-" + "9" * 100,
              "9" * 400, "1" + "0" * 4300, "1" + "0" * 5000, "1.7976931348623157e308", "--1",
              "1-", "1..2", ".", "-", "+", "e", "1e", "0e0", "True", "False", "None", "null",
              "[]", "{}", "[1]", "1;2", "1/0", "-999999999", "999999999", "65536", "-65536"]
    values += [str(-(10 ** power)) for power in range(1, 40)]
    values += [str(10 ** power) for power in range(10, 40)]
    values += [f"{n}.{n}" for n in range(2, 30)]
    return values


def _negative() -> list[str]:
    return [value for value in _numbers() if re.fullmatch(r"-[0-9][0-9.e]*", value)]


def _huge() -> list[str]:
    return [value for value in _numbers() if re.fullmatch(r"\+?[0-9][0-9.e]{9,}", value)]


def _months() -> list[str]:
    """Year-month values (the dashboard's and bulletin's filters): those of the dates with
    one separator, and a few more."""
    return [value for value in _dates() if re.fullmatch(r"[^-T:/]*[-/.年][^-T:/]*", value)
            or value in ("month", "202601", "2026-W")]


def _dates() -> list[str]:
    values = ["2026-02-30", "2026-02-29", "2025-02-29", "0000-00-00", "0001-01-01", "9999-12-31",
              "10000-01-01", "2026-13-01", "2026-00-10", "2026-12-32", "2026-04-31", "-2026-01-01",
              "2026/01/01", "01/02/2026", "2026-1-1", "2026-W05", "2026-W53-8", "today",
              "tomorrow", "2026-01-01T25:00", "2026-01-01T12:60", "2026-01-01 24:00:00",
              "2026-01-01T00:00:00+99:00", "2026-01-01T00:00:00Z", "1970-01-01", "1900-01-01",
              "2038-01-19", "2026-1-32", "20260101", "2026.01.01", "2026年1月1日", "二〇二六年",
              "2026-", "-01-01", "2026--01", "Feb 30 2026", "30/02/2026", "2026-02-28T",
              "T12:00", "12:00", "25:61", "00:00:60", "2026-01-01/2026-12-31", "P1D", "R5/P1Y",
              "2026-00", "2026-13", "13-2026", "2026-1", "999999-01", "0-0", "2026-01-01-01",
              "202601", "2026-012", "2026-W", "1999-99", "00-2026", "2026/13", "2026.13",
              "2026年13月", "month", "2026-06-15x", "x2026-06-15", "２０２６-０１-０１"]
    for year in ("0", "1", "99", "999", "10000", "-1", "275760", "2026"):
        for month in ("0", "13", "99", "-1", "1.5"):
            values += [f"{year}-{month}", f"{year}-{month}-01"]
    for day in ("0", "32", "-1", "99", "31"):
        for month in ("02", "04", "06", "09", "11"):
            values.append(f"2026-{month}-{day}")
    for year in (1, 1000, 2026, 9999, 12345):
        values += [f"{year}-{month}" for month in range(14, 40)]
    return values


def _unicode() -> list[str]:
    chars = ["\u00a0", "\u2028", "\u2029", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
             "\ufffe", "\uffff", "\ufffd", "\ue000", "\U000f0000", "\U0010fffd", "\u0085",
             "\u0080", "\u009f", "\u0301", "\u034f", "\u180e", "\u3000", "\u00ad", "\u115f",
             "\u3164", "\U000e0001", "\U000e007f", "\u1680", "\u2000", "\u205f", "\ufdd0",
             "\U0001ffff", "ǅ", "ﬃ", "İ", "ß", "\u0130", "Ω", "K", "Å", "ｽ", "\u0000\u0301",
             "\u2126", "\u212b", "\u00b5", "\u03bc", "\u0131", "\u017f", "\u1e9e", "\uff21",
             "\u2460", "\u3007", "\u4e00\u0301", "\U00020000", "\U0002a6d6", "\U00030000",
             "\u2f00", "\u31c0", "\ufe10", "\uff5e", "\u301c"]
    return _wrapped(chars) + ["Z\u0351\u0352\u0353\u0354" * 50, "\u0000\ufeff\u200b",
                              "e\u0301" * 100]


def _markup() -> list[str]:
    bodies = ["<script>alert(1)</script>", "\"><script>alert(1)</script>",
              "<img src=x onerror=alert(1)>",
              "javascript:alert(1)", "//evil.example.com", "https://evil.example.com/",
              "/\\evil.example.com", "../../../../etc/passwd", "..\\..\\windows\\win.ini",
              "file:///etc/passwd", "data:text/html,<script>alert(1)</script>", "&lt;b&gt;",
              "]]><!--", "<![CDATA[x]]>", "<?xml version='1.0'?>", "=cmd|' /C calc'!A0",
              "=HYPERLINK(\"http://evil\")", "+1+1", "@SUM(1+1)", "-1+1", "\\N", "BEGIN:VEVENT",
              "END:VCALENDAR", "\\,;:", "a;b,c\\d", "%0d%0aSet-Cookie: x=1", "%00", "%2e%2e%2f",
              "/admin/", "?next=/admin/"]
    return _wrapped(bodies, shapes=("{c}", "{t}{c}", "{c}{t}"))


def _emptyish() -> list[str]:
    return ["", " ", "  ", "\u3000", "\t", "\n", "\r\n", "\u00a0", "\u200b", " \u3000 ", "-",
            "0", "null", "None", "undefined", "false", "[]", "{}", "\"\"", "''"]


@cache
def corpus() -> dict[str, tuple]:
    """Each kind's values, each value in one kind only (the first that has it)."""
    makers = {CONTROL: _controls, SURROGATE: _surrogates, LONG: _long, BIDI: _bidi,
              EMOJI: _emoji, SQL: _sql, TEMPLATE: _template, NEGATIVE: _negative, HUGE: _huge,
              NUMBER: _numbers, MONTH: _months, DATE: _dates, UNICODE: _unicode,
              MARKUP: _markup, EMPTYISH: _emptyish}
    seen, kinds = set(), {}
    # The narrower kinds take their values first (a negative number before the numbers).
    for kind in sorted(KINDS, key=lambda kind: kind not in (NEGATIVE, HUGE, MONTH)):
        values = []
        for value in makers[kind]():
            if value not in seen:
                seen.add(value)
                values.append(value)
        kinds[kind] = tuple(values)
    return {kind: kinds[kind] for kind in KINDS}


def distinct_values() -> int:
    return sum(len(values) for values in corpus().values())


def shown(value) -> str:
    """A value as a failure message shows it: escaped, and shortened if long."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}…({len(value)} long)"
