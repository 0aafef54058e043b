"""Moving out: the whole site as a WordPress export (WXR 1.2) or as one JSON document.

Both are written article by article with the comments read in chunks, so memory stays flat.
The WXR carries Threadline's own Markdown and statuses in a namespace of its own
(urn:threadline:wxr:1), which WordPress ignores and import_wordpress prefers: a round trip
gives back the same texts and statuses, not a conversion of their HTML.
"""

import datetime
import json
from collections.abc import Iterator
from typing import TextIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone

from articles.models import Article
from comments.models import Comment

WXR_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Exported by Threadline (manage.py export_wordpress): WordPress eXtended RSS 1.2. -->
<rss version="2.0"
\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:wp="http://wordpress.org/export/1.2/"
\txmlns:tl="urn:threadline:wxr:1"
>
<channel>
\t<title>{title}</title>
\t<link>{link}</link>
\t<wp:wxr_version>1.2</wp:wxr_version>
\t<wp:base_site_url>{link}</wp:base_site_url>
"""
WP_APPROVED = {
    Comment.Status.APPROVED: "1",
    Comment.Status.PENDING: "0",
    Comment.Status.SPAM: "spam",
    Comment.Status.REMOVED: "trash",
    Comment.Status.REJECTED: "trash",
    Comment.Status.DELETED: "trash",
}
JSON_FORMAT = "threadline-export"
JSON_VERSION = 1
CHUNK = 2000


def _cdata(value: str) -> str:
    """CDATA that survives a ']]>' in the text."""
    return "<![CDATA[" + (value or "").replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _wp_date(value) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S") if value else "0000-00-00 00:00:00"


def _site_url() -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") or "http://localhost"


def _articles() -> Iterator[Article]:
    return Article.objects.order_by("pk").defer("search_vector").iterator(chunk_size=100)


def _comments(article: Article) -> Iterator[Comment]:
    return Comment.objects.filter(article=article).order_by("tree_id", "lft").iterator(chunk_size=CHUNK)


def write_wxr(out: TextIO) -> int:
    """The site as WXR 1.2 on out; returns how many articles were written."""
    site = _site_url()
    out.write(WXR_HEAD.format(title="Threadline", link=escape(site)))
    count = 0
    for article in _articles():
        count += 1
        url = site + article.get_absolute_url()
        out.write(
            "\t<item>\n"
            f"\t\t<title>{escape(article.title)}</title>\n"
            f"\t\t<link>{escape(url)}</link>\n"
            f"\t\t<dc:creator>{_cdata(article.byline)}</dc:creator>\n"
            f'\t\t<guid isPermaLink="false">{escape(url)}</guid>\n'
            f"\t\t<content:encoded>{_cdata(article.body_html)}</content:encoded>\n"
            f"\t\t<tl:markdown>{_cdata(article.body)}</tl:markdown>\n"
            f"\t\t<excerpt:encoded>{_cdata(article.summary)}</excerpt:encoded>\n"
            f"\t\t<wp:post_id>{article.pk}</wp:post_id>\n"
            f"\t\t<wp:post_date_gmt>{_wp_date(article.published_at)}</wp:post_date_gmt>\n"
            f"\t\t<wp:post_name>{_cdata(article.slug)}</wp:post_name>\n"
            f"\t\t<wp:status>{'publish' if article.status == 'published' else 'draft'}</wp:status>\n"
            "\t\t<wp:post_type>post</wp:post_type>\n"
            f"\t\t<wp:comment_status>{'open' if article.comments_open else 'closed'}</wp:comment_status>\n"
        )
        for comment in _comments(article):
            out.write(
                "\t\t<wp:comment>\n"
                f"\t\t\t<wp:comment_id>{comment.pk}</wp:comment_id>\n"
                f"\t\t\t<wp:comment_author>{_cdata(comment.author_name)}</wp:comment_author>\n"
                f"\t\t\t<wp:comment_author_email>{_cdata(comment.author_email)}</wp:comment_author_email>\n"
                f"\t\t\t<wp:comment_author_IP>{escape(comment.ip_address or '')}</wp:comment_author_IP>\n"
                f"\t\t\t<wp:comment_date_gmt>{_wp_date(comment.created_at)}</wp:comment_date_gmt>\n"
                f"\t\t\t<wp:comment_content>{_cdata(comment.body_html)}</wp:comment_content>\n"
                f"\t\t\t<tl:markdown>{_cdata(comment.body)}</tl:markdown>\n"
                f"\t\t\t<wp:comment_approved>{WP_APPROVED[comment.status]}</wp:comment_approved>\n"
                f"\t\t\t<tl:status>{comment.status}</tl:status>\n"
                "\t\t\t<wp:comment_type>comment</wp:comment_type>\n"
                f"\t\t\t<wp:comment_parent>{comment.parent_id or 0}</wp:comment_parent>\n"
                "\t\t</wp:comment>\n"
            )
        out.write("\t</item>\n")
    out.write("</channel>\n</rss>\n")
    return count


def write_json(out: TextIO, *, private: bool = True) -> int:
    """The site as one JSON document (docs/moving.md); returns how many articles were written."""
    out.write("{" + _pairs(format=JSON_FORMAT, version=JSON_VERSION, exported_at=timezone.now().isoformat()))
    out.write(', "site_url": ' + json.dumps(_site_url()) + ', "articles": [')
    count = 0
    for article in _articles():
        out.write(",\n" if count else "\n")
        count += 1
        head = {
            "id": article.pk, "slug": article.slug, "url": _site_url() + article.get_absolute_url(),
            "title": article.title, "summary": article.summary, "body": article.body,
            "body_html": article.body_html, "byline": article.byline, "status": article.status,
            "published_at": _iso(article.published_at), "comments_open": article.comments_open,
        }  # fmt: skip
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "comments": [')
        for index, comment in enumerate(_comments(article)):
            item = {
                "id": comment.pk, "parent_id": comment.parent_id, "author_name": comment.author_name,
                "created_at": _iso(comment.created_at), "edited_at": _iso(comment.edited_at),
                "status": comment.status, "body": comment.body, "body_html": comment.body_html,
            }  # fmt: skip
            if private:
                item.update(author_email=comment.author_email, ip_address=comment.ip_address)
            out.write(("," if index else "") + "\n  " + json.dumps(item, ensure_ascii=False))
        out.write("]}")
    out.write("\n]}\n")
    return count


def _pairs(**values) -> str:
    return ", ".join(f"{json.dumps(key)}: {json.dumps(value)}" for key, value in values.items())


def _iso(value) -> str | None:
    return value.isoformat() if value else None
