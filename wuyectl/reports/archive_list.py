"""archive — the archive list (档案文件清单), loans out and overdue, items due for destruction review."""
from __future__ import annotations

from datetime import date

from ..domain import codes
from ..domain.kinds.archive import overdue_loans
from .base import OfficeData, Period, new_report, section, short

TITLE = ("档案文件清单", "Archive")
HELP = """The archive list: every item with its category, medium, confidentiality, location, filing
date, retention and status. Filed in the period: items whose filing date falls in it (the
monthly filing). Loans out: loans not returned at the as-of time, overdue ones marked.
Due for destruction review: items past their destroy-after date that are neither destroyed nor
already in the destruction procedure."""


def build(data: OfficeData, period: Period, as_of, lang: str):
    items = sorted(data.archive, key=lambda a: a["id"])
    today = as_of.date()

    def row(a):
        return [a["id"], a.get("title", ""), codes.label("archive_category", a.get("category"), lang),
                codes.label("medium", a.get("medium"), lang), ("是" if lang == "zh" else "yes") if a.get("confidential") else "",
                a.get("location", ""), a.get("filed_on", ""), a.get("destroy_after", ""),
                codes.label("archive_status", a.get("status"), lang)]

    columns = ["id", "title", "category", "medium", "confidential", "location", "filed_on", "destroy_after", "status"]
    filed = [a for a in items if period.first <= date.fromisoformat(a["filed_on"]) <= period.last]
    loans = []
    for a in items:
        late = overdue_loans(a, as_of)
        for loan in a.get("loans") or []:
            if not loan.get("returned_at"):
                loans.append([a["id"], a.get("title", ""), loan["borrower"], short(loan["lent_at"]), short(loan["due_at"]),
                              ("逾期" if lang == "zh" else "overdue") if loan in late else ""])
    review = [a for a in items if a.get("status") == "filed" and date.fromisoformat(a["destroy_after"]) <= today]
    report = new_report("archive", TITLE, period, as_of, lang)
    report.sections += [
        section("list", ("档案清单", "Archive list"), columns, [row(a) for a in items], lang),
        section("filed", ("本期归档", "Filed in the period"), columns, [row(a) for a in filed], lang),
        section("loans", ("借出未还", "Loans out"), ["id", "title", "borrower", "lent_at", "due_at", "note"], loans, lang),
        section("destruction_review", ("到期待审销毁", "Due for destruction review"), columns, [row(a) for a in review], lang),
    ]
    return report
