"""The sample office's visitor register (物业来访人员登记表), 2026-10-25 … 11-24: couriers,
repairmen, decorators and relatives at the gate, registered by the guard or the desk and
signed out when they leave. A few are written in later than the 5 minutes (the guard was on
the phone), a few leave without signing out (overdue the next morning), and the last
evening's visitors are still in at 2026-11-25 09:00."""
from __future__ import annotations

import random
from datetime import timedelta

from make_sample import ADULT_F, ADULT_M, CLERKS, GIVEN, GUARDS, LAST, MALE_GIVEN, SURNAMES, api, day

from wuyectl.domain.kinds import KINDS
from wuyectl.domain.privacy import id_card_check_digit

REGIONS = ("440305", "440304", "440306", "110105", "310115", "430102", "360102", "445202", "441302")
COMPANIES = [  # (employer, why they come)
    ("顺丰速运", "送件上门"), ("京东物流", "送大件家电"), ("美团外卖", "送餐"), ("深圳供电局", "抄表/检查电表"),
    ("中国电信装维", "宽带维修"), ("好帮手家政", "保洁服务"), ("顺心搬家公司", "搬运家具"),
    ("格力售后", "空调清洗"), ("华润燃气", "燃气安全检查"), ("居然之家配送", "送货安装"),
]
DECORATORS = ("宏图装饰公司", "美家装饰工程部", "鑫诚水电安装")
RELATIVES = ("深圳市南山区桃园路", "深圳市宝安区新安街道", "东莞市南城区", "广州市天河区", "惠州市惠城区")
RELATIONS = ("探亲", "朋友来访", "家教上课", "看望老人", "送东西")


def _id_card(rng: random.Random, male: bool) -> str:
    born = f"{rng.randint(1958, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    serial = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    first = f"{rng.choice(REGIONS)}{born}{serial:03d}"
    return first + id_card_check_digit(first)


def make(story, units: list[str]) -> None:
    rng = random.Random("sample-visitor-7")
    kind = KINDS["visitor"]
    homes = [u for u in units[:39] if story.households[u]["occupancy"] in ("self", "rented")]
    works = [u for u in units[:39] if story.households[u]["occupancy"] == "decorating"]
    used: set[str] = set()

    men, women = sorted(MALE_GIVEN) + ADULT_M, [g for g in GIVEN if g not in MALE_GIVEN] + ADULT_F

    def name(male: bool) -> str:
        while True:
            given = rng.choice(men if male else women)
            text = rng.choice(SURNAMES) + given
            if text not in used and text not in story.names:
                used.add(text)
                return text

    def entry(arrived, desk, values, *, late=0, leave=None, forgot=False, entered_out=0):
        """One visitor: written in `late` minutes after arriving (0-3 when on time), signed
        out at `leave` (the guard writes it then, or `entered_out` minutes later)."""
        registered = arrived + timedelta(minutes=late)
        if registered > LAST:
            return
        box = {}

        def come():
            given = dict(values)
            if late:
                given["arrived_at"] = arrived
            box["id"] = api.open_entry(story.office, desk, kind, given)[0]
        story.add(registered, come, f"visitor {values['name']} arrives")
        if forgot or leave is None:
            return
        written = leave + timedelta(minutes=entered_out)
        if written > LAST:
            return       # still in when the story ends

        def go():
            api.act(story.office, on_duty(leave), [box["id"]], "sign_out",
                    at=leave if entered_out else None)
        story.add(written, go, f"visitor {values['name']} leaves")

    def on_duty(when):
        return GUARDS[0] if when.hour < 15 else GUARDS[1]

    forgot_days = set(rng.sample(range(24, 53), 3))
    late_days = set(rng.sample(range(24, 55), 5))
    for n in range(24, 55):
        count = rng.randint(3, 6)
        times = sorted(rng.randint(8 * 60 + 20, 20 * 60 + 30) for _ in range(count))
        for i, minute in enumerate(times):
            arrived = day(n, 0, 0) + timedelta(minutes=minute)
            male = rng.random() < 0.65
            who = name(male)
            phone = rng.choice(("139", "138", "136", "150", "158", "186", "189", "177")) + f"{rng.randint(0, 99999999):08d}"
            roll = rng.random()
            if roll < 0.5:
                employer, why = rng.choice(COMPANIES)
                unit = rng.choice(homes)
                values = {"name": who, "gender": "male" if male else "female", "id_type": "id_card",
                          "id_number": _id_card(rng, male), "phone": phone, "employer": employer,
                          "host": story.households[unit]["name"], "visiting": unit, "note": why}
                stay = rng.randint(10, 70)
            elif roll < 0.62 and works:
                unit = rng.choice(works)
                values = {"name": who, "gender": "male", "id_type": "id_card", "id_number": _id_card(rng, True),
                          "phone": phone, "employer": rng.choice(DECORATORS), "host": story.households[unit]["name"],
                          "visiting": unit, "note": "装修施工人员，已查验出入证"}
                stay = rng.randint(120, 300)
            else:
                unit = rng.choice(homes)
                document = rng.random()
                values = {"name": who, "gender": "male" if male else "female", "phone": phone,
                          "address": rng.choice(RELATIVES), "host": story.households[unit]["name"], "visiting": unit,
                          "note": rng.choice(RELATIONS)}
                if document < 0.08:
                    values.update(id_type="hk_macau_permit", id_number=f"C{rng.randint(10000000, 99999999)}")
                elif document < 0.12:
                    values.update(id_type="passport", id_number=f"E{rng.randint(10000000, 99999999)}")
                elif document < 0.2:
                    values.update(id_type="driving_licence", id_number=_id_card(rng, male))
                else:
                    values.update(id_type="id_card", id_number=_id_card(rng, male))
                stay = rng.randint(40, 240)
            desk = on_duty(arrived) if arrived.hour < 9 or arrived.hour >= 18 or rng.random() < 0.7 else \
                rng.choice(CLERKS)
            late = rng.randint(8, 25) if (n in late_days and i == 0) else rng.randint(0, 3)
            leave = arrived + timedelta(minutes=late + stay)
            if leave.date() != arrived.date():
                leave = arrived.replace(hour=23, minute=40)
            entry(arrived, desk, values, late=late, leave=leave, forgot=(n in forgot_days and i == count - 1),
                  entered_out=rng.choice((0, 0, 0, 0, 25)))
