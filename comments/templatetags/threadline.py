"""Cheap per-comment template filters: a local avatar, relative time, JSON-LD."""

import zlib
from datetime import UTC, datetime
from functools import lru_cache

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

AVATAR_COLOURS = 12  # .avatar.c0 … .c11 in site.css: readable with white text, light and dark
# As in django.utils.html.json_script: nothing in the JSON can close the <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def initials(name: str) -> str:
    words = [word for word in name.replace(".", " ").split() if word[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].capitalize() if len(words[0]) > 1 else words[0].upper()
    return (words[0][0] + words[-1][0]).upper()


@lru_cache(maxsize=4096)
def avatar_parts(name: str) -> tuple[int, str]:
    """The avatar's colour (a hash of the name: no request leaves the site) and its escaped initials."""
    return zlib.crc32(name.strip().lower().encode()) % AVATAR_COLOURS, escape(initials(name))


@lru_cache(maxsize=4096)
def author_parts(name: str) -> tuple[str, int, str]:
    """The author's name escaped, and avatar_parts(): what each of their comments shows."""
    return escape(name), *avatar_parts(name)


@register.filter(is_safe=True)
def avatar(name: str) -> SafeString:
    """Initials in a circle (comments.render draws the same circle as the author's ::before)."""
    colour, letters = avatar_parts(name)
    return mark_safe(f'<span class="avatar c{colour}" aria-hidden="true">{letters}</span>')


def relative(then: datetime, now: datetime) -> str:
    """ "3 minutes ago", "2 days ago"; empty past a month (the page shows the date then)."""
    seconds = int((now - then).total_seconds())
    if seconds < 45:
        return "just now"
    for unit, size, limit in (("minute", 60, 3600), ("hour", 3600, 86400), ("day", 86400, 30 * 86400)):
        if seconds < limit:
            count = max(1, seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return ""


def machine_time(value: datetime) -> str:
    """ISO 8601 to the second (HTML's <time datetime> allows at most 3 digits of fraction), UTC
    written "Z": 5 bytes less for each comment of a page (issue 23).

    From str(), which is isoformat(" "): isoformat(timespec=...) parses its keyword argument at
    each call, 3 times the cost (about 1.5 µs a comment of a page rendered cold)."""
    text = str(value)  # YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]
    zone = text[26:] if text[19:20] == "." else text[19:]
    return f"{text[:10]}T{text[11:19]}{'Z' if zone == '+00:00' else zone}"


@register.filter(is_safe=True)
def isotime(value: datetime | None) -> str:
    """A <time datetime> value for a template (Django's "c" format keeps microseconds)."""
    return "" if value is None else machine_time(value)


@register.filter(is_safe=True)
def reltime(value: datetime) -> SafeString:
    """<time> with relative text ("3 minutes ago") and the absolute date and time in its title."""
    if value is None:
        return mark_safe("")
    local = timezone.localtime(value)
    absolute = local.strftime("%-d %b %Y, %H:%M")
    text = relative(value, timezone.now()) or local.strftime("%-d %b %Y")
    return mark_safe(
        f'<time datetime="{machine_time(value)}" title="{absolute} {local.tzname()}">{text}</time>'
    )


# strftime's %b: Python leaves LC_TIME in the C locale (nothing here calls setlocale).
MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def time_element(local: datetime) -> str:
    """<time> with the absolute date and time (already in the reader's time zone), made relative
    by the script, which keeps the absolute one in its title: unlike reltime's, right in a page
    that stays cached. No title here (issue 23: 35 bytes a comment; without the script the text
    is the absolute time), and no attribute to mark it: the script takes the times in a comment's
    header (.comment-meta).

    The text is what f"{local:%-d %b %Y, %H:%M}" gives and the attribute what machine_time()
    does, both written from the fields with one %: strftime, then str(), took 3.6, then 2.4 µs
    of this, paid for every comment of a page rendered cold (tests/test_cold_page.py holds it
    to strftime's and isoformat's text)."""
    zone = "Z" if local.tzinfo is UTC else machine_time(local)[19:]
    year, month, day, hour, minute = local.year, local.month, local.day, local.hour, local.minute
    # % and not an f-string: {month:02} parses its format at each call, twice the time.
    return '<time datetime="%04d-%02d-%02dT%02d:%02d:%02d%s">%d %s %d, %02d:%02d</time>' % (  # noqa: UP031
        (year, month, day, hour, minute, local.second, zone) + (day, MONTHS[month], year, hour, minute)
    )


@register.filter(is_safe=True)
def abstime(value: datetime) -> SafeString:
    """time_element() in a template (the markup comments.render gives every comment)."""
    return mark_safe("" if value is None else time_element(timezone.localtime(value)))


# What json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False) makes, with no encoder made per
# call (a cold page serialises each of its 50 threads' JSON-LD on its own).
_JSON_ENCODER = DjangoJSONEncoder(ensure_ascii=False)


def script_safe_json(data) -> str:
    """JSON escaped like json_script's, so that reader text cannot end a <script> element."""
    return script_safe(_JSON_ENCODER.encode(data))


def script_safe(json_text: str) -> str:
    """JSON text escaped like json_script's (script_safe_json)."""
    for char, escaped in _JSON_SCRIPT_ESCAPES.items():  # str.replace: far faster than translate()
        json_text = json_text.replace(chr(char), escaped)
    return json_text


@register.filter
def unplaced(messages) -> list:
    """The messages not already shown next to their comment (issue 20: comments.confirmations)."""
    return [message for message in messages if not getattr(message, "placed", False)]


@register.filter
def held_note(comment) -> SafeString:
    """Why a held comment waits and what comes next, for its author (issue 20)."""
    from comments.held_notices import held_note_html

    return mark_safe(held_note_html(comment))  # noqa: S308 (escaped in held_note_html)


@register.simple_tag(takes_context=True)
def comment_form(context, form, action) -> SafeString:
    """comments/_form.html for the form, kept per process while it is empty (comments.kept_form)."""
    from comments.kept_form import comment_form_html

    return comment_form_html(form, action=action, csrf_token=context.get("csrf_token"))
