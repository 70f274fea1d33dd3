"""The desks' monthly reports (`report frontdesk`, `report decoration`), made of what each kind
of the desk declares (`Kind.desk`, `Kind.figures`, `Kind.desk_report`): a section of figures
per kind, then its tables of detail. A new logbook on a desk is in its report with no code here."""
from __future__ import annotations

from ..domain import codes
from ..domain.kinds import KINDS
from .base import Figure, OfficeData, Period, figures_section, kind_tables, new_report


def kinds_of(desk: str) -> list:
    return [kind for kind in KINDS.values() if kind.desk == desk]


def help_of(desk: str, intro: str) -> str:
    """The report's --help: its intro, then each kind's figures with their formulas."""
    parts = [intro.strip()]
    for kind in kinds_of(desk):
        parts.append(f"{codes.field_label(kind.plural, 'en')} ({codes.field_label(kind.plural, 'zh')}):")
        parts += [Figure.help(figure) for figure in kind.figures]
    return "\n\n".join(parts)


def build_desk(desk: str, title: tuple[str, str], data: OfficeData, period: Period, as_of, lang: str):
    report = new_report(desk, title, period, as_of, lang)
    for kind in kinds_of(desk):
        if kind.desk_report is None:
            continue
        part = kind.desk_report(data.records, period, as_of, data.policy, lang)
        name = (codes.field_label(kind.plural, "zh"), codes.field_label(kind.plural, "en"))
        report.sections.append(figures_section(part.figures, lang, name=kind.name, title=name))
        report.sections += kind_tables(kind, part, lang)
    return report


def desk_module(desk: str, title: tuple[str, str], intro: str):
    """A desk report module's `build` and its module `__getattr__`, which gives `HELP` afresh
    (the kinds on the desk are those registered when it is asked)."""
    def build(data: OfficeData, period: Period, as_of, lang: str):
        return build_desk(desk, title, data, period, as_of, lang)

    def module_getattr(name: str):
        if name == "HELP":
            return help_of(desk, intro)
        raise AttributeError(name)

    return build, module_getattr
