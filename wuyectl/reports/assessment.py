"""assessment — the monthly staff assessment (员工月度考核, seed 001 五.2), with each person's
training (seed 001 五.1) and 服务之星 candidates (seed 001 六.2)."""
from __future__ import annotations

from collections import defaultdict

from ..domain import assessment as rules, codes, responsibility
from ..domain.kinds import training
from ..domain.kinds.ticket import GOOD_RATINGS as GOOD
from ..errors import BadValue
from ..timeutil import read_iso
from .base import Figure, OfficeData, Percent, Period, Section, new_report, percent, source_only

TITLE = ("员工月度考核", "Staff assessment")
# Every open ticket: a clock of an untouched open ticket can run out in the month.
NEEDS_OPEN = True

TIMELY = Figure("timely", "需求受理及时率", "dispatch on time",
                "dispatch and re-dispatch clocks charged to them that ran out in the period and were met",
                "dispatch and re-dispatch clocks charged to them that ran out in the period (met or breached)")
COMPLETION = Figure("completion", "需求处理完成率", "completion",
                    "of those tickets, the ones resolved while they held them, by the as-of time",
                    "tickets assigned to them in the period (an assign or a reopen to them; each ticket once)",
                    "cancelled tickets, and tickets passed on to another handler before they resolved them")
SATISFACTION = Figure("satisfaction", "业主满意度", "owner satisfaction",
                      "callbacks in the period of work they resolved rated satisfied or basically satisfied",
                      "callbacks in the period of work they resolved (the handler at the last resolve before "
                      "the callback)",
                      "survey forms and home visits: they rate the office's services, not a person")
ERRORS = Figure("error_rate", "工作失误率", "error rate",
                "mistakes: breached clocks charged to them that ran out in the period + dissatisfied callbacks "
                "in the period of work they resolved (reopened work) + complaints received in the period about "
                "them (a complaint's about_staff, `open ticket --about NAME`)",
                "what could go wrong: clocks charged to them that ran out in the period (met or breached) + "
                "callbacks in the period of work they resolved + those complaints")
FIGURES = [TIMELY, COMPLETION, SATISFACTION, ERRORS]

HELP = "\n\n".join([
    "One row per staff member on the roster (active, not of a role of policy training.exempt_roles), and "
    "anyone else charged with something in the period. A clock (SLA stage) is charged to whoever held its "
    "stage when it ran out (met: its event; breached: its deadline): dispatch to the clerk who received "
    "the ticket; re-dispatch to the one who recorded the reopen; progress, owner told and callback to the "
    "desk member who took that cycle (its receipt or reopen); contact, arrival, resolution and report back "
    "to the handler it was assigned to at that moment. Imported tickets with only their source's events "
    "have no clocks: left out.",
    "Figures (a rate with nothing to divide by is n/a, never 0%):"] + [f.help() for f in FIGURES] + [
    "score = the mean, in percentage points, of the figures that are not n/a, the error rate counted as "
    "100 − error rate (n/a when all four are n/a). grade: 优秀 excellent at or above policy "
    "assessment.excellent (default 90), 良好 good at or above assessment.good (80), 合格 pass at or above "
    "assessment.pass (60), else 不合格 fail; n/a with no score. The thresholds must increase.",
    "服务之星 candidates (section stars): graded excellent, no breach and no complaint about them in the "
    "period, and at least policy assessment.star_min_items (default 5) judged items (clocks + callbacks); "
    "the best assessment.stars scores (default 3), ties at the cut included, by score then name.",
    "Training (section training): each person's induction (入职培训: the first of at least policy "
    "training.induction_min_days days, default 2, not failed) and the trainings they attended that started "
    "in the quarter of the period's last day. Section training_findings: as of the period's last day (or the "
    "as-of time if earlier), W-training-induction — no such induction; W-training-quarterly — a quarter of "
    "the twelve months before, begun on or after their induction and ended by then, with no quarterly "
    "training (定期培训) attended."])

PEOPLE_COLUMNS = ["person", "department", "dispatch_met", "dispatch_judged", "timely", "assigned", "completed",
                  "completion", "callbacks", "satisfied", "satisfaction", "clocks", "breaches", "reopened",
                  "complaints", "errors", "error_rate", "score", "grade"]
HEADINGS = {
    "person": ("人员", "person"), "department": ("部门", "department"), "dispatch_met": ("及时派单", "dispatched on time"),
    "dispatch_judged": ("派单", "dispatches"), "timely": ("受理及时率", "dispatch on time"),
    "assigned": ("派给本人", "assigned"), "completed": ("完成", "completed"), "completion": ("处理完成率", "completion"),
    "callbacks": ("回访", "callbacks"), "satisfied": ("满意", "satisfied"), "satisfaction": ("业主满意度", "satisfaction"),
    "clocks": ("时限环节", "clocks"), "breaches": ("超时", "breaches"), "reopened": ("返工", "reopened"),
    "complaints": ("被投诉", "complaints"), "errors": ("失误", "mistakes"), "error_rate": ("工作失误率", "error rate"),
    "score": ("得分", "score"), "grade": ("等级", "grade"), "rank": ("名次", "rank"),
    "induction": ("入职培训", "induction"), "induction_days": ("入职培训天数", "induction days"),
    "quarter": ("季度", "quarter"), "quarter_trainings": ("本季度培训", "this quarter"),
    "topics": ("培训内容", "topics"), "code": ("代码", "code"), "message": ("说明", "finding"),
}


def _section(name: str, title: tuple[str, str], columns: list[str], rows: list[list], lang: str,
             keys: list[str] | None = None) -> Section:
    pick = 0 if lang == "zh" else 1
    return Section(name, title[pick], columns, [HEADINGS[c][pick] for c in columns], rows, keys)


def _within(moment, period: Period, as_of) -> bool:
    return period.start <= moment < period.end and moment <= as_of


def _tally(data: OfficeData, period: Period, as_of) -> dict:
    people = defaultdict(lambda: {"dispatch_met": 0, "dispatch_judged": 0, "assigned": set(), "dropped": set(),
                                  "completed": set(), "callbacks": 0, "satisfied": 0, "clocks": 0, "breaches": 0,
                                  "reopened": 0, "complaints": 0})
    for ticket in data.tickets:
        events = sorted((e for e in ticket.get("timeline") or [] if read_iso(e["at"]) <= as_of),
                        key=lambda e: read_iso(e["at"]))
        cancelled = any(e.get("action") == "cancel" for e in events)
        handler = None
        for event in events:
            action, at = event.get("action"), read_iso(event["at"])
            if action in ("assign", "reopen") and event.get("to"):
                if handler and handler != event["to"] and handler in people \
                        and ticket["id"] in people[handler]["assigned"] \
                        and ticket["id"] not in people[handler]["completed"]:
                    people[handler]["dropped"].add(ticket["id"])   # passed on before they resolved it
                handler = event["to"]
                if _within(at, period, as_of) and not cancelled:
                    people[handler]["assigned"].add(ticket["id"])
                    people[handler]["dropped"].discard(ticket["id"])
            elif action == "resolve" and handler:
                people[handler]["completed"].add(ticket["id"])
            elif action == "callback" and _within(at, period, as_of):
                who = responsibility.resolver_before(ticket, at)
                if who:
                    people[who]["callbacks"] += 1
                    people[who]["satisfied"] += event.get("rating") in GOOD
                    people[who]["reopened"] += event.get("rating") == "dissatisfied"
        about = ticket.get("about_staff")
        if about and ticket.get("category") == "complaint" and not cancelled \
                and _within(read_iso(ticket["received_at"]), period, as_of):
            people[about]["complaints"] += 1
        if source_only(ticket):
            continue
        for row, who, moment in responsibility.charged(ticket, data.clocks(ticket, as_of)):
            if not who or not _within(moment, period, as_of):
                continue
            mine = people[who]
            mine["clocks"] += 1
            mine["breaches"] += row["state"] == "breached"
            if row["stage"] in ("dispatch", "redispatch"):
                mine["dispatch_judged"] += 1
                mine["dispatch_met"] += row["state"] == "met"
    return people


def _points(rate: Percent) -> float | None:
    return None if rate.fraction is None else rate.fraction * 100


def build(data: OfficeData, period: Period, as_of, lang: str):
    policy = data.policy
    problems = rules.threshold_problems(policy.raw)
    if problems:
        raise BadValue(problems[0][1] + " (wuye.yaml; wuyectl validate)")
    chosen = rules.settings(policy.raw)
    tally = _tally(data, period, as_of)
    roster = data.staff
    dept_of = {p["name"]: p.get("department") for p in roster}
    assessed = [p["name"] for p in training.assessed(roster, policy.raw)]
    names = list(dict.fromkeys(assessed + [n for n in tally if any(
        (v if isinstance(v, int) else len(v)) for v in tally[n].values())]))
    order = codes.choices("department")
    names.sort(key=lambda n: (order.index(dept_of[n]) if dept_of.get(n) in order else len(order), n))

    rows, figures = [], {}
    for name in names:
        t = tally[name]
        assigned = t["assigned"] - t["dropped"]
        completed = assigned & t["completed"]
        errors = t["breaches"] + t["reopened"] + t["complaints"]
        chances = t["clocks"] + t["callbacks"] + t["complaints"]
        timely = percent(t["dispatch_met"], t["dispatch_judged"])
        completion = percent(len(completed), len(assigned))
        satisfaction = percent(t["satisfied"], t["callbacks"])
        error_rate = percent(errors, chances)
        wrong = _points(error_rate)
        score = rules.score([_points(timely), _points(completion), _points(satisfaction),
                             None if wrong is None else 100 - wrong])
        grade = rules.grade(score, chosen)
        figures[name] = {"score": score, "grade": grade, "breaches": t["breaches"], "complaints": t["complaints"],
                         "items": t["clocks"] + t["callbacks"]}
        rows.append([name, codes.label("department", dept_of.get(name), lang) if dept_of.get(name) else "",
                     t["dispatch_met"], t["dispatch_judged"], timely, len(assigned), len(completed), completion,
                     t["callbacks"], t["satisfied"], satisfaction, t["clocks"], t["breaches"], t["reopened"],
                     t["complaints"], errors, error_rate, "n/a" if score is None else score,
                     rules.label(grade, lang)])

    stars = _stars(figures, chosen)
    day = min(period.last, as_of.date())
    q_first, q_last = training.quarter_of(day)
    records = data.records("training")
    train_rows = []
    for name in assessed:
        inducted = training.induction(records, name, policy.raw, day)
        this_quarter = training.attended(records, name, training.TYPES, q_first, min(q_last, day))
        sep = "、" if lang == "zh" else "; "
        train_rows.append([name, inducted["first_day"] if inducted else "", training.days(inducted) if inducted else None,
                           training.quarter_name(q_first), len(this_quarter),
                           sep.join(f"{r['first_day']} {codes.label('training_type', r['type'], lang)} {r['topic']}"
                                    for r in this_quarter)])
    found = training.findings(records, roster, policy.raw, day)

    report = new_report("assessment", TITLE, period, as_of, lang)
    report.sections += [
        _section("people", ("考核（按人员）", "Assessment by person"), PEOPLE_COLUMNS, rows, lang, keys=names),
        _section("stars", ("服务之星候选", "Service star candidates"), ["rank", "person", "score", "grade"],
                 [[rank, name, figures[name]["score"], rules.label(figures[name]["grade"], lang)]
                  for rank, name in stars], lang, keys=[name for _rank, name in stars]),
        _section("training", ("培训情况", "Training"),
                 ["person", "induction", "induction_days", "quarter", "quarter_trainings", "topics"],
                 train_rows, lang, keys=list(assessed)),
        _section("training_findings", ("培训问题", "Training findings"), ["code", "person", "quarter", "message"],
                 [[f["code"], f["person"], f["quarter"], f["message"]] for f in found], lang),
    ]
    report.meta["thresholds"] = {k: chosen[k] for k in rules.THRESHOLD_KEYS}
    return report


def _stars(figures: dict, chosen: dict) -> list[tuple[int, str]]:
    """(rank, name) of the 服务之星 candidates: graded excellent, no breach, no complaint, enough
    judged items; the best `stars` scores, ties at the cut included."""
    fit = [(f["score"], name) for name, f in figures.items()
           if f["grade"] == "excellent" and not f["breaches"] and not f["complaints"]
           and f["items"] >= chosen["star_min_items"]]
    fit.sort(key=lambda pair: (-pair[0], pair[1]))
    out, rank = [], 0
    for i, (score, name) in enumerate(fit):
        if i == 0 or score != fit[i - 1][0]:
            rank = i + 1
        if rank > chosen["stars"]:
            break
        out.append((rank, name))
    return out
