"""Template tags and small views for the Django community forum."""

from __future__ import annotations

import bleach
from django import template
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from .models import Post

register = template.Library()

ALLOWED_TAGS = ["b", "i", "em", "strong", "a", "code", "pre", "ul", "ol", "li", "p"]


@register.simple_tag
def user_link(user) -> str:
    """Link to a user's profile with their display name."""
    # expect: xss
    return mark_safe(f'<a href="/users/{user.pk}/">{user.display_name}</a>')


@register.simple_tag
def user_link_safe(user) -> str:
    """Escaping variant built with format_html."""
    # ok: xss -- format_html escapes its arguments
    return format_html('<a href="/users/{}/">{}</a>', user.pk, user.display_name)


@register.filter
def render_signature(text: str) -> str:
    """Forum signatures may contain a little HTML, which we allow through."""
    # expect: xss
    return mark_safe(text.replace("\n", "<br>"))


@register.filter
def render_post_body(text: str) -> str:
    """Post bodies are sanitised with bleach before being marked safe."""
    cleaned = bleach.clean(text, tags=ALLOWED_TAGS, strip=True)
    # ok: xss -- sanitised by bleach.clean first
    return mark_safe(cleaned)


@register.simple_tag
def tag_list(tags) -> str:
    """Comma-separated tag chips."""
    # ok: xss -- format_html_join escapes each item
    return format_html_join(", ", '<span class="tag">{}</span>', ((t.name,) for t in tags))


@register.simple_tag
def divider() -> str:
    # ok: xss -- constant markup
    return mark_safe('<hr class="divider">')


def post_preview(request: HttpRequest) -> HttpResponse:
    """Live preview of a post while the user types (AJAX)."""
    title = request.POST.get("title", "")
    body = request.POST.get("body", "")
    # expect: xss @preview
    html = "<article><h1>%s</h1>" % title
    html += "<div>%s</div></article>" % escape(body)
    # expect: xss @preview
    return HttpResponse(html)


def post_title(request: HttpRequest, pk: int) -> HttpResponse:
    """Title fragment for the tab-title updater."""
    post = Post.objects.get(pk=pk)
    # ok: xss -- escaped before concatenation
    return HttpResponse("<title>" + escape(post.title) + "</title>")


def flash_message(request: HttpRequest) -> HttpResponse:
    """Render the one-off message passed through the ``msg`` query parameter."""
    msg = request.GET.get("msg", "")
    banner = format_html('<div class="flash">{}</div>', msg)
    # ok: xss -- banner built by format_html
    return HttpResponse(banner)
