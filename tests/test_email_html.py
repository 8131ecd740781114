"""Sanitising mail HTML for the agent view (inbox.html), without a browser."""

from __future__ import annotations

import re
from html import unescape

from inbox.html import has_remote_images, mail_frame, sanitise_mail_html

CIDS = {"logo@example.com": "https://kept.example/attachments/7/inline/signed"}


def test_scripts_and_their_content_are_removed():
    assert sanitise_mail_html("<p>a</p><script>alert(1)</script>", {}) == "<p>a</p>"


def test_event_handlers_are_removed():
    assert "onerror" not in sanitise_mail_html('<img src="cid:logo@example.com" onerror="alert(1)">', CIDS)


def test_javascript_urls_are_removed_whatever_their_case_or_spacing():
    cleaned = sanitise_mail_html('<a href=" JaVaScRiPt:alert(1)">x</a><a href="java\tscript:alert(1)">y</a>', {})
    assert "script:" not in cleaned.lower()


def test_forms_iframes_objects_and_embeds_are_removed():
    cleaned = sanitise_mail_html(
        '<form action="/x"><input name="p"></form><iframe src="/"></iframe><object data="x"></object><embed src="x">',
        {},
    )
    assert not re.search(r"<(form|input|iframe|object|embed)", cleaned)


def test_style_tags_are_removed_but_safe_inline_styles_stay():
    html = '<style>*{}</style><table><tr><td style="color:#333;position:fixed;padding:4px">x</td></tr></table>'
    cleaned = sanitise_mail_html(html, {})
    assert "<style" not in cleaned
    assert 'style="color:#333;padding:4px"' in cleaned


def test_background_images_in_styles_are_dropped():
    cleaned = sanitise_mail_html('<div style="background:url(https://t.example/p.gif);color:red">x</div>', {})
    assert "t.example" not in cleaned and "color:red" in cleaned


def test_cid_images_point_at_their_attachment_url():
    cleaned = sanitise_mail_html('<img src="cid:logo@example.com" alt="Logo">', CIDS)
    assert 'src="https://kept.example/attachments/7/inline/signed"' in cleaned


def test_a_cid_without_an_attachment_is_dropped():
    assert "cid:" not in sanitise_mail_html('<img src="cid:missing@example.com">', CIDS)


def test_remote_images_are_dropped_unless_allowed():
    html = '<img src="https://tracker.example/open.gif">'
    assert "tracker" not in sanitise_mail_html(html, {})
    assert "tracker" in sanitise_mail_html(html, {}, allow_remote_images=True)
    assert has_remote_images(html)


def test_inline_raster_data_images_stay_but_svg_data_does_not():
    png = '<img src="data:image/png;base64,iVBORw0KGgo=">'
    svg = '<img src="data:image/svg+xml;base64,PHN2Zz4=">'
    assert "data:image/png" in sanitise_mail_html(png, {})
    assert "data:" not in sanitise_mail_html(svg, {})


def test_links_open_outside_the_frame_without_a_referrer():
    cleaned = sanitise_mail_html('<a href="https://example.com/">x</a>', {})
    assert 'target="_blank"' in cleaned and "noreferrer" in cleaned


def test_the_frame_is_sandboxed_without_scripts_or_same_origin():
    frame = str(mail_frame("<p>hi</p>", {}))
    sandbox = re.search(r'sandbox="([^"]*)"', frame).group(1)
    assert "allow-scripts" not in sandbox and "allow-same-origin" not in sandbox


def test_the_frame_document_forbids_scripts_and_remote_images_by_policy():
    document = unescape(re.search(r'srcdoc="([^"]*)"', str(mail_frame("<p>hi</p>", {}))).group(1))
    policy = unescape(re.search(r'Content-Security-Policy" content="([^"]*)"', document).group(1))
    assert "default-src 'none'" in policy and "script-src 'none'" in policy
    assert "https:" not in policy


def test_markup_in_the_mail_cannot_break_out_of_the_srcdoc_attribute():
    frame = str(mail_frame('<p title="x&quot; onload=&quot;alert(1)">"></iframe><script>alert(1)</script>', {}))
    assert frame.count("<iframe") == 1 and frame.endswith("></iframe>")
    assert "<script" not in frame
