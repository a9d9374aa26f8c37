"""A small HTML writer for self-contained reports: inline CSS, images as data URIs, no scripts.

Why hand-written and not a template engine: the page is a handful of
sections, tables and figures, and a report must open offline years later;
keeping it to escaped strings avoids a dependency and any external URL.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class Raw(str):
    """A string that is already HTML and must not be escaped."""

    __slots__ = ()


def esc(x: object) -> str:
    return x if isinstance(x, Raw) else html.escape(str(x), quote=True)


def code(x: object) -> Raw:
    return Raw(f"<code>{esc(x)}</code>")


def path_header(path: object) -> Raw:
    """A dotted parameter path that may break after each dot or underscore in a narrow column header.

    Why there: those are the word boundaries of an identifier; a break anywhere else would cut a word.
    """
    return Raw(esc(path).replace(".", ".<wbr>").replace("_", "_<wbr>"))


def stacked(top: object, bottom: object, cls: str = "sub") -> Raw:
    """Two lines in one cell (a name over its identifier, a mean over its CI): narrower tables that fit the page."""
    low = f'<br><span class="{cls}">{esc(bottom)}</span>' if str(bottom) else ""
    return Raw(f"{esc(top)}{low}")


def link(text: object, target: str) -> Raw:
    """A link to an anchor of the same page (``target`` without the ``#``)."""
    return Raw(f'<a href="#{esc(target)}">{esc(text)}</a>')


def para(text: object, cls: str = "") -> Raw:
    attr = f' class="{cls}"' if cls else ""
    return Raw(f"<p{attr}>{esc(text)}</p>")


def heading(text: object, level: int = 3) -> Raw:
    return Raw(f"<h{level}>{esc(text)}</h{level}>")


def table(
    header: Sequence[object], rows: Iterable[Sequence[object]], numeric: Iterable[int] = (), cls: str = ""
) -> Raw:
    """A table; columns in ``numeric`` are right-aligned with tabular figures."""
    num = set(numeric)
    head = "".join(f"<th{' class=num' if i in num else ''}>{esc(h)}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=num' if i in num else ''}>{esc(c)}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    attr = f' class="{cls}"' if cls else ""
    return Raw(f'<div class="scroll"><table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')


def image(path: Path, alt: str, caption: str = "") -> Raw:
    """A PNG embedded as a base64 data URI, with a caption."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return Raw(f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}">{cap}</figure>')


def notice(text: object, kind: str = "note") -> Raw:
    return Raw(f'<div class="notice {esc(kind)}">{esc(text)}</div>')


def facts(pairs: Iterable[tuple[object, object]]) -> Raw:
    """A compact two-column list of label: value."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in pairs)
    return Raw(f'<dl class="facts">{items}</dl>')


@dataclass
class Section:
    key: str
    title: str
    parts: list[str] = field(default_factory=list)

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)


FONT_STACK = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", '
    '"WenQuanYi Micro Hei", sans-serif'
)
MONO_STACK = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace'

CSS = """
:root { --ink: #1f2328; --muted: #5b636d; --rule: #d8dde3; --soft: #f5f7f9; --accent: #0b5394; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff; font-family: FONT; font-size: 15px; line-height: 1.55; }
main { max-width: 1120px; margin: 0 auto; padding: 0 28px 56px; }
header.top { background: #0f2f4f; color: #fff; padding: 26px 0 22px; margin-bottom: 28px; }
header.top .inner { max-width: 1120px; margin: 0 auto; padding: 0 28px; }
header.top h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: .01em; }
header.top .sub { color: #cfe0f1; font-size: 14.5px; }
header.top .meta { margin-top: 10px; color: #a9c3dc; font-size: 12.5px; }
h2 { font-size: 20px; margin: 44px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--ink); }
h2 .num { color: var(--muted); font-weight: 500; margin-right: .45em; }
h3 { font-size: 15.5px; margin: 26px 0 8px; }
p { margin: 8px 0; max-width: 900px; }
p.lead { color: var(--muted); }
nav.toc { background: var(--soft); border: 1px solid var(--rule); border-radius: 6px; padding: 12px 20px; }
nav.toc h2 { border: 0; margin: 0 0 4px; font-size: 14px; padding: 0; color: var(--muted); text-transform: uppercase;
  letter-spacing: .06em; }
nav.toc ol { margin: 0; padding-left: 22px; columns: 2; column-gap: 36px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
.scroll { overflow-x: auto; margin: 10px 0 16px; }
table { border-collapse: collapse; font-size: 13px; min-width: 40%; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
/* Headers break only between words: never "Populatio/n" (no anywhere-breaks, no automatic hyphens). */
thead th { border-bottom: 2px solid #9aa4ae; background: #fff; font-weight: 600; vertical-align: bottom;
  white-space: normal; word-break: normal; overflow-wrap: normal; hyphens: manual; }
tbody tr:nth-child(even) { background: var(--soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td:first-child { white-space: nowrap; }
td .sub { color: var(--muted); font-size: 11.5px; }
td code + .sub, td .sub code { font-size: 11px; }
table.wide { font-size: 12.5px; }
table.wide td { white-space: nowrap; }
table.wide th, table.wide td { padding: 4px 6px; }
table.wide thead th { font-size: 11.5px; line-height: 1.3; min-width: 4.5em; }
table.kv td:first-child { white-space: nowrap; color: var(--muted); }
table.kv td:first-child code { color: #3a4654; }
code { font-family: MONO; font-size: 12px; color: #3a4654; background: #eef1f4; padding: 1px 4px; border-radius: 3px; }
figure { margin: 14px 0 22px; }
figure img { max-width: 100%; height: auto; display: block; border: 1px solid #eceff2; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 10px 0 16px;
  font-size: 14px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.notice { border-left: 4px solid #c48a00; background: #fff8e6; padding: 8px 12px; margin: 10px 0; font-size: 14px; }
.notice.error { border-color: #b2182b; background: #fdeeee; }
.notice.note { border-color: #5b8fc7; background: #eef4fb; }
footer { margin-top: 48px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--rule);
  padding-top: 10px; }
@media print { header.top { background: #fff; color: #000; } nav.toc { display: none; } h2 { break-after: avoid; }
  figure, table { break-inside: avoid; } }
""".replace("FONT", FONT_STACK).replace("MONO", MONO_STACK)


@dataclass(frozen=True)
class Banner:
    """The title block at the top of a report: what it is, about what, and how it was made."""

    title: str
    subtitle: str
    meta: str


@dataclass(frozen=True)
class Frame:
    """The language-dependent frame around the sections: document language, contents heading, footer."""

    lang: str
    toc_title: str
    footer: str = ""


def _contents(sections: Sequence[Section]) -> str:
    return "".join(f'<li><a href="#{esc(s.key)}">{esc(s.title)}</a></li>' for s in sections)


def _sections(sections: Sequence[Section]) -> str:
    return "".join(
        f'<section id="{esc(s.key)}"><h2><span class="num">{i}</span>{esc(s.title)}</h2>{"".join(s.parts)}</section>'
        for i, s in enumerate(sections, start=1)
    )


def _header(banner: Banner) -> str:
    return (
        f'<header class="top"><div class="inner"><h1>{esc(banner.title)}</h1>'
        f'<div class="sub">{esc(banner.subtitle)}</div><div class="meta">{esc(banner.meta)}</div></div></header>\n'
    )


def page(banner: Banner, sections: Sequence[Section], frame: Frame, notices: Sequence[str] = ()) -> str:
    """The whole report as one HTML document."""
    notes = "".join(notice(n, "warn") for n in notices)
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if frame.lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(banner.title)}</title>\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n{_header(banner)}<main>\n{notes}"
        f'<nav class="toc"><h2>{esc(frame.toc_title)}</h2><ol>{_contents(sections)}</ol></nav>\n{_sections(sections)}\n'
        f"<footer>{esc(frame.footer)}</footer>\n</main>\n</body>\n</html>\n"
    )
