"""SVG pictures from course packages, made unable to reach outside their course folder.

Qt's SVG renderer draws ``<image href="/abs/file.png">`` and ``../../x.png``
from anywhere on disk, so a course could show (and, printed, leak) any picture
the trainee can read. ``sanitize_svg`` parses the file without DTDs or entities
(no "billion laughs", no external entities) and rewrites every reference:

* ``href``/``xlink:href`` to ``#id`` stay; ``data:`` URIs stay on ``<image>`` when
  they are PNG, JPEG or GIF;
* a relative ``<image>`` reference to a PNG/JPEG/GIF inside the course folder is
  embedded as a ``data:`` URI (so the result no longer depends on where it is
  loaded from);
* every other reference (absolute paths, ``file:``, ``http(s):``, paths escaping
  the course folder, other files) is removed, and so are ``url(...)`` values in
  styles that do not point at ``#id``, scripts, ``foreignObject`` and ``on*``
  attributes.

Qt-free: the caller gets bytes to hand to whatever draws them.
"""

from __future__ import annotations

import base64
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree as ET
from xml.parsers import expat

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
MAX_SVG_BYTES = 5 * 1024 * 1024
MAX_EMBED_BYTES = 2 * 1024 * 1024
_RASTER_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif)(;base64)?,", re.I)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_IMPORT = re.compile(r"@import[^;]*;?", re.I)
_DROP_TAGS = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video", "handler", "listener"}
_HREF_ATTRS = ("href", f"{{{XLINK_NS}}}href")


class UnsafeSvg(ValueError):
    """The file is not an SVG this module can vouch for (bad XML, a DTD, too large)."""


@dataclass
class SanitizedSvg:
    data: bytes
    removed: list[str] = field(default_factory=list)  # the references that were dropped, as written


def _refuse_dtd(*_args: object) -> None:
    raise UnsafeSvg("DTDs and entities are not allowed in course SVG files")


def _qname(name: str) -> str:
    # expat joins namespace and local name with the separator: "uri}local" → ElementTree's "{uri}local".
    return "{" + name if "}" in name else name


def _parse(data: bytes, prefixes: dict[str, str]) -> ET.Element:
    """Parse with expat directly: DOCTYPE, entity and external-reference handlers all refuse."""
    builder = ET.TreeBuilder()
    p = expat.ParserCreate(namespace_separator="}")
    p.buffer_text = True
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.EntityDeclHandler = _refuse_dtd
    p.UnparsedEntityDeclHandler = _refuse_dtd
    p.ExternalEntityRefHandler = _refuse_dtd
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    # The prefixes the file uses, so the rewritten file keeps them (Qt reads "xlink:href" by name).
    p.StartNamespaceDeclHandler = lambda prefix, uri: prefixes.setdefault(uri, prefix or "")
    p.StartElementHandler = lambda name, attrs: builder.start(
        _qname(name), {_qname(k): v for k, v in attrs.items()})
    p.EndElementHandler = lambda name: builder.end(_qname(name))
    p.CharacterDataHandler = builder.data
    p.Parse(data, True)
    return builder.close()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _embed(ref: str, base_dir: Path, root_dir: Path) -> str | None:
    """A data: URI for a raster picture inside ``root_dir`` named relative to ``base_dir``."""
    if not ref or ref.startswith(("/", "\\")) or "\\" in ref or ":" in ref:
        return None
    rel = unquote(ref.split("#", 1)[0].split("?", 1)[0])
    if not rel or "\x00" in rel:
        return None
    try:
        path = (base_dir / rel).resolve()
        root = root_dir.resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    mime = _RASTER_MIME.get(path.suffix.lower())
    if mime is None or not path.is_relative_to(root) or not path.is_file():
        return None
    try:
        if path.stat().st_size > MAX_EMBED_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _clean_style(text: str, removed: list[str]) -> str:
    def keep_local(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith("#"):
            return match.group(0)
        removed.append(target)
        return "none"

    for imp in _IMPORT.findall(text):
        removed.append(imp.strip())
    return _URL.sub(keep_local, _IMPORT.sub("", text))


def _clean(elem: ET.Element, base_dir: Path, root_dir: Path, removed: list[str]) -> None:
    for child in list(elem):
        if not isinstance(child.tag, str) or _local(child.tag) in _DROP_TAGS:
            removed.append(f"<{_local(child.tag)}>")
            elem.remove(child)
            continue
        _clean(child, base_dir, root_dir, removed)
    tag = _local(elem.tag)
    for name in list(elem.attrib):
        value = elem.attrib[name]
        local = _local(name)
        if local.lower().startswith("on"):
            del elem.attrib[name]
            removed.append(f"{local}=")
        elif name in _HREF_ATTRS or local == "href":
            ref = value.strip()
            if ref.startswith("#"):
                continue
            if tag == "image" and _DATA_IMAGE.match(ref):
                continue
            embedded = _embed(ref, base_dir, root_dir) if tag == "image" else None
            if embedded is not None:
                elem.attrib[name] = embedded
            else:
                del elem.attrib[name]
                removed.append(ref)
        elif "url(" in value.lower() or "@import" in value.lower():
            elem.attrib[name] = _clean_style(value, removed)
    if tag == "style" and elem.text:
        elem.text = _clean_style(elem.text, removed)


class _Writer:
    """Serialises the tree keeping the document's own namespace prefixes (Qt reads ``xlink:href`` by name)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = {XLINK_NS: "xlink", **prefixes}
        self.declared: set[str] = set()

    def name(self, qname: str, attribute: bool) -> str:
        if not qname.startswith("{"):
            return qname
        uri, local = qname[1:].split("}", 1)
        if uri == "http://www.w3.org/XML/1998/namespace":
            return f"xml:{local}"
        prefix = self.prefixes.get(uri)
        if prefix is None:
            prefix = self.prefixes[uri] = f"ns{len(self.prefixes)}"
        self.declared.add(uri)
        if not prefix and attribute:
            return local  # unprefixed attributes are in no namespace
        return f"{prefix}:{local}" if prefix else local

    def write(self, elem: ET.Element, out: list[str], root: bool = False) -> None:
        tag = self.name(elem.tag, False)
        attrs = [(self.name(k, True), v) for k, v in elem.attrib.items()]
        start = len(out)
        out.append("")  # the start tag, filled in once the namespaces it needs are known
        if elem.text:
            out.append(_escape_text(elem.text))
        for child in elem:
            self.write(child, out)
            if child.tail:
                out.append(_escape_text(child.tail))
        if root:
            for uri in sorted(self.declared):
                prefix = self.prefixes[uri]
                attrs.insert(0, (f"xmlns:{prefix}" if prefix else "xmlns", uri))
        rendered = "".join(f' {k}="{_escape_attr(v)}"' for k, v in attrs)
        if len(out) == start + 1:
            out[start] = f"<{tag}{rendered}/>"
        else:
            out[start] = f"<{tag}{rendered}>"
            out.append(f"</{tag}>")


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(text: str) -> str:
    return (_escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
            .replace("\t", "&#9;"))


def sanitize_svg(data: bytes, base_dir: Path, root_dir: Path) -> SanitizedSvg:
    """``data`` (an SVG file from ``base_dir``) without any reference outside ``root_dir``.

    Raises ``UnsafeSvg`` for a file that is not well-formed XML, has a DTD or is too large.
    """
    if len(data) > MAX_SVG_BYTES:
        raise UnsafeSvg("the SVG file is too large")
    prefixes: dict[str, str] = {}
    try:
        root = _parse(data, prefixes)
    except UnsafeSvg:
        raise
    except (ET.ParseError, expat.ExpatError, ValueError) as exc:
        raise UnsafeSvg(f"not a well-formed SVG file: {exc}") from None
    if _local(root.tag) != "svg":
        raise UnsafeSvg("not an SVG file")
    removed: list[str] = []
    _clean(root, Path(base_dir), Path(root_dir), removed)
    out: list[str] = []
    _Writer(prefixes).write(root, out, root=True)
    return SanitizedSvg(("".join(out)).encode("utf-8"), removed)


_CACHE: OrderedDict[tuple[str, str, int, int], bytes | None] = OrderedDict()
_CACHE_SIZE = 256


def safe_svg_file(path: Path, root_dir: Path) -> bytes | None:
    """The sanitised bytes of the SVG at ``path`` (None if it cannot be made safe), cached by size and mtime."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), str(root_dir), st.st_size, st.st_mtime_ns)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    try:
        result: bytes | None = sanitize_svg(path.read_bytes(), path.parent, root_dir).data
    except (UnsafeSvg, OSError):
        result = None
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result
