"""The two formats of GeoReport v2: JSON and XML, chosen by the URL's extension.

The spec's XML names every element: a list is a root element holding one element per item
(``<service_requests><request>…``); nested lists likewise (``<formats><format>``,
``<attributes><attribute>``, ``<values><value>``). A boolean is ``true``/``false``, an
absent value an empty element. Texts are written as they are stored, less the characters
XML 1.0 cannot hold (a row stored before the clean-text check existed must not break the
document). The XML is built with ``xml.etree.ElementTree``; nothing here parses XML: POST
bodies are form-encoded, as the spec says.
"""

import json
import re
from xml.etree import ElementTree as ET  # builds XML only; nothing here parses any

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

#: The element of one item of each list the spec nests.
ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

#: What XML 1.0 cannot carry: C0 controls except tab and line breaks, surrogates, U+FFFE/F.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, (list, tuple)):
        tag = ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, tag), item)
    else:
        element.text = _text(value)


def xml_document(root: str, item: str, items) -> bytes:
    """``<root><item>…</item>…</root>``; ``items`` a list of dicts, or one dict for a root
    that is the item itself (``discovery``, ``service_definition``)."""
    element = ET.Element(root)
    if isinstance(items, dict):
        for key, value in items.items():
            _fill(ET.SubElement(element, key), value)
    else:
        for entry in items:
            _fill(ET.SubElement(element, item), entry)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8",
                                                                      xml_declaration=False)


def _json_ready(value):
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)  # a lazy translation


def render(fmt: str, *, root: str, item: str, data, status: int = 200) -> HttpResponse:
    """The response in ``fmt``: JSON as the data itself, XML under ``root``/``item``."""
    if fmt == "xml":
        body = xml_document(root, item, data)
    else:
        body = json.dumps(_json_ready(data), ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, "json"))
    response["Cache-Control"] = "no-store"
    response["Vary"] = "Accept-Language"
    return response


def errors(fmt: str, status: int, *descriptions) -> HttpResponse:
    """The spec's errors: ``[{"code": 400, "description": "…"}]`` or
    ``<errors><error><code>400</code><description>…</description></error></errors>``.
    A format we do not speak answers in JSON."""
    fmt = fmt if fmt in FORMATS else "json"
    items = [{"code": status, "description": str(text)} for text in descriptions]
    return render(fmt, root="errors", item="error", data=items, status=status)
