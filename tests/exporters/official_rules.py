"""The official EN 16931 (UBL, CII) and Peppol BIS 3.0 validation stylesheets in
``../shared/einvoice`` run with Saxon-HE (saxonche): compiled once, then each
document takes milliseconds. A test oracle, not part of batchbill."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

RULES_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "einvoice"
SHEETS = {
    "ubl": [("EN16931", "EN16931-UBL-validation.xslt"), ("PEPPOL", "PEPPOL-EN16931-UBL.xsl")],
    "cii": [("EN16931", "EN16931-CII-validation.xslt")],
}
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@dataclass(frozen=True)
class Failure:
    rules: str
    id: str
    flag: str
    text: str
    location: str


def rules_dir() -> Path | None:
    path = RULES_DIR.resolve()
    return path if (path / "EN16931-UBL-validation.xslt").exists() else None


class OfficialRules:
    def __init__(self, directory: Path):
        from saxonche import PySaxonProcessor

        self._proc = PySaxonProcessor(license=False)
        xslt = self._proc.new_xslt30_processor()
        self.compiled = {
            syntax: [(name, xslt.compile_stylesheet(stylesheet_file=str(directory / sheet)))
                     for name, sheet in sheets]
            for syntax, sheets in SHEETS.items()
        }

    def check(self, xml: bytes, syntax: str) -> list[Failure]:
        node = self._proc.parse_xml(xml_text=xml.decode("utf-8"))
        out = []
        for name, sheet in self.compiled[syntax]:
            report = sheet.transform_to_string(xdm_node=node)
            for fa in ET.fromstring(report).iter(SVRL + "failed-assert"):
                out.append(Failure(name, fa.get("id") or "", fa.get("flag") or "fatal",
                                   " ".join("".join(fa.itertext()).split()), fa.get("location") or ""))
        return out
