"""The cooling notices shown above a comment form (issue 21): said before anyone types."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from comments.cooling import article_notices

register = template.Library()


def cooling_notices_html(notices: list[str]) -> SafeString:
    """The notices as one note above the form (escaped: reasons are typed by moderators)."""
    if not notices:
        return SafeString("")
    return format_html(
        '<div class="cooling-notices" role="note">{}</div>',
        format_html_join("", "<p>{}</p>", ((notice,) for notice in notices)),
    )


@register.simple_tag
def article_cooling_notices(article) -> SafeString:
    """The article's slow mode and newcomer rule, if on now, above its comment form (no query)."""
    return cooling_notices_html(article_notices(article))


@register.simple_tag
def notices_above_form(notices) -> SafeString:
    """Notices computed by the view (comments.cooling.reply_conditions)."""
    return cooling_notices_html(list(notices or []))
