"""The sample office's mail and parcels (报刊、邮件、包裹单签收与发放), 2026-10-25 … 11-24:
couriers leave parcels at the desk, the clerk tells the household by SMS, WeChat or phone,
and the owner or a family member collects and signs. A few wait past the 7 days (two of them
go back to the sender; some are overdue at 2026-11-25 09:00), and the last days' are waiting."""
from __future__ import annotations

import random
from datetime import timedelta

from make_sample import CLERKS, GUARDS, LAST, api, day

from wuyectl.domain.kinds import KINDS

CARRIERS = [  # (carrier, tracking number form)
    ("顺丰", lambda r: f"SF{r.randint(10**11, 10**12 - 1)}"),
    ("中通", lambda r: f"7{r.randint(10**12, 10**13 - 1)}"),
    ("圆通", lambda r: f"YT{r.randint(10**12, 10**13 - 1)}"),
    ("京东", lambda r: f"JD{r.randint(10**12, 10**13 - 1)}"),
    ("韵达", lambda r: f"43{r.randint(10**11, 10**12 - 1)}"),
    ("申通", lambda r: f"77{r.randint(10**11, 10**12 - 1)}"),
    ("中国邮政", lambda r: f"98{r.randint(10**10, 10**11 - 1)}"),
]
FAMILY = [("配偶", 0.5), ("父母", 0.2), ("子女", 0.2), ("邻居", 0.1)]
SHELVES = ("A-1", "A-2", "A-3", "B-1", "B-2", "B-3", "大件区")


def make(story, units: list[str]) -> None:
    rng = random.Random("sample-parcel-7")
    kind = KINDS["parcel"]
    homes = [u for u in units[:39] if story.households[u]["occupancy"] in ("self", "rented")]

    def clerk(when):
        return CLERKS[0] if when.day % 2 else CLERKS[1]

    def item(received, values, *, notify=None, how="sms", collect=None, by_family=False, back=None):
        """Signed for at `received`; the household told `notify` minutes later; collected at
        `collect` (or returned to the sender at `back`)."""
        if received > LAST:
            return
        box = {}
        desk = clerk(received) if 8 <= received.hour < 18 else GUARDS[1]

        def receive():
            box["id"] = api.open_entry(story.office, desk, kind, values)[0]
        story.add(received, receive, f"parcel for {values['unit']}")
        told = received + timedelta(minutes=notify) if notify is not None else None
        if told is not None and told <= LAST:
            if told.hour >= 21:
                told = told.replace(hour=8, minute=40) + timedelta(days=1)

            def tell():
                api.act(story.office, clerk(told), [box["id"]], "notify", sets={"notified_via": how})
            if told <= LAST:
                story.add(told, tell, f"notify {values['unit']}")
        if collect is not None:
            if collect.hour < 8 or collect.hour >= 22:     # people collect in the day or the evening
                collect = collect.replace(hour=19, minute=collect.minute)
            if told is not None and collect <= told:
                collect = told + timedelta(minutes=30)
        if collect is not None and collect <= LAST:
            addressee = values["addressee"]
            sets = {"collector": addressee, "signature": addressee}
            if by_family:
                relation = rng.choices([r for r, _ in FAMILY], [w for _, w in FAMILY])[0]
                other = rng.choice("王李张刘陈杨黄赵吴周") + rng.choice(("丽", "军", "敏", "浩然", "婷婷", "建华"))
                sets = {"collector": other, "signature": other, "relation": relation}

            def hand_over():
                api.act(story.office, clerk(collect) if 8 <= collect.hour < 18 else GUARDS[1], [box["id"]],
                        "collect", sets=sets)
            story.add(collect, hand_over, f"collect {values['unit']}")
        elif back is not None and back <= LAST:
            def send_back():
                api.act(story.office, clerk(back), [box["id"]], "return_to_sender",
                        note="超过保管期限无人领取，已联系快递员退回寄件人")
            story.add(back, send_back, f"return {values['unit']}")

    returned = 0
    for n in range(24, 55):
        for _ in range(rng.randint(3, 7)):
            received = day(n, 0, 0) + timedelta(minutes=rng.randint(9 * 60, 19 * 60 + 30))
            unit = rng.choice(homes)
            owner = story.households[unit]["name"]
            roll = rng.random()
            if roll < 0.08:
                values = {"type": "letter", "carrier": "中国邮政", "unit": unit, "addressee": owner,
                          "shelf": "信报箱", "note": rng.choice(("银行信用卡账单", "挂号信", "法院传票（已告知须本人签收）"))}
            elif roll < 0.12:
                values = {"type": "newspaper", "carrier": "中国邮政", "unit": unit, "addressee": owner,
                          "shelf": "信报箱", "note": rng.choice(("《深圳特区报》", "《南方都市报》", "《读者》月刊"))}
            elif roll < 0.15:
                values = {"type": "parcel_slip", "carrier": "中国邮政", "tracking": CARRIERS[-1][1](rng), "unit": unit,
                          "addressee": owner, "note": "包裹单，凭单到邮局领取"}
            else:
                carrier, tracking = rng.choice(CARRIERS)
                values = {"type": "parcel", "carrier": carrier, "tracking": tracking(rng), "unit": unit,
                          "addressee": owner, "shelf": rng.choice(SHELVES)}
                if rng.random() < 0.15:
                    values["note"] = rng.choice(("易碎品", "生鲜，请尽快领取", "大件，两箱", "到付已由业主支付"))
            notify = rng.randint(5, 60)
            how = rng.choice(("sms", "sms", "wechat", "wechat", "phone"))
            wait = rng.random()
            if wait < 0.06 and returned < 2 and n < 40:
                returned += 1
                item(received, values, notify=notify, how=how,
                     back=received + timedelta(days=8, hours=rng.randint(0, 20)))
            elif wait < 0.09:
                item(received, values, notify=notify, how=how)      # never collected: overdue after 7 days
            elif wait < 0.17:
                item(received, values, notify=notify, how=how,       # collected late, after the 7 days
                     collect=received + timedelta(days=rng.randint(8, 12), hours=rng.randint(0, 6)))
            else:
                item(received, values, notify=notify if rng.random() < 0.9 else None, how=how,
                     collect=received + timedelta(hours=rng.randint(2, 96), minutes=rng.randint(0, 59)),
                     by_family=rng.random() < 0.25)
