"""English dates as the site prints them: 4 Jan 2027, 4 Jan 2027, 14:30 (a 24-hour clock, as
in Chinese). Anything not set here falls back to Django's own English formats."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j M"
