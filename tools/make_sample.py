#!/usr/bin/env python3
"""Build the sample office 阳光花园 through wuyectl's own API.

    python tools/make_sample.py DIR [--seed 7] [-v]

Every record is made by `wuyectl.api` calls, so every change is one git commit authored by
the staff member who acted, with the business time (`WUYECTL_NOW`, and `at` for the few
entries made later from paper) running in order from 2026-10-01 to 2026-11-24
(Asia/Shanghai).  DIR must not be an office yet; it may be a new folder inside an existing
git repository (then no hooks are installed and only DIR's paths are committed) or a
standalone folder (a new repository is made).

The story: a roster with every role; 40 households (16 imported from the handover roster
spreadsheet with the owners' personal data, the rest entered by hand; family members and
tenants added later through `api.edit_record`); ~65 tickets of every category and channel,
ending in every state, some escalated, some public-area, some breaching their SLA when looked
at with `WUYECTL_NOW=2026-11-25T09:00:00+08:00`; home visits (the director in at least one a
month, one raising a complaint); the survey campaign 2026H2 (sample drawn 14 November, ~75% of
forms returned); violations on both ladders in every closing state, one major with the
company's approval, one past its rectification deadline; the archive with loans (one returned,
one approved by the director, one overdue) and one item destroyed.  Deterministic for a seed.
"""
from __future__ import annotations

import argparse
import csv
import heapq
import itertools
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from wuyectl import api  # noqa: E402
from wuyectl.domain.kinds import KINDS  # noqa: E402
from wuyectl.store import git, yamlio  # noqa: E402
from wuyectl.store import schema as schemas  # noqa: E402
from wuyectl.store.office import Office  # noqa: E402

ARCHIVE, OWNER, SURVEY, TICKET, VIOLATION, VISIT = (KINDS[k] for k in ("archive", "owner", "survey", "ticket",
                                                                       "violation", "visit"))

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 1, tzinfo=TZ)
LAST = datetime(2026, 11, 24, 18, 30, tzinfo=TZ)      # nothing is recorded after this
COMMUNITY = "阳光花园"

# -- the roster ----------------------------------------------------------------------------
DIRECTOR = "周建国"
SUPERVISOR = "刘海燕"
CLERKS = ["王芳", "陈晓丽"]
TECHS = ["李明", "赵志强", "孙伟"]
GUARDS = ["张勇", "马俊"]
CLEANERS = ["黄秀英", "吴桂兰"]
GARDENER = "郑国华"
ARCHIVIST = "何静"
AUDITOR = "钱立新"
STAFF = [  # (name, role, department, email) — added by the director in this order
    (SUPERVISOR, "supervisor", "service", "liuhaiyan"),
    ("王芳", "clerk", "service", "wangfang"),
    ("陈晓丽", "clerk", "service", "chenxiaoli"),
    ("李明", "technician", "maintenance", "liming"),
    ("赵志强", "technician", "maintenance", "zhaozhiqiang"),
    ("孙伟", "technician", "maintenance", "sunwei"),
    ("张勇", "security", "security", "zhangyong"),
    ("马俊", "security", "security", "majun"),
    ("黄秀英", "cleaner", "cleaning", "huangxiuying"),
    ("吴桂兰", "cleaner", "cleaning", "wuguilan"),
    (GARDENER, "gardener", "landscaping", "zhengguohua"),
    (ARCHIVIST, "archivist", "service", "hejing"),
    (AUDITOR, "auditor", None, "qianlixin"),
]
MAIL = "ygwy.example.cn"

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
            "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江")
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "艳", "杰", "娟", "涛",
         "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志明", "玉兰", "文斌", "俊杰", "晓燕",
         "国强", "红梅", "丽华", "浩然", "雨萱", "子轩", "思远", "婷婷", "建平", "淑珍", "德明",
         "凤英", "宏伟", "立群", "春梅", "永刚", "慧敏", "海涛", "佳怡", "振华", "晓峰"]
PREFIXES = ["139", "138", "137", "136", "135", "150", "158", "159", "186", "188", "189", "133", "177"]


class Story:
    """Steps of the story, run in the order of their recording time ("now")."""

    def __init__(self, rng: random.Random, seed: int):
        self.rng = rng
        self.steps: list[tuple[datetime, int, object, str]] = []
        self.tickets: dict[str, "T"] = {}
        self.households: dict[str, dict] = {}
        self.office: Office | None = None
        self.counter = itertools.count()
        self.running = False
        self.clock = START
        # Households' personal data, the survey, violations and the archive draw from their
        # own generator, so the tickets' story stays the same whatever is added here.
        self.xr = random.Random(f"wuyectl-sample-extra-{seed}")
        self.phones: set[str] = set()
        self.names: set[str] = set()
        self.people: dict[str, dict] = {}        # unit → the first owner's personal data
        self.sample: dict | None = None          # the drawn survey sample

    def add(self, now: datetime, fn, label: str) -> None:
        if now > LAST:
            raise AssertionError(f"{label}: {now} is after the end of the story ({LAST})")
        if self.running:
            if now < self.clock:
                raise AssertionError(f"{label}: {now} is before the step that adds it ({self.clock})")
            heapq.heappush(self.steps, (now, next(self.counter), fn, label))
        else:
            self.steps.append((now, next(self.counter), fn, label))

    def run(self, verbose: bool = False) -> None:
        """Run the steps in time order; a step may add later steps (the survey forms, once
        the sample is drawn), which join the queue in their place."""
        heapq.heapify(self.steps)
        self.running = True
        while self.steps:
            now, _, fn, label = heapq.heappop(self.steps)
            self.clock = now
            os.environ["WUYECTL_NOW"] = stamp(now)
            try:
                fn()
            except Exception as exc:
                raise SystemExit(f"make_sample: step '{label}' at {stamp(now)} failed: "
                                 f"{type(exc).__name__}: {exc}") from exc
            if verbose:
                print(f"{stamp(now)}  {label}", file=sys.stderr)


def stamp(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def day(n: int, hh: int = 0, mm: int = 0) -> datetime:
    """Day n of the story (0 = 2026-10-01) at hh:mm."""
    return START + timedelta(days=n, hours=hh, minutes=mm)


class T:
    """One record's story (a ticket; with `opener`, a violation or an archive item): each
    call schedules one API call after the previous one.

    `after` is minutes (int), a timedelta, or an absolute datetime; `entered` (minutes after
    the business time, or a datetime) makes the entry a late one from paper: the API gets
    `at`=business time while "now" is the entry time."""

    def __init__(self, story: Story, key: str, t0: datetime, by: str, *, entered=None, opener=None, **kw):
        self.story, self.key = story, key
        self.id: str | None = None
        self.cur = t0
        self.last = t0
        self.unit = kw.get("unit")
        story.tickets[key] = self

        def fn(at):
            # `opener(at)` opens another kind of record (a violation, an archive item, the
            # complaint of a home visit) and returns its ID; the chain then acts on it.
            self.id = opener(at) if opener else api.open_ticket(story.office, by, at=at, **kw)
        self._schedule(t0, entered, fn, f"open {key}")

    # -- scheduling ----------------------------------------------------------------------
    def _when(self, after) -> datetime:
        if isinstance(after, datetime):
            return after
        if isinstance(after, timedelta):
            return self.cur + after
        return self.cur + timedelta(minutes=after)

    def _schedule(self, when: datetime, entered, fn, label: str) -> None:
        if entered is None:
            now = when
        elif isinstance(entered, datetime):
            now = entered
        else:
            now = when + timedelta(minutes=entered)
        assert when >= self.cur and now >= self.last and now >= when, (self.key, label, when, now)
        self.cur, self.last = when, now
        backdated = now != when
        self.story.add(now, lambda: fn(stamp(when) if backdated else None), f"{label} {self.key}")

    # -- actions -------------------------------------------------------------------------
    def assign(self, by, to, after=None, dept=None, note=None, entered=None):
        after = self.story.rng.randint(1, 4) if after is None else after

        def fn(at):
            api.assign(self.story.office, by, [self.id], to=to, department=dept, note=note, at=at)
        self._schedule(self._when(after), entered, fn, f"assign→{to}")
        return self

    def act(self, action, by, after, sets=None, note=None, entered=None):
        def fn(at):
            text = note() if callable(note) else note
            api.act(self.story.office, by, [self.id], action, sets=dict(sets or {}), note=text, at=at)
        self._schedule(self._when(after), entered, fn, action)
        return self

    def escalate(self, by, reason, after, to=None):
        def fn(at):
            api.escalate(self.story.office, by, [self.id], reason=reason, to=to, at=at)
        self._schedule(self._when(after), None, fn, "escalate")
        return self

    def measure(self, by, reason, after, deadline=None, amount=None):
        """A violation's next step on its ladder (api.escalate)."""
        def fn(at):
            api.escalate(self.story.office, by, [self.id], reason=reason, deadline=deadline, amount=amount, at=at)
        self._schedule(self._when(after), None, fn, "measure")
        return self

    def lend(self, by, after, borrower, purpose, due=None, approved_by=None):
        def fn(at):
            api.lend(self.story.office, by, [self.id], borrower=borrower, purpose=purpose,
                     due_at=stamp(due) if due else None, approved_by=approved_by, at=at)
        self._schedule(self._when(after), None, fn, f"lend→{borrower}")
        return self

    def destroy(self, by, after, witnesses, method=None):
        def fn(at):
            api.destroy(self.story.office, by, [self.id], witnesses=witnesses, method=method, at=at)
        self._schedule(self._when(after), None, fn, "destroy")
        return self

    def callback(self, by, rating, after, method="phone", note=None, items=None, entered=None):
        def fn(at):
            api.open_callback(self.story.office, by, ticket=self.id, rating=rating, method=method,
                              note=note, items=items, at=at)
        self._schedule(self._when(after), entered, fn, f"callback {rating}")
        return self

    # -- common sequences ----------------------------------------------------------------
    def repair(self, tech, signer, result, *, materials=None, fee=None, system=None, damage=None,
               appointment=None, work=(25, 80), clerk=None, contact=None, arrive=None,
               promised=None, report=True, notify=True, contact_note=None, notify_note=None):
        """contact → arrive → resolve → report_back → notify, by `tech` (repairs)."""
        rng = self.story.rng
        sets = {}
        if appointment:
            sets["appointment_at"] = stamp(appointment)
        self.act("contact", tech, contact if contact is not None else rng.randint(2, 8), sets=sets,
                 note=contact_note or ("已电话联系业主，约定上门时间" if appointment else "已电话联系业主，马上到场"))
        if appointment:
            self.act("arrive", tech, appointment + timedelta(minutes=rng.randint(-8, 12)),
                     sets=_drop({"repair_system": system, "damage": damage,
                                 "promised_at": stamp(promised) if promised else None}))
        else:
            self.act("arrive", tech, arrive if arrive is not None else rng.randint(8, 22),
                     sets=_drop({"repair_system": system, "damage": damage,
                                 "promised_at": stamp(promised) if promised else None}))
        done = {"result": result, "materials": materials, "signed_by": signer}
        if fee is not None:
            done.update(fee=fee, fee_consent="true")
        self.act("resolve", tech, rng.randint(*work), sets=_drop(done))
        return self.wrap_up(tech, clerk, report=report, notify=notify, notify_note=notify_note)

    def handle(self, handler, result, *, clerk=None, contact=None, work=(20, 70), arrive=False,
               contact_note="已电话联系报事人，了解情况", signer=None, report=True, notify=True):
        """contact (→ arrive) → resolve → report_back → notify (help, complaint, others)."""
        rng = self.story.rng
        self.act("contact", handler, contact if contact is not None else rng.randint(4, 20),
                 note=contact_note)
        if arrive:
            self.act("arrive", handler, rng.randint(5, 15))
        self.act("resolve", handler, rng.randint(*work), sets=_drop({"result": result, "signed_by": signer}))
        return self.wrap_up(handler, clerk, report=report, notify=notify)

    def wrap_up(self, handler, clerk, report=True, notify=True, notify_note=None):
        rng = self.story.rng
        if report:
            self.act("report_back", handler, rng.randint(3, 18), note="已向客服中心回报处理结果")
        if notify:
            self.act("notify", clerk or rng.choice(CLERKS), rng.randint(3, 25),
                     note=notify_note or "已电话告知业主处理结果")
        return self

    def answer(self, clerk, result, close=True):
        self.act("answer", clerk, self.story.rng.randint(3, 9), sets={"result": result})
        if close:
            self.act("close", clerk, 1)
        return self

    def next_morning(self, hh=9, mm=None) -> datetime:
        mm = self.story.rng.randint(0, 50) if mm is None else mm
        base = self.cur.replace(hour=hh, minute=mm, second=0) + timedelta(days=1)
        return base


def _drop(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, "")}


# -- households ------------------------------------------------------------------------------
def make_households(story: Story) -> list[str]:
    rng = story.rng
    fixed = ["1-1-0301", "3-2-1201", "2-1-0502", "2-1-0402", "6-1-1802", "4-2-0901", "5-1-0701",
             "3-2-1301"]
    units = list(fixed)
    while len(units) < 40:
        b = rng.randint(1, 6)
        u = rng.randint(1, 2)
        floor = rng.randint(2, 18)
        room = rng.randint(1, 4)
        unit = f"{b}-{u}-{floor:02d}{room:02d}"
        if unit not in units:
            units.append(unit)
    used = {s[0] for s in STAFF} | {DIRECTOR}
    occupancy = (["self"] * 28 + ["rented"] * 6 + ["vacant"] * 2 + ["decorating"] * 2)
    rng.shuffle(occupancy)
    phones = set()
    for unit in units:
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in used:
                used.add(name)
                break
        while True:
            phone = rng.choice(PREFIXES) + f"{rng.randint(0, 99999999):08d}"
            if phone not in phones:
                phones.add(phone)
                break
        story.households[unit] = {"name": name, "phone": phone,
                                  "occupancy": occupancy[len(story.households) % len(occupancy)]}
    story.households["3-2-1301"]["occupancy"] = "decorating"   # the noisy neighbour above 3-2-1201
    for unit in ("1-1-0301", "3-2-1201", "2-1-0402", "6-1-1802", "4-2-0901"):   # they call us below
        story.households[unit]["occupancy"] = "self"
    story.phones, story.names = phones, used
    make_people(story, units)
    # The first morning: the archivist imports the handover roster spreadsheet (业主信息统计表,
    # full data) of the first households, then enters the rest from the paper 业主登记表.
    gaps = [rng.randint(1, 3) for _ in units[:38]]
    story.add(day(0, 8, 30), lambda: import_roster(story, units[:ROSTER]), f"import {ROSTER} households")
    when = day(0, 8, 40)
    for unit, gap in zip(units[ROSTER:38], gaps):
        h = story.households[unit]

        def fn(unit=unit, h=h):
            api.open_owner(story.office, ARCHIVIST, unit=unit, name=h["name"], phone=h["phone"],
                           occupancy=h["occupancy"])
        story.add(when, fn, f"owner {unit}")
        when += timedelta(minutes=gap)
    # Two households registered later, at the desk, when the new owners came in.
    for unit, n in zip(units[38:], (19, 35)):
        h = story.households[unit]

        def fn(unit=unit, h=h):
            api.open_owner(story.office, CLERKS[0], unit=unit, name=h["name"], phone=h["phone"],
                           occupancy="rented")
        story.add(day(n, 9, 12), fn, f"owner {unit}")
    return units


# -- the tickets -------------------------------------------------------------------------------
def make_tickets(story: Story, units: list[str]) -> None:
    rng = story.rng
    H = story.households
    # Requests come from lived-in flats, not from vacant ones or ones being decorated.
    plain = [u for u in units[:38] if H[u]["occupancy"] in ("self", "rented")]
    pool = list(plain)
    rng.shuffle(pool)

    def unit_any():
        if not pool:
            pool.extend(plain)
            rng.shuffle(pool)
        return pool.pop()

    def who(unit):
        return {"reporter": H[unit]["name"], "phone": H[unit]["phone"]}

    def t0(lo, hi, start=(8, 40), end=(15, 40)):
        n = rng.randint(lo, hi)
        if n == 0:   # the households are entered on the first morning
            start = max(start, (10, 0))
        a = start[0] * 60 + start[1]
        b = end[0] * 60 + end[1]
        m = rng.randint(a, b)
        return day(n, m // 60, m % 60)

    clerk = lambda: rng.choice(CLERKS)  # noqa: E731
    tech = lambda: rng.choice(TECHS)    # noqa: E731
    guard = lambda: rng.choice(GUARDS)  # noqa: E731

    # ---- consultations answered on the spot (当场答复) ------------------------------------------
    consults = [
        ("phone", "咨询2026年度物业费收费标准及缴费方式",
         "住宅物业费2.20元/㎡·月，可在客服中心刷卡、微信公众号或银行代扣缴纳，已告知业主", (0, 12)),
        ("walk_in", "咨询房屋装修需办理哪些手续、提交哪些材料",
         "需提交装修申请表、施工图纸、施工单位资质复印件，交装修押金，审批3个工作日；已发放《装修管理规定》", (1, 20)),
        ("phone", "咨询10月15日停水通知的具体时间",
         "10月15日9:00-15:00二次供水水箱清洗消毒停水，已告知并提醒提前储水", (8, 13)),
        ("online", "微信咨询：快递柜取件码失效怎么办",
         "可在快递柜屏幕选择“重新获取取件码”，或联系派件快递员；已在微信回复", (5, 40)),
        ("walk_in", "咨询办理地下车位月卡及收费标准",
         "地面车位月租300元，地下车位月租450元；携带行驶证、房产证复印件到客服中心办理", (10, 45)),
        ("phone", "门禁卡丢失，咨询如何补办",
         "原卡已挂失；请携带身份证到客服中心补办，工本费20元", (15, 50)),
        ("online", "咨询小区养犬是否需要登记",
         "需携带犬只免疫证明到客服中心登记，遛狗须牵绳并及时清理粪便；已在微信回复", (20, 52)),
        ("phone", "咨询年底预缴物业费是否有优惠",
         "一次性预缴全年物业费赠送一个月，活动至12月31日，已告知", (48, 54)),
    ]
    for i, (ch, desc, result, win) in enumerate(consults, 1):
        u = unit_any()
        c = clerk()
        T(story, f"consult{i}", t0(*win), c, channel=ch, category="consult", unit=u, description=desc,
          **who(u)).answer(c, result)

    # A letter from the new tenant household (registered on day 19).
    u_new1, u_new2 = units[38], units[39]
    T(story, "consult-letter", day(19, 10, 5), CLERKS[0], channel="letter", category="consult", unit=u_new1,
      description="来信咨询租户入住登记需要办理哪些手续", **who(u_new1)).answer(
        CLERKS[0], "已电话答复：租户携带身份证、租赁合同到客服中心填写《租住人员信息登记表》，办理门禁卡")

    # A consultation that needs checking: dispatched to the supervisor.
    u = unit_any()
    deed = (T(story, "consult-deed", t0(22, 30), CLERKS[1], channel="phone", category="consult", unit=u,
              description="咨询房产证（不动产权证）办理进度", **who(u))
            .assign(CLERKS[1], SUPERVISOR, dept="service")
            .act("contact", SUPERVISOR, 12, note="告知业主需向开发商核实，次日答复"))
    (deed.act("resolve", SUPERVISOR, deed.next_morning(9), note="已与开发商核实",
              sets={"result": "经与开发商核实，不动产权证预计11月底统一发放，届时短信通知业主领取"})
     .wrap_up(SUPERVISOR, CLERKS[1])
     .act("close", CLERKS[1], 30))

    # ---- praise (表扬) -----------------------------------------------------------------------
    u = unit_any()
    T(story, "praise-letter", t0(12, 18), CLERKS[0], channel="letter", category="praise", unit=u,
      description="来信表扬维修工李明上门及时、技术好，修完还帮忙清理现场", **who(u)).answer(
        CLERKS[0], "已向李明转达表扬，记入本月“服务之星”评选")
    u = unit_any()
    T(story, "praise-online", t0(25, 35), CLERKS[1], channel="online", category="praise", unit=u,
      description="微信表扬保安张勇帮助独居老人把米面搬上楼", **who(u)).answer(
        CLERKS[1], "已转达表扬，在员工例会上通报表扬")
    u = unit_any()
    (T(story, "praise-flag", t0(40, 46), SUPERVISOR, channel="walk_in", category="praise", unit=u,
       description="业主送来锦旗，表扬保洁员黄秀英在楼道拾到钱包后及时交还", **who(u))
     .answer(SUPERVISOR, "锦旗已悬挂于客服中心，拾金不昧事迹在公告栏表扬，记入月度考核"))

    # ---- suggestions (建议) ------------------------------------------------------------------
    T(story, "sugg-charger", t0(6, 16), CLERKS[0], channel="suggestion_box", category="suggestion",
      location={"building": "3", "place": "东侧非机动车棚"},
      description="意见箱建议：在3号楼旁非机动车棚增设电动车充电桩，避免飞线充电").answer(
        CLERKS[0], "感谢建议；已转工程部评估，列入明年一季度改造计划，届时公示")
    u = unit_any()
    (T(story, "sugg-garbage", t0(14, 24), CLERKS[1], channel="suggestion_box", category="suggestion", unit=u,
       description="意见箱建议：周末垃圾较多，建议周六、周日增加一次垃圾清运", **who(u))
     .assign(CLERKS[1], CLEANERS[0], dept="cleaning")
     .handle(CLEANERS[0], "自本周起周六、周日下午4点增加一次垃圾清运，已在公告栏公示",
             contact_note="已联系业主了解垃圾较多的时段", work=(60, 120))
     .act("close", CLERKS[1], 30))
    u = unit_any()
    T(story, "sugg-shade", t0(28, 38), CLERKS[0], channel="online", category="suggestion", unit=u,
      description="建议在儿童游乐区加装遮阳棚，夏天滑梯太烫", **who(u)).answer(
        CLERKS[0], "感谢建议；已报管理处主任，纳入明年公共设施改造预算讨论")
    # A letter picked up on Monday morning and not yet dispatched (dispatch clock breached).
    u = unit_any()
    T(story, "sugg-delivery", day(53, 8, 50), CLERKS[0], entered=day(53, 9, 20), channel="letter",
      category="suggestion", unit=u,
      description="来信建议加强对外卖、快递电动车进小区的管理，晚上车速太快，存在安全隐患", **who(u))

    # ---- help (求助) -------------------------------------------------------------------------
    u = unit_any()
    g = guard()
    c = clerk()
    (T(story, "help-keys", t0(3, 20, (9, 0), (15, 0)), c, channel="phone", category="help", unit=u,
       description="钥匙反锁在家中，孩子一人在屋内，请求协助", urgency="urgent", **who(u))
     .assign(c, g, dept="security", after=1)
     .handle(g, "保安3分钟到场安抚孩子，协助联系备案开锁公司，核验业主身份后开锁", arrive=True,
             contact=2, work=(25, 40), clerk=c)
     .callback(c, "satisfied", timedelta(hours=rng.randint(1, 2)), note="业主非常感谢"))
    u = unit_any()
    c = clerk()
    (T(story, "help-fall", t0(9, 30), c, channel="phone", category="help", unit=u, urgency="urgent",
       description="家中老人在卫生间摔倒起不来，子女不在家，请求帮忙", **who(u))
     .assign(c, GUARDS[1], dept="security", after=1)
     .handle(GUARDS[1], "保安2分钟到场，协助拨打120并陪同上救护车，已通知家属", arrive=True, contact=1,
             work=(20, 35), clerk=c)
     .callback(c, "satisfied", timedelta(days=1), note="家属表示感谢，老人已无大碍"))
    u = unit_any()
    c = clerk()
    (T(story, "help-cctv", t0(16, 40), c, channel="walk_in", category="help", unit=u,
       description="停在地面车位的车辆被剐蹭，请求调取监控", **who(u))
     .assign(c, GUARDS[0], dept="security")
     .handle(GUARDS[0], "调取10月监控录像，确认为外来车辆倒车剐蹭，已提供车牌号，建议业主报警处理",
             work=(60, 110), clerk=c)
     .callback(c, "basically_satisfied", timedelta(days=1), note="业主希望加强外来车辆管理",
               items={"timeliness": "satisfied", "attitude": "satisfied", "quality": "basically_satisfied"}))
    u = unit_any()
    c = clerk()
    (T(story, "help-water", t0(30, 45), c, channel="walk_in", category="help", unit=u,
       description="老人行动不便，请求帮忙把两桶桶装水搬上楼", **who(u))
     .assign(c, CLEANERS[1], dept="cleaning")
     .handle(CLEANERS[1], "已帮助业主将桶装水搬上楼", work=(10, 20), clerk=c)
     .callback(c, "satisfied", timedelta(days=1)))
    # Resolved the day before the end: callback still due.
    u = unit_any()
    c = clerk()
    (T(story, "help-flowerpot", day(53, 10, 20), c, channel="online", category="help", unit=u,
       description="楼上阳台外沿摆放花盆，大风天有坠落风险，请求物业提醒", **who(u))
     .assign(c, GUARDS[1], dept="security")
     .handle(GUARDS[1], "已上门提醒楼上业主，花盆已移入阳台内侧", arrive=True, work=(30, 60), clerk=c))
    # Lost dog: still being looked for, the owner last heard from us two days ago.
    u = unit_any()
    c = clerk()
    (T(story, "help-dog", day(50, 9, 35), c, channel="phone", category="help", unit=u,
       description="家中泰迪犬走失，请求帮忙查看监控、在群里寻找", **who(u))
     .assign(c, GUARDS[0], dept="security")
     .act("contact", GUARDS[0], 10, note="已联系业主了解走失时间和特征")
     .act("progress", GUARDS[0], timedelta(hours=6), note="监控显示小狗从北门跑出，已在业主群发布寻狗启事")
     .act("progress", GUARDS[0], day(51, 15, 20), note="北门外商铺均已询问，暂无消息"))

    # ---- repairs (报修) ----------------------------------------------------------------------
    # Leak into the flat below.
    c = clerk()
    up, down = "2-1-0502", "2-1-0402"
    (T(story, "rep-leak", t0(2, 10), c, channel="phone", category="repair", unit=down,
       description=f"卫生间天花板漏水，怀疑楼上{up}卫生间防水问题", **who(down))
     .assign(c, TECHS[0], dept="maintenance")
     .repair(TECHS[0], H[down]["name"], "上楼检查为楼上卫生间地漏周边防水失效，重新做局部防水并更换地漏密封圈，闭水试验24小时无渗漏",
             materials="防水涂料2kg、地漏密封圈1个", system="给排水/卫生间防水", damage="局部渗漏", work=(90, 115),
             clerk=c)
     .callback(c, "satisfied", timedelta(days=1), items={"timeliness": "satisfied", "quality": "satisfied"}))

    # Elevator noise, public area; the same fault reported again, cancelled as a duplicate.
    u = "3-2-1201"
    c = clerk()
    start = t0(7, 15)
    el = (T(story, "rep-elevator", start, c, channel="phone", category="repair",
            location={"building": "3", "place": "2单元客梯"},
            description="电梯运行时有异响，上下行有明显抖动", **who(u))
          .assign(c, TECHS[1], dept="maintenance"))
    dup_unit = "3-2-1301"
    dup = T(story, "rep-elevator-dup", start + timedelta(minutes=25), CLERKS[0], channel="walk_in",
            category="repair", location={"building": "3", "place": "2单元客梯"},
            description="3栋2单元电梯有异响", **who(dup_unit))
    dup.act("cancel", CLERKS[0], 4,
            note=lambda: f"重复报修，与{story.tickets['rep-elevator'].id}为同一故障，已告知业主处理进度")
    (el.repair(TECHS[1], H[u]["name"], "通知电梯维保单位到场，更换导靴靴衬并润滑导轨，试运行平稳无异响",
               materials="导靴靴衬4个（维保单位提供）", system="电梯/导向系统", damage="导靴磨损",
               work=(70, 110), clerk=c)
       .callback(c, "satisfied", timedelta(days=1), note="业主反映电梯已恢复正常"))

    # Patrol: stair lights out; callback = supervisor's check on site.
    g = GUARDS[0]
    (T(story, "rep-lights", t0(4, 25, (9, 0), (14, 0)), g, channel="patrol", category="repair",
       location={"building": "5", "floor": "7-9层", "place": "1单元楼梯间"},
       description="巡查发现5栋1单元7至9层楼道灯不亮", reporter=g)
     .assign(CLERKS[0], TECHS[2], dept="maintenance", after=3)
     .repair(TECHS[2], g, "更换声控灯3盏，检查线路正常", materials="LED声控灯泡3个", system="电气/公共照明",
             damage="灯泡损坏", clerk=CLERKS[0], contact_note="已联系巡查保安确认故障位置",
             notify_note="已在单元公告栏告知维修完成")
     .callback(SUPERVISOR, "satisfied", timedelta(hours=3), method="visit", note="主管现场复核，楼道照明正常"))

    # Car park lighting.
    u = unit_any()
    c = clerk()
    (T(story, "rep-garage-light", t0(11, 26), c, channel="phone", category="repair",
       location={"floor": "B1", "place": "地下车库B1区C排车位"},
       description="地下车库B1区C排一带灯管不亮，晚上停车看不清", **who(u))
     .assign(c, TECHS[1], dept="maintenance")
     .repair(TECHS[1], H[u]["name"], "更换LED灯管6支、镇流器1个", materials="LED灯管6支、镇流器1个",
             system="电气/车库照明", damage="灯管老化", clerk=c)
     .callback(c, "basically_satisfied", timedelta(days=1), note="业主希望定期巡检车库照明"))

    # Night patrol: the south gate barrier; entered next morning from the guard's log (backdated).
    n = rng.randint(12, 20)
    found = day(n, 22, rng.randint(20, 50))
    (T(story, "rep-gate", found, CLERKS[0], entered=day(n + 1, 8, 36), channel="patrol", category="repair",
       urgency="urgent", location={"place": "小区南门车辆道闸"},
       description="夜班巡查发现南门车辆道闸不抬杆，临时改为人工放行", reporter=GUARDS[1],
       note="据夜班巡查记录补录")
     .assign(CLERKS[0], TECHS[1], dept="maintenance", after=day(n + 1, 8, 40))
     .repair(TECHS[1], GUARDS[1], "道闸电机控制板受潮短路，更换控制板并做防水处理，恢复自动抬杆",
             materials="道闸控制板1块、防水胶", system="智能化/道闸", damage="控制板损坏", work=(60, 100),
             clerk=CLERKS[0], contact_note="已联系门岗保安，马上到场", notify_note="已通知门岗恢复自动放行")
     .callback(SUPERVISOR, "satisfied", timedelta(hours=4), method="visit", note="现场复核道闸运行正常"))

    # Door intercom: dissatisfied, reopened, fixed properly the second time.
    u = unit_any()
    c = clerk()
    (T(story, "rep-intercom", t0(17, 24), c, channel="phone", category="repair", unit=u,
       description="单元门禁对讲失灵，访客按门铃家里听不到", **who(u))
     .assign(c, TECHS[2], dept="maintenance")
     .repair(TECHS[2], H[u]["name"], "重新接线并紧固室内分机接头，测试通话正常", materials="网络水晶头2个",
             system="智能化/楼宇对讲", damage="接头松动", clerk=c)
     .callback(c, "dissatisfied", timedelta(days=1), note="业主反映第二天又听不到门铃",
               items={"quality": "dissatisfied", "attitude": "satisfied"})
     .act("contact", TECHS[2], 6, note="已联系业主，下午再次上门")
     .act("arrive", TECHS[2], 25)
     .act("resolve", TECHS[2], 75, sets={"result": "检查为单元门口主机电源模块故障，更换电源模块，连续测试通话正常",
                                        "materials": "对讲主机电源模块1个", "signed_by": H[u]["name"]})
     .wrap_up(TECHS[2], c)
     .callback(SUPERVISOR, "satisfied", timedelta(days=1), note="第二次维修后使用正常"))

    # Exterior wall seepage: complex, promised date, still in progress (not overdue).
    u = "4-2-0901"
    c = clerk()
    (T(story, "rep-wall", day(47, 10, 15), c, channel="phone", category="repair", unit=u,
       description="外墙渗水，卧室北墙面发霉、墙皮脱落", **who(u))
     .assign(c, TECHS[0], dept="maintenance")
     .act("contact", TECHS[0], 6, sets={"appointment_at": stamp(day(47, 14, 0))}, note="约定下午上门查看")
     .act("arrive", TECHS[0], day(47, 13, 55),
          sets={"repair_system": "土建/外墙防水", "damage": "外墙裂缝渗水，约3㎡墙面受潮",
                "promised_at": stamp(day(58, 17, 0))},
          note="需搭设吊篮从外墙修补，报公司审批，预计12月1日前完工")
     .act("progress", c, day(48, 10, 30), note="已告知业主外墙维修需公司审批，预计完成时间12月1日")
     .act("progress", c, day(49, 10, 0), note="公司已批准，吊篮施工单位排期中")
     .act("progress", TECHS[0], day(50, 9, 40), note="吊篮已进场，外墙裂缝开始修补")
     .act("progress", c, day(51, 9, 20), note="外墙裂缝修补中，已告知业主进度")
     .act("progress", TECHS[0], day(52, 9, 10), note="外墙裂缝修补完成，待干燥后做防水涂层")
     .act("progress", c, day(53, 9, 0), note="等待外墙干燥，已告知业主")
     .act("progress", TECHS[0], day(53, 16, 0), note="外墙防水涂层开始施工")
     .act("progress", c, day(54, 15, 30), note="防水涂层施工中，待室内墙面干燥后修复"))

    # Fire hydrant cabinet glass: patrol, dispatched, nobody contacted yet (contact breached).
    (T(story, "rep-hydrant", day(53, 14, 20), GUARDS[0], channel="patrol", category="repair",
       location={"building": "2", "floor": "3层", "place": "1单元消防栓箱"},
       description="巡查发现消防栓箱玻璃破损，存在划伤隐患", reporter=GUARDS[0])
     .assign(CLERKS[1], TECHS[2], dept="maintenance", after=3))

    # Play area slide.
    u = unit_any()
    c = clerk()
    (T(story, "rep-slide", t0(20, 32), c, channel="walk_in", category="repair",
       location={"place": "中心花园儿童游乐区"},
       description="儿童游乐区滑梯扶手松动，孩子玩耍有危险", **who(u))
     .assign(c, TECHS[2], dept="maintenance")
     .repair(TECHS[2], H[u]["name"], "紧固滑梯扶手螺栓并更换锈蚀螺栓4颗，设置检查标识", materials="不锈钢螺栓4套",
             system="公共设施/游乐设备", damage="螺栓锈蚀松动", clerk=c)
     .callback(c, "basically_satisfied", timedelta(days=1), note="业主建议定期检查游乐设施"))

    # Irrigation pipe: the gardener.
    u = unit_any()
    c = clerk()
    (T(story, "rep-irrigation", t0(9, 30), c, channel="phone", category="repair",
       location={"building": "1", "place": "南侧绿化带"},
       description="绿化带喷灌水管破裂，一直冒水，路面积水", **who(u))
     .assign(c, GARDENER, dept="landscaping")
     .repair(GARDENER, H[u]["name"], "关闭喷灌阀门，更换破裂PE管1.5米及接头", materials="PE管1.5米、直接头2个",
             system="绿化/喷灌系统", damage="水管破裂", clerk=c)
     .callback(c, "satisfied", timedelta(days=1)))

    # A branch against the window: resolved yesterday, callback due.
    u = unit_any()
    c = clerk()
    (T(story, "rep-branch", day(53, 13, 10), c, channel="online", category="repair", unit=u,
       description="窗外香樟树枝伸到窗边，遮挡采光，刮风时敲打窗户", **who(u))
     .assign(c, GARDENER, dept="landscaping")
     .repair(GARDENER, H[u]["name"], "修剪靠近窗户的树枝，清理落叶", materials="无", system="绿化/乔木",
             damage="树枝过长", appointment=day(54, 9, 30), clerk=c))

    # Burst public water pipe.
    u = unit_any()
    c = clerk()
    (T(story, "rep-burst", t0(25, 40), c, channel="phone", category="repair", urgency="urgent",
       location={"building": "1", "floor": "B1", "place": "水泵房外走廊"},
       description="地下室走廊公共水管爆裂，大量积水", **who(u))
     .assign(c, TECHS[0], dept="maintenance", after=1)
     .repair(TECHS[0], H[u]["name"], "关闭总阀，更换DN25镀锌管接头，抽排积水，恢复供水", contact=1, arrive=6,
             materials="DN25管接头2个、生料带", system="给排水/公共管道", damage="管接头锈蚀爆裂", work=(60, 100),
             clerk=c)
     .callback(c, "satisfied", timedelta(days=1)))

    # Power trips in the flat.
    u = unit_any()
    c = clerk()
    (T(story, "rep-trip", t0(33, 44), c, channel="phone", category="repair", unit=u,
       description="家中总闸频繁跳闸", **who(u))
     .assign(c, TECHS[1], dept="maintenance")
     .repair(TECHS[1], H[u]["name"], "逐路排查为热水器漏电，已断开该回路，建议业主联系热水器厂家维修",
             system="电气/户内配电", damage="热水器漏电", clerk=c)
     .callback(c, "satisfied", timedelta(days=1)))

    # Wall crack under warranty: late contact and late callback (breaches in its history).
    u = unit_any()
    c = clerk()
    (T(story, "rep-crack", t0(26, 36), c, channel="online", category="repair", unit=u,
       description="客厅墙面出现裂缝（房屋保修期内）", **who(u))
     .assign(c, TECHS[2], dept="maintenance")
     .repair(TECHS[2], H[u]["name"], "检查为抹灰层收缩裂缝，非结构裂缝；已挂网重新批嵌并刷漆", contact=45,
             materials="耐碱网格布、腻子、乳胶漆", system="土建/墙面", damage="抹灰层裂缝",
             appointment=None, work=(100, 118), clerk=c, contact_note="已联系业主（超时）")
     .callback(c, "basically_satisfied", timedelta(days=3, hours=1), note="回访延误；业主对颜色略有色差不太满意",
               items={"timeliness": "basically_satisfied", "quality": "basically_satisfied"}))

    # Floor drain backflow: the technician misses the appointment, owner complains, escalated.
    u = unit_any()
    c = clerk()
    n = rng.randint(34, 38)
    (T(story, "rep-drain", day(n, 9, 20), c, channel="phone", category="repair", unit=u,
       description="卫生间地漏返水，洗澡时水漫出", **who(u))
     .assign(c, TECHS[1], dept="maintenance")
     .act("contact", TECHS[1], 7, sets={"appointment_at": stamp(day(n + 1, 9, 30))}, note="约定次日上午上门")
     .escalate(c, "约定时间维修工未到场，业主来电投诉", day(n + 1, 11, 40))
     .act("progress", SUPERVISOR, 15, note="主管致电业主致歉，改约当天下午")
     .act("arrive", TECHS[1], day(n + 1, 14, 25), sets={"repair_system": "给排水/地漏", "damage": "下水管存水弯堵塞"})
     .act("resolve", TECHS[1], 65, sets={"result": "疏通存水弯并更换防返水地漏芯", "materials": "防返水地漏芯1个",
                                        "signed_by": H[u]["name"]})
     .wrap_up(TECHS[1], c)
     .callback(SUPERVISOR, "basically_satisfied", timedelta(days=1), note="问题已解决，但对第一次爽约不满",
               items={"timeliness": "dissatisfied", "quality": "satisfied"}))

    # Water-meter valve: resolved on day 50, nobody called back (callback breached).
    u = unit_any()
    c = clerk()
    (T(story, "rep-valve", day(50, 13, 40), c, channel="phone", category="repair", unit=u,
       description="入户水表前阀门漏水", **who(u))
     .assign(c, TECHS[0], dept="maintenance")
     .repair(TECHS[0], H[u]["name"], "更换水表前闸阀", materials="DN20闸阀1个、生料带", system="给排水/水表阀门",
             damage="阀门老化", clerk=c))

    # Door closer: resolved on the last day, callback still due.
    u = unit_any()
    c = clerk()
    (T(story, "rep-closer", day(54, 9, 5), c, channel="phone", category="repair",
       location={"building": "4", "floor": "1层", "place": "1单元单元门"},
       description="单元门闭门器损坏，门关不上，陌生人随意进出", **who(u))
     .assign(c, TECHS[1], dept="maintenance")
     .repair(TECHS[1], H[u]["name"], "更换液压闭门器并调整关门速度", materials="闭门器1个",
             system="公共设施/单元门", damage="闭门器漏油失效", clerk=c))

    # Speed bump: callback four days late.
    u = unit_any()
    c = clerk()
    (T(story, "rep-bump", t0(27, 36), c, channel="online", category="repair",
       location={"place": "地下车库入口坡道"},
       description="地下车库入口减速带松动，车辆经过声音很大", **who(u))
     .assign(c, TECHS[2], dept="maintenance")
     .repair(TECHS[2], H[u]["name"], "重新打膨胀螺栓固定减速带", materials="膨胀螺栓8个",
             system="公共设施/道路", damage="螺栓脱落", clerk=c)
     .callback(c, "satisfied", timedelta(days=4, hours=2), note="回访超时补做"))

    # Balcony rain pipe: dissatisfied on the last day, back to the technician (assigned).
    u = unit_any()
    c = clerk()
    (T(story, "rep-rainpipe", day(52, 14, 0), c, channel="phone", category="repair", unit=u,
       description="阳台雨水管堵塞，下雨时阳台积水", **who(u))
     .assign(c, TECHS[0], dept="maintenance")
     .repair(TECHS[0], H[u]["name"], "疏通阳台雨水管", materials="无", system="给排水/雨水管", damage="落叶堵塞",
             appointment=day(53, 10, 0), clerk=c)
     .callback(c, "dissatisfied", day(54, 16, 40), note="业主反映疏通后仍排水缓慢，要求重新处理",
               items={"quality": "dissatisfied"}))

    # Fire sprinkler seeping in the flat: the technician's work order entered late (backdated).
    u = unit_any()
    c = clerk()
    n = rng.randint(39, 45)
    (T(story, "rep-sprinkler", day(n, 13, 30), c, channel="phone", category="repair", unit=u,
       description="客厅吊顶消防喷淋头渗水", **who(u))
     .assign(c, TECHS[1], dept="maintenance")
     .act("contact", TECHS[1], 5, note="已联系业主，马上到场")
     .act("arrive", TECHS[1], day(n, 14, 2), entered=day(n, 16, 40),
          sets={"repair_system": "消防/喷淋系统", "damage": "喷淋头密封不严"}, note="据维修单补录")
     .act("resolve", TECHS[1], day(n, 15, 18), entered=day(n, 16, 41),
          sets={"result": "关闭该区喷淋阀，更换喷淋头并试压合格", "materials": "下垂型喷淋头1个",
                "signed_by": H[u]["name"]}, note="据维修单补录")
     .act("report_back", TECHS[1], day(n, 16, 43))
     .act("notify", c, 8)
     .callback(c, "satisfied", timedelta(days=1)))

    # Gas stove: the owner withdrew the request (cancelled after dispatch).
    u = unit_any()
    c = clerk()
    (T(story, "rep-gas", t0(30, 46), c, channel="phone", category="repair", unit=u,
       description="燃气灶打不着火", **who(u))
     .assign(c, TECHS[2], dept="maintenance")
     .act("cancel", c, 8, note="业主来电：燃气公司已上门处理，撤销报修"))

    # Sewer smell, phoned in late on the last day, not dispatched yet.
    u = unit_any()
    T(story, "rep-sewer", day(54, 17, 12), CLERKS[1], channel="phone", category="repair",
      location={"building": "6", "floor": "1层", "place": "1单元大堂"},
      description="6栋1单元大堂下水道返臭味", **who(u))

    # ---- paid repairs (有偿维修): fee, consent, materials, signature ------------------------------
    paid = [
        ("phone", "厨房下水道堵塞，请求上门疏通", "使用电动疏通机疏通厨房下水管，清理油污", "无", 80,
         "给排水/厨房下水", "油污堵塞", "satisfied", (3, 20)),
        ("walk_in", "卫生间水龙头滴水，请求更换", "更换卫生间面盆冷热水龙头（材料85元、人工35元）", "冷热水龙头1个", 120,
         "给排水/龙头", "阀芯磨损", "satisfied", (8, 30)),
        ("phone", "入户门锁打不开，请求换锁芯", "更换C级防盗锁芯，配钥匙5把", "C级锁芯1个", 150,
         "门窗/门锁", "锁芯卡死", "basically_satisfied", (20, 40)),
        ("online", "马桶水箱一直流水", "更换马桶进水阀和排水阀", "进水阀1个、排水阀1个", 45,
         "给排水/洁具", "配件老化", "satisfied", (32, 44)),
        ("phone", "空调冷凝水管漏水到墙面", "重新铺设冷凝水管并做保温", "冷凝水管3米、保温棉", 50,
         "暖通/空调", "水管脱落", "satisfied", (12, 46)),
    ]
    for i, (ch, desc, result, mats, fee, system, damage, rating, win) in enumerate(paid, 1):
        u = u_new2 if i == 4 else unit_any()
        win = (36, 44) if i == 4 else win
        c = clerk()
        tk = tech()
        items = {"fee": "basically_satisfied" if rating != "satisfied" else "satisfied"}
        (T(story, f"paid{i}", t0(*win), c, channel=ch, category="paid_repair", unit=u, description=desc,
           **who(u))
         .assign(c, tk, dept="maintenance")
         .repair(tk, H[u]["name"], result, materials=mats, fee=fee, system=system, damage=damage, clerk=c,
                 contact_note="已联系业主并报价，业主同意后约定上门")
         .callback(c, rating, timedelta(days=1), items=items))
    # Fee too high: dissatisfied, reopened, fee reduced, closed.
    u = unit_any()
    c = clerk()
    (T(story, "paid-lamp", t0(22, 34), c, channel="walk_in", category="paid_repair", unit=u,
       description="卧室吸顶灯不亮，请求更换灯具（业主自购灯具）", **who(u))
     .assign(c, TECHS[0], dept="maintenance")
     .repair(TECHS[0], H[u]["name"], "拆除旧灯具，安装业主自购吸顶灯", materials="接线端子2个", fee=60,
             system="电气/灯具", damage="灯具损坏", clerk=c)
     .callback(c, "dissatisfied", timedelta(days=1), note="业主认为灯具自购、只收安装费60元偏高",
               items={"fee": "dissatisfied", "quality": "satisfied"})
     .act("contact", TECHS[0], 8, note="主管核价后联系业主")
     .act("arrive", TECHS[0], 20, note="上门核对收费")
     .act("resolve", TECHS[0], 15, sets={"result": "按有偿维修价目表核减为安装费40元，退还20元",
                                        "fee": 40, "fee_consent": "true", "signed_by": H[u]["name"]})
     .wrap_up(TECHS[0], c)
     .callback(SUPERVISOR, "basically_satisfied", timedelta(days=1), items={"fee": "basically_satisfied"}))
    # Exhaust fan: resolved on the last day, callback due.
    u = unit_any()
    c = clerk()
    (T(story, "paid-fan", day(54, 8, 50), c, channel="phone", category="paid_repair", unit=u,
       description="卫生间排风扇不转，请求更换", **who(u))
     .assign(c, TECHS[2], dept="maintenance")
     .repair(TECHS[2], H[u]["name"], "更换卫生间排风扇（材料70元、人工25元）", materials="排风扇1台", fee=95,
             system="电气/排风扇", damage="电机烧坏", clerk=c))
    # Window seals: contacted, the appointment is tomorrow (in progress, not overdue).
    u = unit_any()
    c = clerk()
    (T(story, "paid-window", day(54, 15, 30), c, channel="phone", category="paid_repair", unit=u,
       description="卧室窗户密封条老化漏风，请求更换", **who(u))
     .assign(c, TECHS[1], dept="maintenance")
     .act("contact", TECHS[1], 6, sets={"appointment_at": stamp(day(55, 9, 0))},
          note="已报价（密封条每米8元加人工），业主同意，约定明早上门"))

    # ---- complaints (投诉) --------------------------------------------------------------------
    u = "3-2-1201"
    c = clerk()
    (T(story, "cmp-noise", t0(5, 14, (12, 30), (13, 30)), c, channel="phone", category="complaint", unit=u,
       description="楼上3-2-1301装修，中午12点至2点仍在电钻施工，影响老人午休", **who(u))
     .assign(c, GUARDS[1], dept="security")
     .handle(GUARDS[1], "上门劝导装修队，重申《装修管理规定》12:00-14:00禁止噪音作业，装修负责人签字承诺",
             arrive=True, clerk=c)
     .callback(SUPERVISOR, "basically_satisfied", timedelta(days=1), note="此后中午未再施工，业主希望加强巡查"))
    u = unit_any()
    c = clerk()
    (T(story, "cmp-parking", t0(10, 30), c, channel="phone", category="complaint", unit=u,
       description="自家产权车位被外来车辆占用，无法停车", **who(u))
     .assign(c, GUARDS[0], dept="security")
     .handle(GUARDS[0], "查询车主信息并电话通知移车，外来车辆已驶离，已加强门岗外来车辆登记", arrive=True,
             work=(25, 45), clerk=c)
     .callback(c, "satisfied", timedelta(days=1)))
    u = unit_any()
    c = clerk()
    (T(story, "cmp-stairs", t0(18, 40), c, channel="walk_in", category="complaint", unit=u,
       description="楼道内堆放旧家具和纸箱，堵塞消防通道", **who(u))
     .assign(SUPERVISOR, GUARDS[1], dept="security")
     .handle(GUARDS[1], "通知杂物所属业主限期清理，逾期由保洁清运；杂物已于当日清走", arrive=True,
             work=(90, 118), clerk=c)
     .callback(c, "satisfied", timedelta(days=1)))
    # Garbage: dissatisfied, reopened, second round satisfied.
    u = unit_any()
    c = clerk()
    (T(story, "cmp-garbage", t0(31, 40), c, channel="online", category="complaint", unit=u,
       description="楼下垃圾桶满溢，清运不及时，异味很大", **who(u))
     .assign(c, CLEANERS[1], dept="cleaning")
     .handle(CLEANERS[1], "已清运满溢垃圾并冲洗垃圾桶", work=(30, 50), clerk=c)
     .callback(c, "dissatisfied", timedelta(days=1), note="业主反映第二天又满溢，要求增加清运次数",
               items={"quality": "dissatisfied", "timeliness": "basically_satisfied"})
     .act("contact", CLEANERS[1], 12, note="已联系业主，调整清运安排")
     .act("resolve", CLEANERS[1], 90, sets={"result": "该点位改为每日早晚两次清运，增加一个240升垃圾桶"})
     .wrap_up(CLEANERS[1], c)
     .callback(c, "satisfied", timedelta(days=1, hours=2), note="业主对调整后的清运满意"))
    # Staff attitude: handled by the supervisor.
    u = unit_any()
    c = clerk()
    (T(story, "cmp-attitude", t0(37, 46), c, channel="walk_in", category="complaint", unit=u,
       description="业主投诉北门保安登记访客时态度生硬", **who(u))
     .assign(c, SUPERVISOR, dept="service", after=2)
     .handle(SUPERVISOR, "调查核实后对当事保安进行批评教育，当面向业主致歉，并组织安保部服务礼仪培训",
             work=(100, 118), clerk=c)
     .callback(DIRECTOR, "satisfied", timedelta(days=1), method="visit", note="主任上门回访，业主接受道歉"))
    # Fee transparency.
    u = unit_any()
    c = clerk()
    (T(story, "cmp-fees", t0(14, 28), c, channel="letter", category="complaint", unit=u,
       description="来信投诉公共能耗分摊费用不透明，要求公示明细", **who(u))
     .assign(c, SUPERVISOR, dept="service")
     .act("contact", SUPERVISOR, 20, note="已联系业主，说明将于三日内公示")
     .act("progress", SUPERVISOR, timedelta(days=1), note="正在整理三季度公共能耗明细")
     .act("resolve", SUPERVISOR, timedelta(hours=23),
          sets={"result": "已在各单元公告栏及业主群公示三季度公共水电分摊明细，今后按季度公示"})
     .wrap_up(SUPERVISOR, c)
     .callback(c, "satisfied", timedelta(days=1)))
    # The major complaint: flooded car park, to the director, then the company.
    u = unit_any()
    n = rng.randint(15, 22)
    (T(story, "cmp-flood", day(n, 9, 5), SUPERVISOR, channel="letter", category="complaint", severity="major",
       unit=u, description="业主联名来信：暴雨后地下车库B2区积水深约30厘米，多辆车被泡，要求物业赔偿并整改",
       **who(u))
     .assign(DIRECTOR, SUPERVISOR, dept="service", after=4, note="主任要求三个工作日内书面答复")
     .act("contact", SUPERVISOR, 15, note="已联系联名业主代表，约定次日面谈")
     .escalate(DIRECTOR, "涉及多辆车辆财产损失赔偿，报公司处理", 120, to=3)
     .act("progress", SUPERVISOR, timedelta(hours=22), note="与业主代表面谈，登记受损车辆7台")
     .act("progress", SUPERVISOR, timedelta(days=1), note="公司品质部、工程部到场勘查，确认排水泵故障")
     .act("progress", SUPERVISOR, timedelta(days=1), note="公司同意按保险理赔结果协商补偿，已书面答复业主")
     .act("resolve", SUPERVISOR, timedelta(hours=23),
          sets={"result": "更换B2区两台排水泵并加装水位报警器；经协商公司承担7台车辆清洗及维修费用的50%，已与车主签订协议"})
     .wrap_up(SUPERVISOR, CLERKS[0])
     .callback(DIRECTOR, "basically_satisfied", timedelta(days=1), method="visit",
               note="主任与业主代表面谈回访，业主接受补偿方案，要求汛期前检查排水设施",
               items={"timeliness": "basically_satisfied", "attitude": "satisfied"}))
    # Roof leak complaint, escalated to the director; repair in progress with a promised date.
    u = "6-1-1802"
    c = clerk()
    (T(story, "cmp-roof", day(49, 10, 40), c, channel="walk_in", category="complaint", unit=u,
       description="顶层卧室下雨漏水，已报修两次未解决，要求彻底处理屋面防水", **who(u))
     .assign(SUPERVISOR, TECHS[0], dept="maintenance", after=3)
     .escalate(SUPERVISOR, "两次报修未解决，业主情绪激动，报管理处主任", 2, to=2)
     .act("contact", TECHS[0], 6, sets={"appointment_at": stamp(day(49, 14, 30))}, note="约定下午上屋面查看")
     .act("arrive", TECHS[0], day(49, 14, 25), note="屋面防水卷材多处起鼓开裂，需整片重做")
     .act("progress", DIRECTOR, day(50, 9, 30), sets={"promised_at": stamp(day(60, 17, 0))},
          note="主任致电业主，承诺12月1日前完成屋面防水翻新")
     .act("progress", SUPERVISOR, day(51, 9, 10), note="已联系防水施工班组，材料采购中")
     .act("progress", TECHS[0], day(52, 8, 50), note="防水材料已进场，天气晴好即施工")
     .act("progress", c, day(53, 8, 40), note="屋面旧卷材铲除中")
     .act("progress", TECHS[0], day(53, 15, 30), note="屋面旧卷材已铲除，开始铺设新卷材")
     .act("progress", TECHS[0], day(54, 15, 0), note="新卷材铺设过半，预计下周完成闭水试验"))
    # Square dancing at night: being handled.
    u = unit_any()
    c = clerk()
    (T(story, "cmp-dance", day(52, 9, 15), c, channel="phone", category="complaint", unit=u,
       description="每晚中心广场跳广场舞音响太大，持续到晚上9点半", **who(u))
     .assign(c, GUARDS[0], dept="security")
     .act("contact", GUARDS[0], 12, note="已联系业主，当晚到场了解")
     .act("arrive", GUARDS[0], day(52, 19, 30) - timedelta(hours=2), note="与广场舞队负责人沟通")
     .act("progress", SUPERVISOR, day(53, 10, 0), note="已约广场舞队负责人面谈音量和时间")
     .act("progress", SUPERVISOR, day(54, 9, 40), note="舞队同意音量减半、20:30前结束，本周观察效果"))
    # Dog mess: dispatched on the last afternoon, nobody has contacted the owner yet.
    u = unit_any()
    c = clerk()
    (T(story, "cmp-dogs", day(54, 14, 45), c, channel="online", category="complaint", unit=u,
       description="有业主遛狗不牵绳，草坪和步道上狗粪无人清理", **who(u))
     .assign(c, GUARDS[1], dept="security", after=3))


# -- households: personal data, members, tenants ---------------------------------------------
ROSTER = 16          # households of the handover spreadsheet (业主信息统计表), imported at once
MALE_GIVEN = {"伟", "强", "磊", "军", "洋", "杰", "涛", "超", "平", "刚", "建华", "志明", "文斌", "俊杰", "国强",
              "浩然", "子轩", "思远", "建平", "德明", "宏伟", "立群", "永刚", "海涛", "振华", "晓峰"}
OLD_GIVEN = {"秀英", "秀兰", "桂英", "玉兰", "淑珍", "凤英", "建华", "国强", "德明", "建平", "春梅", "红梅"}
YOUNG_GIVEN = {"浩然", "雨萱", "子轩", "思远", "婷婷", "佳怡", "俊杰", "慧敏"}
ADULT_M = ["志刚", "建军", "海波", "国平", "晓东", "卫东", "建新", "文杰", "永华", "鹏", "斌", "辉", "勇", "明"]
ADULT_F = ["丽萍", "素芬", "美华", "小红", "雪梅", "秋菊", "月娥", "玲", "颖", "雪", "琳", "洁", "萍", "霞"]
CHILD_M = ["梓轩", "宇航", "浩宇", "一鸣", "子墨", "皓轩", "博文"]
CHILD_F = ["欣怡", "诗涵", "子涵", "一诺", "若曦", "梓萱", "可馨"]
ELDER_F = ["秀珍", "桂芳", "翠兰", "素英"]
# (region code of the ID card, 籍贯)
REGIONS = [("330106", "浙江杭州"), ("330302", "浙江温州"), ("330282", "浙江慈溪"), ("340104", "安徽合肥"),
           ("320106", "江苏南京"), ("410105", "河南郑州"), ("420106", "湖北武汉"), ("430102", "湖南长沙"),
           ("510107", "四川成都"), ("360702", "江西赣州"), ("370202", "山东青岛"), ("350502", "福建泉州")]
EMPLOYERS = ["市第一人民医院", "区实验小学", "市供电公司", "某银行支行", "某软件有限公司", "某建筑设计院",
             "个体经营", "市税务局", "某外贸公司", "某物流公司", "自由职业"]
OCCUPANCY_ZH = {"self": "自住", "rented": "出租", "vacant": "空置", "decorating": "装修中"}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_card(xr: random.Random, region: str, born: date, male: bool) -> str:
    """A well-formed, made-up 18-digit resident ID number (region, birth date, sex, check digit)."""
    seq = xr.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]


def new_phone(story: Story) -> str:
    xr = story.xr
    while True:
        phone = xr.choice(PREFIXES) + f"{xr.randint(0, 99999999):08d}"
        if phone not in story.phones:
            story.phones.add(phone)
            return phone


def new_name(story: Story, male: bool, given=None, surname=None) -> str:
    xr = story.xr
    while True:
        name = (surname or xr.choice(SURNAMES)) + xr.choice(given or (ADULT_M if male else ADULT_F))
        if name not in story.names:
            story.names.add(name)
            return name


def born_in(xr: random.Random, first: int, last: int) -> date:
    return date(xr.randint(first, last), xr.randint(1, 12), xr.randint(1, 28))


def person(story: Story, name: str, male: bool, born: date, *, relation=None, phone=True, employer=True,
           native=None) -> dict:
    """Personal data in the schema's order (name, gender, birth date, 籍贯, ID card, …)."""
    xr = story.xr
    region, place = native or xr.choice(REGIONS)
    out = {"name": name, "gender": "male" if male else "female", "birth_date": born.isoformat(),
           "native_place": place, "id_card": id_card(xr, region, born, male)}
    if employer:
        out["employer"] = "退休" if born.year < 1964 else xr.choice(EMPLOYERS)
    if phone:
        out["phone"] = phone if isinstance(phone, str) else new_phone(story)
    if relation:
        out["relation"] = relation
    return out


def make_people(story: Story, units: list[str]) -> None:
    """The first owner's personal data and the property data of every unit (drawn up front)."""
    xr = story.xr
    for unit in units:
        h = story.households[unit]
        given = h["name"][1:]
        male = given in MALE_GIVEN
        years = (1950, 1964) if given in OLD_GIVEN else (1986, 1996) if given in YOUNG_GIVEN else (1965, 1985)
        region = xr.choice(REGIONS)
        owner = person(story, h["name"], male, born_in(xr, *years), phone=h["phone"], native=region)
        owner["hukou"] = f"{COMMUNITY}{unit}" if xr.random() < 0.6 else region[1]
        owner = {k: owner[k] for k in ("name", "gender", "birth_date", "native_place", "id_card", "hukou",
                                       "employer", "phone")}
        b, room = int(unit.split("-")[0]), int(unit[-2:])
        area = ({1: 128.65, 2: 89.36, 3: 96.8, 4: 143.2} if b <= 3 else {1: 118.42, 2: 86.1, 3: 86.1, 4: 118.42})[room]
        handover = date(2019, 6, 28) if b <= 3 else date(2020, 5, 30)
        prop = {"area": area, "usable": round(area * 0.79, 2), "handover": handover,
                "move_in": handover + timedelta(days=xr.randint(40, 420)) if h["occupancy"] == "self" else None,
                "parking": f"B{xr.randint(1, 2)}-{xr.randint(1, 180):03d}" if xr.random() < 0.5 else "",
                "note": {"rented": "出租，租户见租住人员信息登记表", "vacant": "空置",
                         "decorating": "2026年9月办理装修手续"}.get(h["occupancy"], "")}
        story.people[unit] = {"owner": owner, "male": male, "born": date.fromisoformat(owner["birth_date"]),
                              "property": prop}


def _ymd(d: date | None) -> str:
    return f"{d.year}/{d.month}/{d.day}" if d else ""


def import_roster(story: Story, units: list[str]) -> None:
    """The handover roster, as an office keeps it: GB18030 CSV, Chinese headings, 2019/6/28 dates."""
    headings = ["序号", "房号", "业主姓名", "性别", "出生日期", "籍贯", "身份证号", "户口所在地", "工作单位",
                "联系电话", "房屋类型", "建筑面积(㎡)", "套内面积", "入伙日期", "入住日期", "车位号", "居住状态", "备注"]
    rows = []
    for n, unit in enumerate(units, 1):
        p = story.people[unit]
        o, prop = p["owner"], p["property"]
        rows.append([n, unit, o["name"], "男" if p["male"] else "女", _ymd(p["born"]), o["native_place"],
                     o["id_card"], o["hukou"], o["employer"], o["phone"], "住宅", f"{prop['area']:.2f}",
                     f"{prop['usable']:.2f}", _ymd(prop["handover"]), _ymd(prop["move_in"]), prop["parking"],
                     OCCUPANCY_ZH[story.households[unit]["occupancy"]], prop["note"]])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "业主信息统计表.csv")
        with open(path, "w", encoding="gb18030", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headings)
            writer.writerows(rows)
            writer.writerow([])           # the blank line a spreadsheet export leaves at the end
        result = api.import_owners(story.office, ARCHIVIST, path)
    if result.bad or len(result.written) != len(units):
        raise AssertionError(f"the roster import wrote {len(result.written)} of {len(units)}: {result.bad}")


OWNER_ORDER = list(schemas.schema("owner")["properties"])
PERSON_ORDER = list(schemas.schema("owner")["properties"]["owners"]["items"]["properties"])


def edit_household(story: Story, when: datetime, actor: str, unit: str, change, label: str) -> None:
    """A change to a household file made through `api.edit_record` (as `wuyectl edit` does):
    load the file round-trip, let `change(rt)` add to it, dump it and hand the text over."""
    def fn():
        rel = OWNER.path_of(unit)
        with open(story.office.abspath(rel), "rb") as fh:
            raw = fh.read()
        rt = yamlio.load_roundtrip(yamlio.decode(raw))
        before = set(rt.keys())
        change(rt)
        yamlio.place_new_keys(rt, before, OWNER_ORDER)
        if api.edit_record(story.office, actor, unit, yamlio.dump(rt), expected=raw) is None:
            raise AssertionError(f"{label}: nothing changed")
    story.add(when, fn, label)


def _people(items: list[dict]):
    return [yamlio.new_map({k: p[k] for k in PERSON_ORDER if k in p}) for p in items]


def add_people(key: str, items: list[dict], occupancy: str | None = None):
    def change(rt):
        if occupancy:
            rt["occupancy"] = occupancy
        if key in rt:
            rt[key].extend(_people(items))
        else:
            rt[key] = _people(items)
    return change


def family(story: Story, unit: str, *, elder=False, coowner=False) -> tuple[list[dict], list[dict]]:
    """(co-owners, members) of a household: spouse, children by age, an old mother if `elder`."""
    xr = story.xr
    p = story.people[unit]
    male, born = p["male"], p["born"]
    surname = story.households[unit]["name"][0]
    spouse_born = born_in(xr, born.year - 3 if male else born.year, born.year if male else born.year + 4)
    spouse = person(story, new_name(story, not male), not male, spouse_born, relation="配偶")
    owners, members = ([spouse], []) if coowner else ([], [spouse])
    if born.year >= 1968:
        father = surname if male else spouse["name"][0]
        for _ in range(xr.randint(1, 2)):
            boy = xr.random() < 0.5
            kid_born = born_in(xr, born.year + 24, min(born.year + 36, 2021))
            kid = person(story, new_name(story, boy, CHILD_M if boy else CHILD_F, father), boy, kid_born,
                         relation="子" if boy else "女", phone=kid_born.year < 2006, employer=kid_born.year < 2002)
            kid.pop("native_place")
            members.append(kid)
    if elder:
        members.append(person(story, new_name(story, False, ELDER_F), False, born_in(xr, 1938, 1943),
                              relation="母亲", phone=False, employer=False))
    return owners, members


def tenants(story: Story, move_in: date, lease_years: int, pair: bool) -> list[dict]:
    xr = story.xr
    lease_end = date(move_in.year + lease_years, move_in.month, min(move_in.day, 28)) - timedelta(days=1)
    male = xr.random() < 0.55
    main = person(story, new_name(story, male), male, born_in(xr, 1984, 1999))
    main.update(move_in_date=move_in.isoformat(), lease_end=lease_end.isoformat())
    out = [main]
    if pair:
        other = person(story, new_name(story, not male), not male, born_in(xr, 1986, 2000),
                       relation=xr.choice(["配偶", "同住人"]))
        other.update(move_in_date=move_in.isoformat(), lease_end=lease_end.isoformat())
        out.append(other)
    return out


def make_household_details(story: Story, units: list[str]) -> None:
    xr = story.xr
    H = story.households
    # Day 2, morning: the archivist enters the tenants of the let flats from the
    # 租住人员信息登记表 (leases renewed where they ran out).
    when = day(1, 9, 5)
    for unit in [u for u in units[:38] if H[u]["occupancy"] == "rented"]:
        move_in = date(xr.randint(2023, 2026), xr.randint(1, 12), xr.randint(1, 28))
        move_in = min(move_in, date(2026, 8, 31))
        years = 1
        while date(move_in.year + years, move_in.month, min(move_in.day, 28)) <= date(2026, 12, 1):
            years += 1
        edit_household(story, when, ARCHIVIST, unit,
                       add_people("tenants", tenants(story, move_in, years, xr.random() < 0.5)),
                       f"tenants {unit}")
        when += timedelta(minutes=xr.randint(6, 14))
    # Days 3 to 7: family members from the 业主登记表, for households of the roster and two
    # entered by hand (their owner's personal data added too; one with a co-owner).
    lived = [u for u in units[:ROSTER] if H[u]["occupancy"] == "self" and u != "3-2-1201"]
    chosen = [("3-2-1201", True, False)] + [(u, False, False) for u in lived[:6]]
    hand = [u for u in units[ROSTER:38] if H[u]["occupancy"] == "self"]
    chosen += [(hand[0], False, True), (hand[1], False, True)]
    for n, (unit, elder, by_hand) in enumerate(chosen):
        when = day(2 + n // 2, 14 if n % 2 else 10, xr.randint(0, 40))
        coowner = by_hand and unit == hand[0]
        owners, members = family(story, unit, elder=elder, coowner=coowner)

        def change(rt, unit=unit, owners=owners, members=members, by_hand=by_hand):
            if by_hand:
                first = rt["owners"][0]
                keep = set(first.keys())
                for k, v in story.people[unit]["owner"].items():
                    if k not in keep:
                        first[k] = v
                yamlio.place_new_keys(first, keep, PERSON_ORDER)
                prop = story.people[unit]["property"]
                rt["property_type"] = "residence"
                rt["building_area"] = prop["area"]
                if prop["move_in"]:
                    rt["move_in_date"] = prop["move_in"].isoformat()
            if owners:
                rt["owners"].extend(_people(owners))
            if members:
                rt["members"] = _people(members)
        edit_household(story, when, ARCHIVIST, unit, change, f"family {unit}")
    # Day 28: a vacant flat let; the clerk registers the tenants.
    vacant = [u for u in units[:38] if H[u]["occupancy"] == "vacant"]
    if vacant:
        edit_household(story, day(27, 15, 20), CLERKS[1], vacant[0],
                       add_people("tenants", tenants(story, date(2026, 10, 26), 1, True), occupancy="rented"),
                       f"let {vacant[0]}")
    # The two households registered later: their tenants come in after the owners.
    edit_household(story, day(21, 10, 20), CLERKS[0], units[38],
                   add_people("tenants", tenants(story, date(2026, 10, 20), 1, True)), f"tenants {units[38]}")
    edit_household(story, day(35, 9, 30), CLERKS[0], units[39],
                   add_people("tenants", tenants(story, date(2026, 11, 5), 2, False)), f"tenants {units[39]}")


# -- home visits (走访) ----------------------------------------------------------------------------
def make_home_visits(story: Story, units: list[str]) -> None:
    xr = story.xr
    H = story.households
    lived = [u for u in units[:38] if H[u]["occupancy"] in ("self", "rented")
             and u not in ("3-2-1201", "6-1-1802", "4-2-0901")]
    picks = xr.sample(lived, 4)

    def visit(when, by, unit, topics, opinions, suggestions=None, participants=()):
        def fn():
            api.open_home_visit(story.office, by, unit=unit, topics=topics, opinions=opinions,
                                suggestions=suggestions, participants=participants)
        story.add(when, fn, f"home visit {unit}")

    visit(day(9, 15, 0), CLERKS[0], picks[0], ["cleaning", "greenery"],
          "对楼道保洁总体满意；中心花园部分灌木枯黄，希望及时补种", "秋季落叶多，建议增加主干道清扫频次")
    # The director takes part in at least one home visit a month.
    visit(day(16, 10, 0), DIRECTOR, "6-1-1802", ["facilities", "security"],
          "顶层住户反映屋面防水层老化，去年雨季曾有渗水；夜间北门外来人员较多",
          "建议雨季前对顶层屋面全面检查；北门夜间加强访客登记", participants=[SUPERVISOR])
    visit(day(23, 15, 30), CLERKS[1], picks[1], ["fees"],
          "对物业费标准无异议，希望公共能耗分摊明细按季度公示", "建议在微信公众号同步公示物业服务收支情况")
    # A complaint raised during a visit becomes a linked ticket (channel visit), handled as usual.
    u = picks[2]

    def complain(at):
        _, tid = api.open_home_visit(
            story.office, SUPERVISOR, unit=u, topics=["cleaning"], participants=[CLERKS[0]], at=at,
            opinions="业主反映本单元楼道只扫不拖，楼梯扶手长期积灰，垃圾桶周边有异味",
            complaint="走访中业主投诉：单元楼道保洁不到位，只扫不拖、扶手积灰、垃圾桶周边有异味，要求整改")
        return tid
    (T(story, "visit-cleaning", day(28, 14, 30), SUPERVISOR, opener=complain, unit=u)
     .assign(SUPERVISOR, CLEANERS[0], dept="cleaning", after=3, note="走访投诉，电话派单，今日内整改")
     .handle(CLEANERS[0], "楼道改为每日清扫、每周两次湿拖，扶手每周擦拭，垃圾桶每日冲洗并喷洒除臭剂；主管每周抽查",
             contact_note="已联系业主，约定当天下午整改", work=(90, 115), clerk=CLERKS[0])
     .callback(CLERKS[0], "satisfied", timedelta(days=2), note="业主表示楼道干净多了"))
    flood = story.tickets["cmp-flood"].unit
    visit(day(33, 10, 0), DIRECTOR, flood, ["facilities", "other"],
          "车库积水补偿已落实，业主对处理结果基本认可，担心明年汛期再次积水",
          "汛期前对排水泵做带载试验，并在业主群公示检查结果", participants=[CLERKS[0]])
    visit(day(38, 15, 0), CLERKS[1], "3-2-1201", ["security", "other"],
          "家中有八旬老人，楼上装修中午已不再施工；希望物业多关注高龄老人",
          "建议为高龄老人登记紧急联系人，保安巡逻时多留意")
    visit(day(44, 10, 30), SUPERVISOR, picks[3], ["greenery"],
          "楼前香樟树遮挡低层采光，落叶堵塞阳台雨水管", "冬季修剪时适当疏枝，并定期清理雨水口落叶",
          participants=[GARDENER])
    visit(day(51, 14, 0), DIRECTOR, "4-2-0901", ["facilities"],
          "业主对外墙维修进度表示理解，希望尽快完成室内墙面修复", "施工期间注意吊篮安全，完工后清理现场",
          participants=[TECHS[0]])


# -- the survey campaign 2026H2 (客户意见征询) -------------------------------------------------------
SURVEY_REASONS = {
    "security": "外来人员进出登记不严", "parking": "车库积水后排水整改慢，外来车辆占用车位",
    "service": "客服电话有时无人接听", "repair": "维修预约爽约", "cleaning": "垃圾清运不及时，楼道有异味",
    "greenery": "绿化补种不及时", "culture": "社区活动太少", "fees": "公共能耗分摊不够透明",
}
SURVEY_SUGGESTIONS = ["希望多组织社区文化活动", "增设电动车充电桩", "加强外来车辆管理", "按季度公示物业收支",
                      "雨季前检查地下车库排水设施", "增加儿童游乐设施", None, None, None]
LEVELS = ("excellent", "good", "pass", "dissatisfied")


def make_survey(story: Story) -> None:
    """The sample is drawn on 14 November; forms come back over the next ten days (~75%)."""
    xr = story.xr

    def draw():
        # 40 households: 4 drawn at random (10%), plus every household that complained.
        record = legacy_draw(story.office, SUPERVISOR, "2026H2", seed=20261114)
        story.sample = record
        drawn = list(record["households"])
        returned = xr.sample(drawn, round(len(drawn) * 0.75))
        times = sorted(day(xr.randint(45, 54), xr.choice((9, 10, 11, 14, 15, 16)), xr.randint(0, 59))
                       for _ in returned)
        for unit, when in zip(returned, times):
            story.add(when, lambda unit=unit: survey_form(story, unit, record), f"survey {unit}")
    story.add(day(44, 9, 40), draw, "survey sample 2026H2")


def legacy_draw(office: Office, actor: str, campaign: str, seed: int) -> dict:
    """2026H2's sample as wuyectl drew it before survey plans were recorded: one commit (action
    `sample`) writing the drawn list with no plan. sample-records/ was made so, and its history
    keeps it; `audit` accepts such a legacy campaign, and today's `survey sample` needs an
    approved plan (the next campaign's, tools/samples/survey.py)."""
    from wuyectl import timeutil
    from wuyectl.app.office import acting
    from wuyectl.app.visits import choose_sample
    from wuyectl.store.transaction import Transaction

    person = acting(office, actor)
    drawn = choose_sample(office, campaign, seed=seed, ratio=0.1)
    record = {"id": campaign, "drawn_at": timeutil.iso(office.now()), "drawn_by": person["name"], "seed": seed,
              "ratio": drawn["ratio"], "population": drawn["population"]}
    if drawn["since"]:
        record["since"] = drawn["since"]
    record["complainants"] = drawn["complainants"]
    record["households"] = drawn["households"]
    with Transaction(office, person) as tx:
        tx.create(SURVEY.path_of(campaign), yamlio.new_map(record))
        tx.commit(f"{campaign} survey sample: {len(record['households'])} of {record['population']} households",
                  action="sample", records=[campaign])
    return record


def survey_form(story: Story, unit: str, record: dict) -> None:
    xr = story.xr
    complained = unit in record.get("complainants", [])
    weights = (15, 40, 30, 15) if complained else (40, 42, 14, 4)
    items = {item: xr.choices(LEVELS, weights)[0] for item in SURVEY_REASONS}
    if unit == story.tickets["cmp-flood"].unit:
        items["parking"] = "dissatisfied"
    score = sum(LEVELS.index(v) for v in items.values()) / len(items)    # 0 excellent … 3
    overall = LEVELS[max(0, min(3, round(score + xr.uniform(-0.6, 0.3))))]
    bad = [k for k, v in items.items() if v == "dissatisfied"]
    reasons = "；".join(SURVEY_REASONS[k] for k in bad) or None
    by = SUPERVISOR if complained and xr.random() < 0.4 else xr.choice(CLERKS)
    api.open_survey_response(story.office, by, campaign="2026H2", unit=unit, items=items, overall=overall,
                             reasons=reasons, suggestions=xr.choice(SURVEY_SUGGESTIONS))


# -- violations (业主违章) ------------------------------------------------------------------------
def make_violations(story: Story, units: list[str]) -> None:
    xr = story.xr
    H = story.households
    lived = [u for u in units[:38] if H[u]["occupancy"] in ("self", "rented") and u not in
             ("3-2-1201", "6-1-1802", "4-2-0901", "2-1-0502", "2-1-0402", "1-1-0301")]
    u_stairs, u_fee, u_shed, u_wire, u_dog = xr.sample(lived, 5)

    def violation(key, when, by, **kw):
        def opener(at):
            return api.open_violation(story.office, by, at=at, **kw)
        return T(story, key, when, by, opener=opener, unit=kw.get("unit"))

    # Ordinary ladder, rectified after persuasion and a deadline.
    (violation("vio-stairs", day(20, 9, 40), GUARDS[1], category="hygiene", unit=u_stairs,
               subtype="公用场地私自堆放杂物",
               description="巡查发现业主在本层楼道公共部位堆放旧家具、纸箱等杂物，占用疏散通道")
     .measure(GUARDS[1], "当场劝导业主清理，业主答应周末清走", 10)
     .measure(SUPERVISOR, "逾期未清理，发出限期整改通知书", day(24, 10, 0), deadline="2026-10-28")
     .act("rectify", GUARDS[1], day(27, 16, 20), sets={"result": "杂物已全部清走，楼道恢复畅通，保安复查确认"},
          note="复查已整改"))
    # Fee refusal ladder: up to the lawyer's letter, still open.
    (violation("vio-fee", day(4, 10, 30), CLERKS[0], category="fee_refusal", unit=u_fee,
               subtype="拒交物业服务费",
               description="业主以车位被占、服务不到位为由，拒交2026年1月至9月物业服务费2376元")
     .measure(CLERKS[0], "电话劝说并上门沟通，业主仍拒交", 40)
     .measure(SUPERVISOR, "发出《物业服务费催缴函》，业主签收", day(14, 10, 0))
     .measure(SUPERVISOR, "催缴函送达满15日仍未缴纳，按合同加收滞纳金（日万分之五）", day(33, 9, 30), amount=356.4)
     .measure(DIRECTOR, "委托律师事务所发出律师函", day(47, 15, 0)))
    # A major decoration violation: the company's approval, a deadline, compensation, settled.
    (violation("vio-wall", day(11, 10, 15), TECHS[2], category="decoration", severity="major", unit="3-2-1301",
               subtype="对承重墙违章凿、拆",
               description="装修巡查发现业主擅自拆除卫生间与卧室之间承重墙体约2㎡，并移动卫生间排水立管")
     .measure(TECHS[2], "责令立即停工，劝导业主恢复原状", 15)
     .act("approve", DIRECTOR, day(13, 16, 0), sets={"approver": "公司品质部 陈立华"},
          note="公司总经理签署处理意见：限期恢复原状，赔偿公共部位修复费用")
     .measure(DIRECTOR, "限期恢复承重墙体及排水立管原状，由结构工程师验收", 20, deadline="2026-10-31")
     .measure(DIRECTOR, "移动排水立管造成楼下渗水及公共管井损坏，按公司决定赔偿修复费用", day(25, 10, 0), amount=3600)
     .act("settle", DIRECTOR, day(31, 11, 0),
          sets={"result": "墙体已按原设计恢复并经结构工程师验收合格，排水立管复位，赔偿款3600元已缴清"}))
    # Rectification deadline of 20 November passed, not rectified (overdue at 25 November).
    (violation("vio-shed", day(36, 15, 10), GUARDS[0], category="decoration", unit=u_shed,
               subtype="擅自改变房屋外观",
               description="巡查发现业主擅自在阳台外侧搭建铝合金雨棚，改变外立面")
     .measure(GUARDS[0], "当场劝导，告知违反《管理规约》和《装修管理规定》，要求拆除", 20)
     .measure(SUPERVISOR, "业主拒不拆除，发出限期整改通知书", day(39, 10, 30), deadline="2026-11-20"))
    # Throwing objects from height: major, nobody found responsible, closed.
    (violation("vio-height", day(25, 7, 50), CLEANERS[0], category="harm_others", severity="major",
               location={"building": "5", "place": "1单元楼下草坪"}, subtype="高空抛物",
               description="清扫时发现5栋1单元楼下草坪有从高层抛下的玻璃酒瓶碎片，险些砸中晨练老人")
     .measure(GUARDS[0], "在5栋1单元各层张贴禁止高空抛物告示，逐户发放提醒函", day(25, 10, 30))
     .act("close", SUPERVISOR, day(33, 16, 0), sets={"result": "调取监控无法确定抛物楼层，已在5栋1单元加装高空抛物监控"},
          note="无法确定责任户，加装监控后结案"))
    # Fire: a cable run out of the window to charge a scooter; rectified on the spot.
    (violation("vio-wire", day(42, 21, 30), GUARDS[1], category="fire", unit=u_wire, subtype="乱拉乱接电线",
               description="夜间巡查发现业主从窗户拉电线至楼下为电动车充电")
     .measure(GUARDS[1], "当场劝导，讲明飞线充电火灾隐患", 5)
     .act("rectify", GUARDS[1], 15, sets={"result": "业主当场拆除电线，电动车推至非机动车棚充电"}))
    # The dog owner of today's complaint, just recorded.
    violation("vio-dog", day(54, 17, 40), GUARDS[1], category="hygiene", unit=u_dog, subtype="随意放养宠物",
              description="业主遛狗不牵绳，狗粪留在中心草坪和步道未清理")


# -- the archive (档案资料) ------------------------------------------------------------------------
def make_archive(story: Story) -> None:
    def item(key, when, **kw):
        def opener(at):
            return api.open_archive(story.office, ARCHIVIST, at=at, **kw)
        return T(story, key, when, ARCHIVIST, opener=opener)

    # Day 2: the archivist enters the archive room's 档案文件清单.
    when = day(1, 14, 0)
    plan = item("arc-plan", when, title="阳光花园小区总平面图及竣工图纸", category="site_plan", medium="paper",
                location="档案室A柜第1层", retention_years=30, filed_on="2019-06-20")
    item("arc-owners-1", when + timedelta(minutes=6), title="业主登记表（1—3栋）", category="owner_records",
         medium="paper", location="档案室B柜第1层（加锁）", retention_years=30, filed_on="2019-07-05")
    item("arc-owners-2", when + timedelta(minutes=11), title="业主登记表（4—6栋）", category="owner_records",
         medium="paper", location="档案室B柜第2层（加锁）", retention_years=30, filed_on="2020-06-10")
    item("arc-disk", when + timedelta(minutes=15), title="业主资料电子备份光盘（2025年度）", category="owner_records",
         medium="disk", location="档案室B柜光盘盒", retention_years=10, filed_on="2026-01-08")
    contract = item("arc-contract", when + timedelta(minutes=21), title="前期物业服务合同（2019—2029）",
                    category="contracts", medium="paper", location="档案室A柜第2层", retention_years=15,
                    filed_on="2019-06-01")
    lift = item("arc-lift", when + timedelta(minutes=25), title="电梯维保合同（2026年度）", category="contracts",
                medium="paper", location="档案室A柜第2层", retention_years=5, filed_on="2026-01-05")
    old = item("arc-cleaning-2022", when + timedelta(minutes=31), title="2022年度保洁巡查记录",
               category="management_records", medium="paper", location="档案室C柜第3层", retention_years=3,
               filed_on="2023-01-06")
    item("arc-gate-2022", when + timedelta(minutes=34), title="2022年度门岗访客登记簿", category="management_records",
         medium="paper", location="档案室C柜第3层", retention_years=3, filed_on="2023-01-06")
    # Filing as the month goes.
    item("arc-tenants", day(21, 10, 40), title="租住人员信息登记表（2026年）", category="tenant_records",
         medium="paper", location="档案室B柜第3层（加锁）", retention_years=5)
    item("arc-oct-tickets", day(32, 9, 30), title="2026年10月工单、回访及走访记录", category="management_records",
         medium="paper", location="档案室C柜第1层", retention_years=5)
    item("arc-oct-violations", day(32, 9, 40), title="2026年10月业主违章处理记录表", category="violation_records",
         medium="paper", location="档案室C柜第2层", retention_years=5)
    # Loans: one returned, one with the director's approval for longer, one overdue.
    (lift.lend(ARCHIVIST, day(8, 9, 30), TECHS[0], "电梯异响维修，核对维保单位责任范围及响应时限",
               due=day(10, 9, 30))
     .act("return", ARCHIVIST, day(9, 16, 10), note="已归还，资料完整"))
    contract.lend(ARCHIVIST, day(41, 10, 0), "业主委员会 林国栋", "合同续签前业委会审阅服务标准及收费条款",
                  due=day(60, 17, 0), approved_by=DIRECTOR)
    plan.lend(ARCHIVIST, day(49, 10, 30), TECHS[0], "4-2-0901外墙维修，核对吊篮搭设位置")
    # Destruction of records past their retention (过期文件处理登记表).
    (old.act("request_destruction", ARCHIVIST, day(29, 9, 30),
             note="保管期满（2026-01-06），经鉴定无保存价值，填写《过期文件处理登记表》")
     .act("review_destruction", SUPERVISOR, day(30, 15, 0), note="已核对销毁清单，同意销毁")
     .act("approve_destruction", DIRECTOR, day(31, 10, 0), note="批准销毁")
     .destroy(ARCHIVIST, day(33, 14, 30), witnesses=[SUPERVISOR, AUDITOR], method="碎纸机粉碎"))


def add_books(target: str, args) -> int:
    """Enter the books of tools/samples/ into an existing sample office (sample-records/ was
    made before they existed): the same story is drawn (households, names, units), only the
    books' steps run, each committed at its business time, as an office entering its paper
    books would; the director opens the backdating window first and closes it after, two
    commits of their own in the history."""
    from wuyectl.app.policy import set_policy

    began = time.monotonic()
    story = Story(random.Random(args.seed), args.seed)
    units = make_households(story)
    story.steps.clear()
    office = Office(target)
    # Only the books not in the office yet: a book is there when its kind has records, or when
    # its module's `present(office)` says so (a book that adds to records of an existing kind).
    missing = [book for book in desk_books()
               if not (book.present(office) if hasattr(book, "present") else office.index(KINDS[book.KIND]).entries())]
    if not missing:
        raise SystemExit(f"make_sample: {target} has the books already")
    os.environ.pop("WUYECTL_NOW", None)
    set_policy(office, DIRECTOR, "backdate_limit_days", 36500)
    story.office = Office(target)
    return finish(story, units, target, args, began, books=missing)


def finish(story: Story, units: list[str], target: str, args, began: float, books=None) -> int:
    """Add the books' steps (`books`: those of tools/samples/, or some of them), run the story,
    close the backdating window, print the summary."""
    from wuyectl.app.policy import set_policy

    for book in desk_books() if books is None else books:
        book.make(story, units)
    story.run(verbose=args.verbose)
    os.environ.pop("WUYECTL_NOW", None)
    set_policy(Office(target), DIRECTOR, "backdate_limit_days", None)
    print(summary(Office(target), target, time.monotonic() - began))
    return 0


def desk_books() -> list:
    """The front desk's and the decoration desk's books, one module each in tools/samples/
    named after its kind (`make(story, units)` adds its steps, drawing from its own random
    generator), by name."""
    import importlib.util

    folder = os.path.join(HERE, "samples")
    books = []
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if name.endswith(".py") and not name.startswith("_"):
            spec = importlib.util.spec_from_file_location(f"sample_{name[:-3]}", os.path.join(folder, name))
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            module.KIND = name[:-3]
            books.append(module)
    return books


def summary(office: Office, target: str, seconds: float) -> str:
    from wuyectl.domain.kinds.archive import overdue_loans
    from wuyectl.domain.kinds.visit import followed_up, needs_follow_up
    from wuyectl.timeutil import read_iso

    def records(kind):
        return [e.data for e in office.index(kind).entries() if e.data]

    def line(counter):
        return ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))

    tickets, visits, owners = records(TICKET), records(VISIT), records(OWNER)
    violations, items, surveys = records(VIOLATION), records(ARCHIVE), records(SURVEY)
    rel = office.prefix or "."
    commits = git.out(office.top, ["rev-list", "--count", "HEAD", "--", rel]).strip()
    by_type = Counter(v["type"] for v in visits)
    ratings = Counter(v["ratings"]["overall"] for v in visits if v["type"] == "callback")
    forms = [v for v in visits if v["type"] == "survey"]
    later = read_iso("2026-11-25T09:00:00+08:00")
    lines = [
        f"sample office in {target}: {seconds:.1f} s",
        f"  households {len(owners)}, tickets {len(tickets)}, visits {len(visits)}, violations {len(violations)}, "
        f"archive items {len(items)}, commits {commits}",
        "  by status:   " + line(Counter(t["status"] for t in tickets)),
        "  by category: " + line(Counter(t["category"] for t in tickets)),
        "  by channel:  " + line(Counter(t["channel"] for t in tickets)),
        "  visits:      " + line(by_type)
        + f"; survey forms needing a follow-up call {sum(1 for f in forms if needs_follow_up(f))}, called "
        + f"{sum(1 for f in forms if followed_up(f))}",
        "  callbacks:   " + line(ratings),
        "  households:  " + line(Counter(o.get("occupancy", "-") for o in owners))
        + f"; owners with ID card {sum(1 for o in owners if o['owners'][0].get('id_card'))}"
        + f", with members {sum(1 for o in owners if o.get('members'))}"
        + f", with tenants {sum(1 for o in owners if o.get('tenants'))}",
    ]
    for s in surveys:
        if "households" not in s:   # a campaign planned, not drawn yet
            lines.append(f"  survey {s['id']}: {s.get('status')}, plan {s['plan']['from']} – {s['plan']['to']}, "
                         f"{s['plan']['ratio'] * 100:g}% drafted by {s['plan']['drafted_by']}")
            continue
        returned = [f for f in forms if f.get("campaign") == s["id"]]
        rate = 100 * len(returned) / len(s["households"]) if s["households"] else 0
        lines.append(f"  survey {s['id']}: {len(s['households'])} of {s['population']} households drawn "
                     f"({len(s.get('complainants', []))} complainants), {len(returned)} forms returned "
                     f"({rate:.0f}%); overall " + line(Counter(f["overall"] for f in returned)))
    lines += [
        "  violations:  " + line(Counter(f"{v['status']}/{v.get('step', '-')}" for v in violations))
        + "; " + line(Counter(v["ladder"] for v in violations)),
        "  archive:     " + line(Counter(a["status"] for a in items))
        + f"; loans {sum(len(a.get('loans') or []) for a in items)}, out "
        + f"{sum(1 for a in items if a['status'] == 'lent')}, overdue at 2026-11-25 "
        + f"{sum(len(overdue_loans(a, later)) for a in items)}",
    ]
    for kind in KINDS.values():   # the desks' books
        if kind.desk and kind.workflow.states:
            found = records(kind)
            lines.append(f"  {kind.plural + ':':<12} {len(found)}; "
                         + line(Counter(r.get(kind.workflow.state_field) for r in found)))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", help="a new or empty folder to make the office in")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-v", "--verbose", action="store_true", help="print each step")
    parser.add_argument("--add-books", action="store_true",
                        help="DIR is the sample office already: add only the books of tools/samples/ to it")
    args = parser.parse_args(argv)
    began = time.monotonic()
    target = os.path.abspath(args.dir)
    if args.add_books:
        return add_books(target, args)
    if os.path.isdir(target) and os.listdir(target):
        parser.error(f"{target} is not empty: the sample office is made in a new or empty folder")
    parent = target
    while not os.path.isdir(parent):
        parent = os.path.dirname(parent)
    inside = git.toplevel(parent) is not None

    rng = random.Random(args.seed)
    story = Story(rng, args.seed)
    os.environ.pop("WUYECTL_USER", None)
    os.environ["WUYECTL_NOW"] = stamp(day(0, 8, 0))
    # The story is dated 2026-10-01 … 11-24 and may be rebuilt any day after: its commits are
    # made under a backdating limit of 100 years (the event times are checked against the real
    # clock), which the director's last step sets back to the manuals' default.
    story.office = api.init_office(target, name=COMMUNITY, director=DIRECTOR, station="A", code="YGHY",
                                   hooks=not inside, in_enclosing_repo=inside, policy={"backdate_limit_days": 36500})
    when = day(0, 8, 2)
    for name, role, dept, mail in STAFF:
        os.environ["WUYECTL_NOW"] = stamp(when)
        api.add_staff(story.office, DIRECTOR, name, role, department=dept, email=f"{mail}@{MAIL}")
        when += timedelta(minutes=1)
    # api.add_staff commits the new roster but leaves the Office object's config as it was
    # (see the report): open the office again so the new staff can act and be assigned.
    story.office = Office(target)

    units = make_households(story)
    make_tickets(story, units)
    make_household_details(story, units)
    make_home_visits(story, units)
    make_survey(story)
    make_violations(story, units)
    make_archive(story)
    return finish(story, units, target, args, began)


if __name__ == "__main__":
    sys.exit(main())
