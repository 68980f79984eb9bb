"""XML text that XML 1.0 can hold, for the JUnit report of `check` (render/as_check.py)."""

from __future__ import annotations

import re
from typing import Any

# Characters XML 1.0 cannot hold, even escaped (C0 controls but tab, CR and LF; surrogates;
# U+FFFE/U+FFFF): dropped, so a spec name holding them never breaks the report (issue 9).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


def _xml(root: Any) -> str:
    import xml.etree.ElementTree as ET

    for element in root.iter():
        element.text = element.text and xml_text(element.text)
        element.tail = element.tail and xml_text(element.tail)
        for key, value in element.attrib.items():
            element.attrib[key] = xml_text(value)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def xml_document(root: Any) -> str:
    """An ElementTree as an indented XML document, every text made XML-safe."""
    return _xml(root)
