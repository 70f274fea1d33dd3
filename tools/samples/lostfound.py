"""The sample office's lost and found (客户失物登记表 / 物品发还清单), 2026-10-25 … 11-24.

On 10-26 the front desk enters the items its paper register still keeps (found in July and
August, --found-at in the past); two are disposed of once their 90 days are up (one handed to the
police, one donated) with the supervisor's or the director's step, one is still kept past its
keeping time at 2026-11-25 (overdue), one is not yet due. Items found during the month by
cleaners, guards and owners: most claimed by their owners with an ID card (masked) and a
signature, some still kept."""
from __future__ import annotations

import random
from datetime import date, timedelta

from make_sample import CLEANERS, CLERKS, DIRECTOR, GIVEN, GUARDS, REGIONS, SUPERVISOR, SURNAMES, day, id_card

from wuyectl import api
from wuyectl.domain.kinds import KINDS

PLACES = ["1栋大堂休息区", "2栋电梯轿厢", "3栋单元门口", "中心花园长椅", "地下车库B区", "小区南门岗亭旁",
          "儿童游乐场", "会所健身房", "5栋电梯厅", "快递柜旁"]
FOUND = [("黑色双肩包（内有笔记本电脑一台）", "id_card"), ("钥匙一串（3把，带蓝色挂件）", "id_card"),
         ("儿童外套（红色，约120码）", "id_card"), ("眼镜（黑框近视镜）", "id_card"),
         ("钱包（棕色，内有现金约200元及银行卡）", "id_card"), ("手机（白色，已关机）", "id_card"),
         ("保温杯（银色）", "id_card"), ("电动车钥匙", "driving_licence"), ("公交卡", "id_card"),
         ("雨伞（格子）", "id_card"), ("玩具遥控车", "id_card"), ("运动手环", "passport")]


def make(story, units: list[str]) -> None:
    rng = random.Random("sample-lostfound-7")
    book = KINDS["lostfound"]
    ids: dict[str, str] = {}
    owned = [u for u in units if u in story.households]
    claimers = rng.sample(owned, 12)       # a household claims one item in the month

    def log(key, when, clerk, item, place, finder, kept, *, found_at=None, finder_unit=None, note=None):
        values = {"item": item, "found_place": place, "found_by": finder, "kept_at": kept}
        if found_at is not None:
            values["found_at"] = found_at
        if finder_unit:
            values["finder_unit"] = finder_unit
        if note:
            values["note"] = note

        def step():
            ids[key] = api.open_entry(story.office, clerk, book, values)[0]
        story.add(when, step, f"lostfound {key}: found {item}")

    def claim(key, when, clerk, unit, id_type="id_card", note=None):
        name = story.households[unit]["name"] if unit else rng.choice(SURNAMES) + rng.choice(GIVEN)
        male = name[1:] in ("伟", "强", "磊", "军", "洋", "杰", "涛")
        number = (id_card(rng, rng.choice(REGIONS)[0], date(rng.randint(1960, 2000), rng.randint(1, 12),
                                                            rng.randint(1, 28)), male)
                  if id_type == "id_card" else f"{'E' if id_type == 'passport' else ''}{rng.randint(10**8, 10**9 - 1)}")
        sets = {"claimant": name, "claimant_id_type": id_type, "claimant_id_number": number, "signed": True,
                "claimant_phone": story.households[unit]["phone"] if unit else f"139{rng.randint(0, 10**8 - 1):08d}"}
        if unit:
            sets["claimant_unit"] = unit

        def step():
            api.act(story.office, clerk, [ids[key]], "claim", sets=sets, note=note)
        story.add(when, step, f"lostfound {key}: claimed")

    def dispose(key, when, manager, how, note):
        def step():
            api.act(story.office, manager, [ids[key]], "dispose", sets={"disposal": how, "disposal_note": note})
        story.add(when, step, f"lostfound {key}: disposed ({how})")

    # 10-26: the paper register's items still kept, entered with the day they were found.
    when = day(25, 14, 0)
    log("old-phone", when, CLERKS[0], "手机（黑色，屏幕碎裂）", "中心花园长椅", CLEANERS[0], "前台保险柜",
        found_at="2026-07-24 09:20", note="补录纸质《客户失物登记表》，无人认领")
    log("old-raincoat", when + timedelta(minutes=4), CLERKS[0], "雨衣（成人，蓝色）", "地下车库B区", GUARDS[1],
        "前台失物柜", found_at="2026-08-09 21:10", note="补录纸质《客户失物登记表》")
    log("old-scooter", when + timedelta(minutes=7), CLERKS[0], "滑板车（儿童，粉色）", "儿童游乐场",
        CLEANERS[1], "物业库房", found_at="2026-08-21 17:30", note="补录纸质《客户失物登记表》")
    log("old-books", when + timedelta(minutes=10), CLERKS[0], "书包（内有小学课本）", "小区南门岗亭旁", GUARDS[0],
        "前台失物柜", found_at="2026-09-03 07:45", note="补录纸质《客户失物登记表》")
    dispose("old-phone", day(33, 10, 30), SUPERVISOR, "police", "交城东派出所，回执编号 2026-1103-017")
    dispose("old-raincoat", day(39, 15, 0), DIRECTOR, "donate", "捐赠社区爱心衣物箱")

    # Found during the month: by cleaners and guards on their rounds, a few by owners.
    n = 0
    for d in sorted(rng.sample(range(24, 54), 12)):
        item, id_type = FOUND[n % len(FOUND)]
        n += 1
        key = f"found-{n}"
        found_at = day(d, rng.randint(7, 18), rng.randint(0, 59))
        if rng.random() < 0.25:
            unit = rng.choice(owned)
            finder, finder_unit = story.households[unit]["name"], unit
        else:
            finder, finder_unit = rng.choice(CLEANERS + GUARDS), None
        logged = found_at + timedelta(minutes=rng.randint(10, 50))
        log(key, logged, rng.choice(CLERKS), item, rng.choice(PLACES), finder,
            rng.choice(["前台失物柜", "前台失物柜", "前台保险柜"]) if "钱包" not in item and "手机" not in item
            else "前台保险柜", found_at=found_at, finder_unit=finder_unit)
        if n % 4 == 0:
            continue                       # nobody has come for it yet
        back = logged + timedelta(hours=rng.choice((3, 5, 20, 26, 50)))
        if back.hour >= 20 or back.hour < 8:
            back = back.replace(hour=9) + (timedelta(days=1) if back.hour >= 20 else timedelta())
        if back > day(54, 18, 0):
            continue
        claim(key, back, rng.choice(CLERKS), claimers.pop() if id_type == "id_card" else None, id_type,
              note="核对失物特征无误，认领人签字确认")
