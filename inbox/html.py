"""Showing HTML mail to agents without letting it attack them.

Two walls, because helpdesks have shipped XSS through mail bodies more than once (Zammad
CVE-2018-1000154, Chatwoot CVE-2021-3741): the HTML is sanitised with nh3 at render time (so a
sanitiser fix protects old mail too), and the result is shown in a sandboxed ``srcdoc`` iframe
with no script permission and its own Content-Security-Policy. Remote images stay blocked until
an agent asks for them, because they tell the sender when and where the mail was read.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Mapping

import nh3
from markupsafe import Markup

# Presentational tags old and new mail clients emit, on top of nh3's safe defaults.
_TAGS = set(nh3.ALLOWED_TAGS) | {"font", "tfoot"}
_ATTRIBUTES: dict[str, set[str]] = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"style", "align", "valign", "bgcolor", "width", "height", "dir", "lang", "title", "border"}
_ATTRIBUTES["table"] = _ATTRIBUTES.get("table", set()) | {"cellpadding", "cellspacing"}
_ATTRIBUTES["td"] = _ATTRIBUTES.get("td", set()) | {"nowrap"}
_ATTRIBUTES["font"] = {"color", "face", "size"}
_ATTRIBUTES["img"] = {"src", "alt", "width", "height"}
_ATTRIBUTES["a"] = {"href", "title"}
# nh3 drops style attributes unless told which properties may stay. Layout and typography only:
# no position (overlaying our UI), no background shorthand or images (url() fetches are beacons).
_STYLE_PROPERTIES = {
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "font-variant",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "white-space",
    "word-break",
    "overflow-wrap",
    "vertical-align",
    "direction",
    "display",
    "width",
    "min-width",
    "max-width",
    "height",
    "min-height",
    "max-height",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-radius",
    "border-collapse",
    "border-spacing",
    "list-style-type",
    "table-layout",
    "float",
    "clear",
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}
_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp);base64,[a-z0-9+/=\s]+$", re.IGNORECASE)
_REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
IFRAME_SANDBOX = "allow-popups allow-popups-to-escape-sandbox"


def sanitise_mail_html(html: str, cid_map: Mapping[str, str], allow_remote_images: bool = False) -> str:
    """Safe HTML for a mail body: no scripts, handlers, ``javascript:``, forms or frames.

    ``cid_map`` maps a Content-ID (without angle brackets) to the URL the agent's browser loads
    that inline image from; a ``cid:`` with no entry is dropped. Remote images are dropped unless
    ``allow_remote_images``.
    """

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "src" and tag == "img":
            if value.lower().startswith("cid:"):
                return cid_map.get(_cid(value))
            if value.lower().startswith("data:"):
                return value if _DATA_IMAGE.match(value) else None
            if _REMOTE.match(value):
                return value if allow_remote_images else None
            return None
        if attribute == "href" and value.lower().startswith(("data:", "cid:")):
            return None
        return value

    return nh3.clean(
        html or "",
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head", "template", "noscript", "textarea", "select"},
        attributes=_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=_URL_SCHEMES,
        filter_style_properties=_STYLE_PROPERTIES,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def has_remote_images(html: str | None) -> bool:
    """Whether showing remote images would change anything (so the agent view offers the click)."""
    return bool(html) and re.search(r"<img[^>]+src\s*=\s*[\"']?\s*(https?:)?//", html, re.IGNORECASE) is not None


def frame_policy(image_origins: tuple[str, ...] = (), allow_remote_images: bool = False) -> str:
    """The Content-Security-Policy inside the mail frame: styles and images only, nothing runs."""
    images = " ".join(["data:", *image_origins, *(["https:", "http:"] if allow_remote_images else [])])
    return (
        "default-src 'none'; "
        f"img-src {images}; "
        "style-src 'unsafe-inline'; "
        "font-src data:; "
        "base-uri 'none'; form-action 'none'; frame-src 'none'; script-src 'none'"
    )


def mail_document(
    html: str,
    cid_map: Mapping[str, str],
    *,
    allow_remote_images: bool = False,
    image_origins: tuple[str, ...] = (),
) -> str:
    """A whole HTML document of the sanitised mail, carrying its own CSP in a meta tag."""
    body = sanitise_mail_html(html, cid_map, allow_remote_images)
    policy = frame_policy(image_origins, allow_remote_images)
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{htmllib.escape(policy)}">'
        '<meta name="referrer" content="no-referrer"><base target="_blank">'
        "<style>body{margin:0;font:14px/1.45 system-ui,sans-serif;overflow-wrap:anywhere}"
        "img{max-width:100%;height:auto}</style>"
        f"</head><body>{body}</body></html>"
    )


def mail_frame(
    html: str,
    cid_map: Mapping[str, str],
    *,
    allow_remote_images: bool = False,
    image_origins: tuple[str, ...] = (),
    title: str = "Message",
) -> Markup:
    """A sandboxed ``<iframe srcdoc>`` showing the sanitised mail; usable straight from Jinja.

    No ``allow-scripts`` and no ``allow-same-origin``: even HTML the sanitiser missed cannot run
    or reach the agent's session. Links open in a new tab, outside the sandbox.
    """
    document = mail_document(html, cid_map, allow_remote_images=allow_remote_images, image_origins=image_origins)
    return Markup(
        '<iframe class="mail-html" sandbox="{sandbox}" referrerpolicy="no-referrer" '
        'loading="lazy" title="{title}" srcdoc="{doc}"></iframe>'
    ).format(sandbox=IFRAME_SANDBOX, title=title, doc=document)


def _cid(value: str) -> str:
    return value[4:].strip().strip("<>")
