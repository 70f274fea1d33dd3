"""The sample office's lending book (借用登记), 2026-10-25 … 11-24: umbrellas on rainy days,
ladders, trolleys and tools lent to owners and visitors, most returned intact; one returned late,
an umbrella broken (a charge), one lost (a charge), a trolley returned with a wheel off (a repair
ticket opened with the return, the only ticket of 11-16, so no other ticket's ID moves), and at
2026-11-25 09:00 three items out, two of them overdue."""
from __future__ import annotations

import random
from datetime import timedelta

from make_sample import CLERKS, GIVEN, GUARDS, SUPERVISOR, SURNAMES, TECHS, day

from wuyectl import api
from wuyectl.domain.kinds import KINDS

RAINY = (25, 31, 37, 38, 44, 50)          # days of the story (0 = 10-01) it rained
TOOLS = [("人字梯（1.5米）", 24), ("电钻", 8), ("工具箱", 8), ("手推车", 6), ("打气筒", 4), ("卷尺", 4),
         ("万用表", 8), ("轮椅", 72)]     # (item, hours lent for)


def open_hours(when):
    """The desk is staffed 07:30–20:00: a time outside it moves to the next morning's 08:xx."""
    if when.hour >= 20:
        when += timedelta(days=1)
    if when.hour >= 20 or when.hour < 8:
        when = when.replace(hour=8)
    return when


def make(story, units: list[str]) -> None:
    rng = random.Random("sample-lending-7")
    book = KINDS["lending"]
    ids: dict[str, str] = {}
    owned = [u for u in units if u in story.households]

    def visitor() -> str:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    def lend(key, when, clerk, item, *, unit=None, borrower=None, due=None, deposit=None, note=None):
        values = {"item": item, "borrower": borrower or story.households[unit]["name"]}
        if unit:
            values["unit"] = unit
        if due is not None:
            values["due_at"] = due
        if deposit is not None:
            values["deposit"] = deposit
        if note:
            values["note"] = note

        def step():
            ids[key] = api.open_entry(story.office, clerk, book, values)[0]
        story.add(when, step, f"lending {key}: lend {item}")

    def back(key, when, clerk, condition="intact", *, note=None, **sets):
        def step():
            api.act(story.office, clerk, [ids[key]], "return", sets={"condition": condition, **sets}, note=note)
        story.add(when, step, f"lending {key}: return ({condition})")

    n = 0
    # Rainy days: umbrellas lent in the morning and evening rush, back the next day or two.
    for rainy in RAINY:
        for _ in range(rng.randint(2, 4)):
            n += 1
            key = f"umbrella-{n}"
            when = day(rainy, rng.choice((7, 8, 17, 18)), rng.randint(0, 59))
            unit = rng.choice(owned) if rng.random() < 0.7 else None
            lend(key, when, rng.choice(CLERKS), "雨伞", unit=unit, borrower=None if unit else visitor(),
                 deposit=None if unit else 20)
            back(key, open_hours(when + timedelta(hours=rng.choice((14, 16, 20, 23, 26)))), rng.choice(CLERKS))
    # Tools for owners, a few a week.
    for n, d in enumerate(range(24, 53, 3)):
        item, hours = rng.choice(TOOLS)
        unit = rng.choice(owned)
        when = day(d, rng.randint(9, 15), rng.randint(0, 59))
        key = f"tool-{n}"
        lend(key, when, rng.choice(CLERKS), item, unit=unit, due=when + timedelta(hours=hours),
             deposit=rng.choice((None, 50, 100)) if item in ("电钻", "万用表") else None)
        back(key, open_hours(when + timedelta(hours=max(1, hours - rng.randint(0, hours // 2 or 1)))),
             rng.choice(CLERKS))

    # The cases the book is kept for.
    lend("late-drill", day(39, 10, 5), CLERKS[0], "电钻", unit=owned[3], due=day(39, 18, 0), deposit=100,
         note="安装窗帘轨道")
    back("late-drill", day(40, 10, 20), CLERKS[1], note="逾期归还，已提醒下次按时归还")
    lend("broken-umbrella", day(37, 17, 42), CLERKS[1], "雨伞", borrower=visitor(), deposit=20, note="访客借用")
    back("broken-umbrella", day(38, 9, 10), CLERKS[0], "damaged", condition_note="伞骨折断两根，无法修复",
         charge=20, charge_reason="照价赔偿，押金抵扣")
    lend("lost-umbrella", day(44, 18, 5), CLERKS[1], "雨伞", unit=owned[7])
    back("lost-umbrella", day(46, 9, 30), CLERKS[0], "lost", condition_note="借用人告知雨伞在地铁上遗失",
         charge=35, charge_reason="遗失照价赔偿")
    # A trolley back with a wheel off: a repair ticket with the return, then fixed the next day.
    lend("trolley", day(45, 10, 20), CLERKS[0], "手推车", unit=owned[5], due=day(45, 18, 0), note="搬运家具")
    back("trolley", day(46, 17, 40), GUARDS[0], "damaged", condition_note="右前轮脱落，轮轴弯曲", repair=True,
         charge=50, charge_reason="使用不当损坏，照价赔偿")

    def fix():
        ticket = api.show(story.office, ids["trolley"], actor=CLERKS[0])["record"]["ticket"]
        api.assign(story.office, CLERKS[0], [ticket], to=TECHS[1])
    story.add(day(47, 8, 50), fix, "lending trolley: its ticket assigned")

    def fixed():
        ticket = api.show(story.office, ids["trolley"], actor=CLERKS[0])["record"]["ticket"]
        api.act(story.office, TECHS[1], [ticket], "resolve", sets={"result": "更换右前轮及轮轴，试推正常",
                                                                     "signed_by": CLERKS[0]})
    story.add(day(47, 14, 30), fixed, "lending trolley: its ticket resolved")

    def reported():
        ticket = api.show(story.office, ids["trolley"], actor=CLERKS[0])["record"]["ticket"]
        api.act(story.office, TECHS[1], [ticket], "report_back", note="已修好，手推车放回前台")
        api.act(story.office, CLERKS[0], [ticket], "notify", note="前台已收到修好的手推车")
    story.add(day(47, 14, 45), reported, "lending trolley: its ticket reported back")

    def checked():
        ticket = api.show(story.office, ids["trolley"], actor=CLERKS[0])["record"]["ticket"]
        api.open_callback(story.office, SUPERVISOR, ticket=ticket, rating="satisfied", method="visit",
                          note="主管复核，手推车可正常使用")
    story.add(day(48, 18, 25), checked, "lending trolley: its ticket checked")   # (the day's last visit)
    # Out at the end of the month: a ladder overdue, an umbrella overdue, a wheelchair not yet due.
    lend("ladder-out", day(50, 9, 40), CLERKS[0], "人字梯（1.5米）", unit=owned[11], due=day(51, 18, 0),
         note="更换灯泡")
    lend("umbrella-out", day(53, 8, 15), CLERKS[1], "雨伞", unit=owned[2])
    lend("wheelchair-out", day(54, 10, 0), CLERKS[0], "轮椅", unit=owned[9], due=day(57, 18, 0),
         note="家中老人复诊用")
