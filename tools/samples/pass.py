"""The sample office's goods release passes (物品放行条), 2026-10-25 … 11-24: owners moving
furniture and appliances out, issued at the desk with the owner's authority (a tenant moving
out with the owner's written consent) and released at the gate by the guard the same day; one
cancelled before use and voided, one never used and voided the next morning, and two never
used and left as they are (expired: overdue at 2026-11-25 09:00)."""
from __future__ import annotations

import random
from datetime import timedelta

from make_sample import CLERKS, GUARDS, api, day

from wuyectl.domain.kinds import KINDS

GOODS = ["冰箱", "洗衣机", "双人床", "床垫", "三门衣柜", "布艺沙发", "电视机", "书柜", "餐桌", "餐椅4把", "钢琴",
         "空调挂机", "办公桌", "旧热水器", "纸箱8个", "纸箱15个", "行李箱3个", "跑步机", "鞋柜", "婴儿床"]
MOVERS = ["顺心搬家公司 李师傅", "蚂蚁搬家 王师傅", "货拉拉司机 陈师傅", "业主本人", "大众搬家 赵师傅", "快狗打车 刘师傅"]
GATES = ("南门", "北门")
# (day, hh, mm, goods count, released after minutes, or "void" / "void-next" / None: never used)
PASSES = [
    (24, 10, 5, 3, 95), (25, 14, 20, 2, 40), (27, 9, 40, 4, 150), (29, 15, 10, 1, 25), (31, 10, 30, 3, 70),
    (32, 16, 15, 2, 30), (36, 11, 0, 2, "void"), (37, 9, 15, 5, 200), (39, 14, 40, 1, 20), (41, 10, 20, 3, 110),
    (44, 16, 40, 2, "void-next"), (46, 9, 50, 4, 130), (47, 15, 30, 2, 45), (49, 10, 10, 1, None),
    (50, 14, 0, 3, 60), (53, 9, 30, 2, 80), (54, 15, 50, 2, None),
]
TENANT_DAY = 33                   # a tenant moves out (2026-11-03), with the owner's written consent


def _household(story, unit: str) -> dict:
    return next(r for r in story.office.index(KINDS["owner"]).records() if r["id"] == unit)


def make(story, units: list[str]) -> None:
    rng = random.Random("sample-pass-7")
    kind = KINDS["pass"]
    homes = rng.sample([u for u in units[:38] if story.households[u]["occupancy"] == "self"], len(PASSES))

    def issue(when, clerk, chosen, goods, mover, *, then=None, tenant_move=False):
        box = {}

        def fn():
            unit = chosen if isinstance(chosen, str) else \
                next((u for u in chosen if _household(story, u).get("tenants")), chosen[0])
            household = _household(story, unit)
            values = {"unit": unit, "goods": goods, "owner": household["owners"][0]["name"], "carried_by": mover,
                      "fees_cleared_by": CLERKS[1]}
            if tenant_move:
                tenant = (household.get("tenants") or [{"name": "租户"}])[0]["name"]
                values.update(tenant=tenant, owner_consent=f"业主{values['owner']}2026-11-01签字的书面同意书（附身份证复印件，已存档）",
                              note="租户退租搬离")
            box["id"] = api.open_entry(story.office, clerk, kind, values)[0]
        story.add(when, fn, "pass")
        if then is None:
            return
        at, who, action, extra = then

        def act():
            api.act(story.office, who, [box["id"]], action, **extra)
        story.add(at, act, f"pass {action}")

    for (n, hh, mm, count, after), unit in zip(PASSES, homes):
        when = day(n, hh, mm)
        clerk = CLERKS[n % 2]
        goods = rng.sample(GOODS, count)
        mover = rng.choice(MOVERS)
        if after == "void":
            then = (when + rng.choice((timedelta(minutes=120), timedelta(minutes=240))), clerk, "void",
                    {"note": "业主来电改期搬家，本放行条作废"})
        elif after == "void-next":
            then = (day(n + 1, 9, 10), CLERKS[(n + 1) % 2], "void", {"note": "当日未使用，过期作废"})
        elif after is None:
            then = None
        else:
            then = (when + timedelta(minutes=after), GUARDS[n % 2], "release", {"sets": {"gate": rng.choice(GATES)}})
        issue(when, clerk, unit, goods, mover, then=then)
    # The tenant of a rented unit moves out (the first rented unit with a tenant on its record).
    rented = [u for u in units[:38] if story.households[u]["occupancy"] == "rented"]
    issue(day(TENANT_DAY, 10, 20), CLERKS[TENANT_DAY % 2], rented, ["冰箱", "洗衣机", "双人床", "三门衣柜", "纸箱12个"],
          "顺心搬家公司 李师傅", then=(day(TENANT_DAY, 14, 30), GUARDS[0], "release", {"sets": {"gate": "南门"}}),
          tenant_move=True)
