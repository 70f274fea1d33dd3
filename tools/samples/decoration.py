"""The sample office's decoration applications (装修申请), 25 October – 24 November 2026.

Seen at 2026-11-25 09:00:
- A: kitchen, bathroom and floors; inspected every three days, accepted, the deposit refunded
  less the rubble removal (refunded).
- B: a balcony enclosure and a partition (façade: the director approves); an inspection finds
  grilles fixed outside the windows and opens a decoration violation, persuaded at once; still
  under works, its inspection overdue.
- C: bathroom works whose acceptance failed (the closed-water test leaked), redone, waiting for
  the second acceptance beyond the policy's days (overdue).
- D: a tenant's application with the owner's written consent; the agreement brought a day
  later; permit issued, works not started.
- E: outside grilles alone: declined by the director at once.
"""
from __future__ import annotations

import random
from datetime import timedelta

from make_sample import CLERKS, DIRECTOR, GIVEN, GUARDS, SUPERVISOR, SURNAMES, TECHS, day

from wuyectl import api
from wuyectl.domain.kinds import KINDS

BUSY = ("1-1-0301", "3-2-1201", "2-1-0502", "2-1-0402", "6-1-1802", "4-2-0901", "5-1-0701", "3-2-1301")
CONTRACTORS = ["华美装饰工程有限公司", "金螳螂家装阳光店", "业之峰装饰", "东易日盛家居装饰", "城市人家装饰工程有限公司"]


def make(story, units) -> None:
    rng = random.Random("sample-decoration-7")
    kind = KINDS["decoration"]
    homes = [u for u in units[:38] if u not in BUSY and story.households[u]["occupancy"] == "self"]
    rented = [u for u in units[:38] if u not in BUSY and story.households[u]["occupancy"] == "rented"]
    a, b, c, e = rng.sample(homes, 4)
    d = rng.choice(rented)
    contractors = rng.sample(CONTRACTORS, 5)

    def name() -> str:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    def workers(n: int) -> list[str]:
        return [name() for _ in range(n)]

    def owner(unit: str) -> str:
        return story.people[unit]["owner"]["name"]

    ids: dict[str, str] = {}

    def apply(key, when, by, unit, **values):
        def fn():
            ids[key] = api.open_entry(story.office, by, kind, {"unit": unit, **values})[0]
        story.add(when, fn, f"decoration {key} apply")

    def act(key, when, action, by, sets=None, note=None):
        def fn():
            done = api.act(story.office, by, [ids[key]], action, sets=dict(sets or {}), note=note)
            if action == "inspect" and len(done.ids) > 1:
                ids[f"{key}-violation"] = done.ids[1]
        story.add(when, fn, f"decoration {key} {action}")

    def receipt(when) -> str:
        return f"ZX{when:%Y%m%d}{rng.randint(10, 99)}"

    # -- A: refunded ------------------------------------------------------------------------
    t = day(25, 9, 30)    # 10-26
    apply("A", t, CLERKS[0], a, applicant=owner(a), contractor=contractors[0], workers=workers(4),
          scope=["kitchen_bath", "floor", "walls", "electrical"], start="2026-10-28", end="2026-11-20",
          documents=["drawings", "licence", "agreement"], deposit=3000, fees=480, receipt=receipt(t),
          note="装修管理费按建筑面积收取，含垃圾清运费")
    act("A", day(26, 10, 0), "engineering_review", TECHS[0], note="电路改造须穿管，厨卫做闭水试验")
    act("A", day(27, 8, 20), "start_works", CLERKS[1])
    for when, who, finding in [
            (day(29, 10, 10), CLERKS[0], "拆除旧橱柜及地砖，垃圾已袋装"),
            (day(32, 15, 0), TECHS[0], "电路开槽布管，穿管规范"),
            (day(35, 9, 40), GUARDS[0], "正常"),
            (day(38, 14, 30), CLERKS[1], "卫生间防水完成，闭水试验中"),
            (day(41, 10, 20), TECHS[1], "地砖铺贴，楼道已做成品保护"),
            (day(44, 15, 40), CLERKS[0], "油漆施工，门窗通风")]:
        act("A", when, "inspect", who, sets={"finding": finding})
    act("A", day(47, 16, 0), "finish_works", CLERKS[1], note="业主电话报完工")
    act("A", day(48, 10, 0), "accept_works", TECHS[1], sets={"verdict": "pass", "owner_present": owner(a)},
        note="闭水试验48小时无渗漏，电路绝缘测试合格")
    act("A", day(50, 11, 0), "refund_deposit", SUPERVISOR, sets={"deductions": "200 楼道遗留建筑垃圾清运"})

    # -- B: under works, a violation, inspection overdue ------------------------------------------
    t = day(31, 10, 0)    # 11-01
    apply("B", t, CLERKS[1], b, applicant=owner(b), contractor=contractors[1], workers=workers(3),
          scope=["partition", "walls", "facade"], start="2026-11-04", end="2026-12-15",
          documents=["drawings", "licence", "agreement"], deposit=5000, fees=620, receipt=receipt(t),
          note="阳台封闭，须按小区统一样式")
    act("B", day(32, 9, 30), "engineering_review", TECHS[2], note="隔墙为轻质砌块，非承重")
    act("B", day(33, 16, 0), "director_approve", DIRECTOR, note="阳台封闭按统一样式，颜色与外立面一致")
    act("B", day(34, 8, 40), "start_works", TECHS[2])
    act("B", day(36, 10, 30), "inspect", CLERKS[0], sets={"finding": "拆除原卧室隔墙，未涉及承重结构"})
    act("B", day(40, 14, 20), "inspect", GUARDS[1],
        sets={"breach": "grilles", "finding": "施工方在卧室外窗外侧加装不锈钢防盗网，破坏外立面"})
    story.add(day(40, 14, 50), lambda: api.escalate(story.office, GUARDS[1], [ids["B-violation"]],
                                                    reason="当场劝导，要求拆除外置防盗网，改装内置隐形防盗网"),
              "decoration B violation persuade")
    act("B", day(43, 20, 15), "inspect", GUARDS[0],
        sets={"outside_permit": "yes", "finding": "晚间仍在使用切割机，已劝停"})
    act("B", day(47, 11, 0), "inspect", CLERKS[1], sets={"finding": "外置防盗网已拆除，阳台窗框安装中"})
    act("B", day(50, 9, 50), "inspect", TECHS[2], sets={"finding": "阳台封闭完成，样式颜色符合要求"})

    # -- C: failed acceptance, waiting for the second (overdue) ----------------------------------
    t = day(26, 14, 20)   # 10-27
    apply("C", t, CLERKS[0], c, applicant=owner(c), contractor=contractors[2], workers=workers(2),
          scope=["kitchen_bath", "plumbing"], start="2026-10-30", end="2026-11-20",
          documents=["drawings", "licence", "agreement"], deposit=2000, fees=260, receipt=receipt(t))
    act("C", day(27, 9, 0), "engineering_review", TECHS[1], note="给排水改造不得移动公共立管")
    act("C", day(29, 8, 30), "start_works", CLERKS[1])
    act("C", day(31, 15, 10), "inspect", TECHS[1], sets={"finding": "拆除卫生间墙地砖，立管未动"})
    act("C", day(34, 10, 0), "inspect", CLERKS[0], sets={"finding": "水管改造打压试验进行中"})
    act("C", day(37, 9, 20), "inspect", GUARDS[1], sets={"finding": "正常"})
    act("C", day(40, 16, 30), "inspect", TECHS[0], sets={"finding": "防水涂刷完成"})
    act("C", day(41, 17, 0), "finish_works", CLERKS[1])
    act("C", day(42, 10, 30), "accept_works", TECHS[1],
        sets={"verdict": "fail", "owner_present": owner(c), "defects": "卫生间闭水试验楼下顶板渗水，须返工防水",
              "deadline": "2026-11-18"})
    act("C", day(44, 10, 0), "inspect", CLERKS[0], sets={"finding": "卫生间防水返工，重新闭水试验"})
    act("C", day(47, 15, 30), "finish_works", CLERKS[0], note="业主报返工完成")

    # -- D: a tenant's application, permit issued ---------------------------------------------
    t = day(48, 15, 10)   # 11-18
    tenant = name()
    apply("D", t, CLERKS[1], d, applicant=tenant, applicant_type="tenant",
          owner_consent=f"业主{owner(d)}书面同意（装修委托书，{(t - timedelta(days=3)):%Y-%m-%d}）",
          contractor=contractors[3], workers=workers(2), scope=["walls", "doors_windows"], start="2026-11-23",
          end="2026-12-06", documents=["drawings", "licence"], deposit=2000, fees=180, receipt=receipt(t))
    act("D", day(49, 10, 40), "supplement", CLERKS[0], sets={"received": "agreement"}, note="租户补签装修管理协议")
    act("D", day(50, 14, 0), "engineering_review", TECHS[0])

    # -- E: declined ----------------------------------------------------------------------------
    t = day(51, 9, 20)    # 11-21
    apply("E", t, CLERKS[0], e, applicant=owner(e), contractor=contractors[4], workers=workers(1),
          scope=["facade"], start="2026-11-24", end="2026-11-25", documents=["licence", "agreement"],
          note="申请在外窗外侧加装不锈钢防盗网")
    act("E", day(53, 10, 0), "decline", DIRECTOR,
        note="按《装修管理规定》不得在外窗外侧安装防盗网，建议改装内置隐形防盗网后重新申请")
